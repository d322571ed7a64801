"""The one CSV cell rule every CSV route uses (consult.web.csvfile)."""

from datetime import date

import pytest

from consult.web.csvfile import csv_bytes, csv_cell


def test_csv_cells_never_start_a_formula():
    assert csv_cell("=1+1") == "'=1+1"
    assert csv_cell("+86 138") == "'+86 138"
    assert csv_cell("-x") == "'-x" and csv_cell("@SUM") == "'@SUM" and csv_cell("\tx") == "'\tx"
    assert csv_cell("\rx") == "'\rx"
    assert csv_cell("停车 = 难") == "停车 = 难"
    assert csv_cell(-5) == "-5" and csv_cell(None) == ""
    assert csv_cell(date(2025, 1, 2)) == "2025-01-02"
    with pytest.raises(TypeError):
        csv_cell(True)


def test_csv_bytes_escape_the_header_and_every_row_and_start_with_a_bom():
    raw = csv_bytes(["=h"], [["=a", 1], ["b", "@c"]])
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines() == ["'=h", "'=a,1", "b,'@c"]
