"""Locale selection and security headers."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

import consult.web.i18n as i18n

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


def security_headers(production: bool):
    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            headers = MutableScopeHeaders.from_message(message)
            headers["Content-Security-Policy"] = CSP
            headers["X-Content-Type-Options"] = "nosniff"
            headers["Referrer-Policy"] = "same-origin"
            headers["X-Frame-Options"] = "DENY"
            if production:
                headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"

    return before_send
