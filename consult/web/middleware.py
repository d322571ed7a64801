"""Locale selection and security headers."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

import consult.web.i18n as i18n
from consult.accounts.guards import VIEWER_KEY

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v
    return None


class LocaleMiddleware:
    """Chinese by default; the `lang` cookie (set by the language switch) wins."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            locale = i18n.pick_locale(_cookie(scope, i18n.LOCALE_COOKIE))
            token = i18n.set_locale(locale)
            try:
                await self.app(scope, receive, send)
            finally:
                i18n._locale.reset(token)
            return
        await self.app(scope, receive, send)


SAFE_METHODS = frozenset({"GET", "HEAD"})


def is_private(scope: Scope) -> bool:
    """Whether a response may hold something only this person should see, and so must not be
    kept by the browser's cache, the back button's copy or any proxy (`no-store`): every page
    served to a signed-in person (their account, ballot, receipt, staff pages, and their name
    in the header of any other page), every answer to a form post (a cast ballot's receipt,
    a ballot review), and the routes declared with `opt={"no_store": True}` (a visitor's
    receipt check: the code is in the URL). Public pages for visitors keep their caching."""
    if scope.get("method", "GET") not in SAFE_METHODS:
        return True
    handler = scope.get("route_handler")
    if handler is not None and getattr(handler, "opt", {}).get("same_for_everyone"):
        return False  # the same bytes whoever asks, checked by the route (a photo): it sets its caching
    viewer = scope.get(VIEWER_KEY)  # type: ignore[call-overload]
    if viewer is not None and viewer.signed_in:
        return True
    return bool(handler is not None and getattr(handler, "opt", {}).get("no_store"))


def vary_on_cookie(headers: MutableScopeHeaders) -> None:
    """HTML depends on the `display` (长辈版) and `lang` cookies: no shared cache may give one
    person's rendering to another (Vary: Cookie, added to whatever the page already varies on)."""
    present = [v.strip() for v in headers.get("Vary", "").split(",") if v.strip()]
    if "cookie" not in {v.lower() for v in present}:
        headers["Vary"] = ", ".join([*present, "Cookie"])


def security_headers(production: bool):
    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            headers = MutableScopeHeaders.from_message(message)
            if is_private(scope):
                headers["Cache-Control"] = "no-store"
            if headers.get("Content-Type", "").startswith("text/html"):
                vary_on_cookie(headers)
            headers["Content-Security-Policy"] = CSP
            headers["X-Content-Type-Options"] = "nosniff"
            headers["Referrer-Policy"] = "same-origin"
            headers["X-Frame-Options"] = "DENY"
            if production:
                headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"

    return before_send
