"""The one way the app serves a CSV file: every cell through `csv_cell`, UTF-8 with a BOM
(spreadsheet programs then read Chinese text as UTF-8), as an attachment.

A cell that starts with = + - @ tab or CR gets a leading apostrophe, so a spreadsheet shows
it as text and never runs it as a formula (OWASP's CSV injection advice). Numbers are
written as they are (-5 stays a number)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime

from litestar import Response

MEDIA_TYPE = "text/csv"  # Litestar adds "; charset=utf-8" itself (it was sent twice)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError("word booleans before writing them")
    if isinstance(value, (int, float)):
        return str(value)
    text = value.isoformat() if isinstance(value, (date, datetime)) else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_bytes(header: Iterable[object], rows: Iterable[Iterable[object]]) -> bytes:
    """The header and rows, every cell escaped, as UTF-8 with a BOM."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(v) for v in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def csv_response(filename: str, header: Iterable[object], rows: Iterable[Iterable[object]]) -> Response[bytes]:
    """A CSV download named `filename` (ASCII: it goes into a header as it is)."""
    return Response(
        csv_bytes(header, rows),
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
