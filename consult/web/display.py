"""The display mode (长辈版, issue 14): large text and large tap targets for older residents,
following 工信部《互联网网站适老化通用设计规范》 and GB/T 37668.

The choice lives in the `display` cookie only (a GET never writes to the database): the
switch in every page's header (`GET /display/{mode}?next=...`) sets it and sends the person
back. base.html then puts `class="elder"` on `<html>` and `<body>`, and static/app.css does
the rest (`body.elder`). Until the cookie exists, every page offers the switch once more in a
hint under the header. Because the HTML now depends on a cookie, every HTML response says
`Vary: Cookie` (consult.web.middleware), so no shared cache mixes the two modes."""

from __future__ import annotations

from litestar import Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from consult.web.forms import safe_next

DISPLAY_COOKIE = "display"
ELDER = "elder"
STANDARD = "standard"
MODES = (ELDER, STANDARD)
COOKIE_MAX_AGE = 5 * 365 * 24 * 3600  # remembered: an older resident should not have to choose again


def display_mode(request: Request) -> str | None:
    """The mode this browser chose, or None when it has not chosen yet (the hint is shown)."""
    value = request.cookies.get(DISPLAY_COOKIE)
    return value if value in MODES else None


@get("/display/{mode:str}", name="display:set")
async def set_display(request: Request, mode: FromPath[str], next: FromQuery[str] = "/") -> Redirect:
    response = Redirect(path=safe_next(next), status_code=303)
    if mode in MODES:
        settings = getattr(request.app.state, "settings", None)
        response.set_cookie(DISPLAY_COOKIE, mode, max_age=COOKIE_MAX_AGE, samesite="lax", httponly=True,
                            secure=bool(settings and settings.production), path="/")
    return response


route_handlers = [set_display]
