"""Site-wide pages: home, health."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Response, Template

from consult import db
from consult.web.templating import render


@get("/", name="web:home")
async def home(request: Request) -> Template:
    return render(request, "home.html", {})


@get("/healthz", name="web:health", include_in_schema=True)
async def healthz() -> Response:
    ok = await db.check()
    return Response({"status": "ok" if ok else "unavailable", "database": ok}, status_code=200 if ok else 503)


route_handlers = [home, healthz]
