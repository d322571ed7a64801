"""Small helpers for HTML forms: read fields, translate field errors, safe `next` targets."""

from __future__ import annotations

from litestar import Request

from consult.web.i18n import gettext


async def form_data(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: (v if isinstance(v, str) else "") for k, v in form.items()}


def field_errors(errors: dict[str, tuple[str, dict]]) -> dict[str, str]:
    """{field: (English template, params)} -> {field: translated message}."""
    return {name: gettext(template, **params) for name, (template, params) in errors.items()}


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(ch) < 32 for ch in target):
        return default
    return target


def client_address(request: Request, trusted_proxies: tuple[str, ...]) -> str:
    peer = request.client.host if request.client else "unknown"
    if peer in trusted_proxies:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or peer
    return peer
