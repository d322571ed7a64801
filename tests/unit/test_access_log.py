"""The access log never writes a query string: a receipt check would name the ballot."""

from __future__ import annotations

import logging

from consult.web import access_log


def _line(path: str) -> str:
    record = logging.LogRecord(access_log.ACCESS_LOGGER, logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("10.0.0.7:5000", "GET", path, "1.1", 200), None)
    assert access_log.DropQueryString().filter(record)
    return record.getMessage()


def test_a_receipt_check_is_logged_without_the_receipt():
    line = _line("/votes/3/receipt?code=8743-92cb-deef-df0d-75f3")
    assert "8743" not in line and line == '10.0.0.7:5000 - "GET /votes/3/receipt?… HTTP/1.1" 200'
    assert _line("/votes/3") == '10.0.0.7:5000 - "GET /votes/3 HTTP/1.1" 200'


def test_a_tracking_code_is_not_logged():
    """Anyone holding it reads what was entered for a resident (issue 16): the path keeps only /track/."""
    assert _line("/track/ABCDEFGHJKMN") == '10.0.0.7:5000 - "GET /track/… HTTP/1.1" 200'
    assert _line("/track/ABCD-EFGH-JKMN/attach") == '10.0.0.7:5000 - "GET /track/…/attach HTTP/1.1" 200'
    assert _line("/track?code=ABCD-EFGH-JKMN") == '10.0.0.7:5000 - "GET /track?… HTTP/1.1" 200'


def test_the_app_installs_the_filter(app):
    assert any(isinstance(f, access_log.DropQueryString) for f in logging.getLogger(access_log.ACCESS_LOGGER).filters)
