"""The server's access log never writes a query string.

Why: a representative who checks their receipt after publication asks
``/votes/{id}/receipt?code=...``; the access log line would join their address (and time)
to the receipt, and the receipt to the published ballot: a log line linking a secret
ballot to a person (issue 12). Search terms and filters are nobody's business either.
The path is kept; everything after ``?`` is replaced by ``?…``.

A tracking code (``/track/CODE``, issue 16) lets anyone read what was entered for a
resident: the path segment after ``/track/`` is replaced by ``…`` too.
"""

from __future__ import annotations

import logging
import re

_TRACKING = re.compile(r"^(/track/)[^/?]+")

ACCESS_LOGGER = "uvicorn.access"  # uvicorn's: args = (client, method, path with query, http version, status)


class DropQueryString(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2]
            if "?" in path:
                path = path.split("?", 1)[0] + "?…"
            path = _TRACKING.sub(r"\1…", path)
            if path != args[2]:
                record.args = (*args[:2], path, *args[3:])
        return True


def install() -> None:
    """Idempotent: called by every create_app (one per worker process)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, DropQueryString) for f in logger.filters):
        logger.addFilter(DropQueryString())
