"""Site-wide pages: health (the home page is consult.home's)."""

from __future__ import annotations

from litestar import get
from litestar.response import Response

from consult import db


@get("/healthz", name="web:health", include_in_schema=True)
async def healthz() -> Response:
    ok = await db.check()
    return Response({"status": "ok" if ok else "unavailable", "database": ok}, status_code=200 if ok else 503)


route_handlers = [healthz]
