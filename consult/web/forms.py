"""Small helpers for HTML forms: read fields, translate field errors, safe `next` targets."""

from __future__ import annotations

from collections.abc import Mapping

from litestar import Request
from litestar.exceptions import ClientException

from consult.fields import FieldError, is_id
from consult.web.i18n import gettext


def id_text_or_blank(text: str | None) -> str:
    """An id from a form or query string as given, or "" when it cannot name a row (negative, or
    too large for the database) so that it is ignored like any other unknown value."""
    text = (text or "").strip()
    if text.lstrip("-").isdigit() and not (len(text) <= 10 and is_id(int(text))):
        return ""
    return text


def refuse_nul(values) -> None:
    """NUL never belongs in text (PostgreSQL cannot store it): the request is bad, 400."""
    for value in values:
        if isinstance(value, str) and "\x00" in value:
            raise ClientException(detail="NUL character in input")


async def form_data(request: Request) -> dict[str, str]:
    form = await request.form()
    data = {k: (v if isinstance(v, str) else "") for k, v in form.items()}
    refuse_nul(data.keys())
    refuse_nul(data.values())
    return data


def field_errors(errors: Mapping[str, FieldError | tuple[str, dict]]) -> dict[str, str]:
    """{field: FieldError} -> {field: translated message}. (A form not yet on consult.fields
    may still give (English template, params) pairs: a FieldError ends with the same two.)"""
    return {name: gettext(error[-2], **error[-1]) for name, error in errors.items()}


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


# An irreversible step (closing a vote, publishing a result, revoking a role) is taken only by
# a form that carries this field: its confirmation page's "Yes, ..." button. A POST without
# it (one tap on an old button, a replayed request) changes nothing and is sent to that page.
CONFIRM_FIELD = "confirm"


def confirmed(form: Mapping[str, str]) -> bool:
    return form.get(CONFIRM_FIELD) == "yes"
