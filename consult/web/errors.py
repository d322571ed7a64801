"""One place that turns refusals into HTTP answers: a page for people, JSON under /api."""

from __future__ import annotations

import logging
from urllib.parse import quote

from markupsafe import escape

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException
from litestar.response import Redirect

from consult.accounts.guards import RoleRequired, SignInRequired
from consult.messages import Refusal
from consult.roles import ROLE_LABELS, Role
from consult.web.i18n import gettext as _
from consult.web.templating import render, url

log = logging.getLogger("consult")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_page(request: Request, status: int, title: str, message: str, **extra) -> Response:
    if _is_api(request):
        return Response({"status_code": status, "detail": message}, status_code=status, media_type=MediaType.JSON)
    return render(request, "error.html", {"title": title, "message": message, **extra}, status_code=status)


def sign_in_required(request: Request, exc: SignInRequired) -> Response:
    if _is_api(request):
        return _error_page(request, 401, _("Sign in required"), _("Sign in to do this."))
    target = request.url.path
    if request.method != "GET":
        target = request.headers.get("referer-path") or _same_origin_referer(request) or target
    login = url("accounts:login_form") + "?next=" + quote(target, safe="/")
    response = Redirect(path=login, status_code=303)
    if request.headers.get("hx-request"):
        response.headers["HX-Redirect"] = login
    return response


def _same_origin_referer(request: Request) -> str | None:
    referer = request.headers.get("referer")
    if not referer:
        return None
    base = str(request.base_url).rstrip("/")
    if referer.startswith(base + "/"):
        return referer[len(base):]
    return None


def role_required(request: Request, exc: RoleRequired) -> Response:
    if exc.reason == "password":
        message = _("Choose a new password before you continue.")
        if not _is_api(request) and request.method == "GET":
            return Redirect(path=url("accounts:account"), status_code=303)
    elif exc.reason == "unverified":
        message = _("Your account is awaiting verification by community staff. Until then you can read but not write.")
    else:
        names = ", ".join(_(ROLE_LABELS[Role(r)]) for r in exc.roles if r in Role.__members__)
        message = _("This needs one of these roles: {roles}. You do not hold any of them.", roles=names)
    return _error_page(request, 403, _("Not allowed"), message)


def permission_denied(request: Request, exc: PermissionDeniedException) -> Response:
    if "csrf" in str(exc.detail).lower():
        message = _("The form expired or did not come from this site. Go back, reload the page and try again.")
    else:
        message = _("You are not allowed to do this.")
    return _error_page(request, 403, _("Not allowed"), message)


def refusal_text(exc: Refusal) -> str:
    """The refusal in the request's language; a parameter that names a state or an action
    shows that thing's translated label."""
    params = dict(exc.params)
    for name, labels in exc.PARAM_LABELS.items():
        if name in params:
            params[name] = _(labels.get(params[name], str(params[name])))
    return _(exc.message, **params)


def refused(request: Request, exc: Refusal) -> Response:
    message = refusal_text(exc)
    if exc.ALERT_ID and not _is_api(request) and request.headers.get("hx-request"):
        # put the message where the page shows alerts, not in place of the form
        return Response(
            f'<p class="notice error" role="alert">{escape(message)}</p>',
            status_code=exc.status_code,
            media_type=MediaType.HTML,
            headers={"HX-Retarget": "#" + exc.ALERT_ID, "HX-Reswap": "innerHTML", "Vary": "HX-Request"},
        )
    return _error_page(request, exc.status_code, _("Not done"), message)


def not_found(request: Request, exc: NotFoundException) -> Response:
    return _error_page(request, 404, _("Not found"), _("There is no page at this address."))


def http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code >= 500:
        return _error_page(request, exc.status_code, _("Server error"), _("Something went wrong on our side."))
    if _is_api(request):
        return Response(
            {"status_code": exc.status_code, "detail": exc.detail, "extra": exc.extra},
            status_code=exc.status_code,
            media_type=MediaType.JSON,
        )
    return _error_page(request, exc.status_code, _("Bad request"), _("The request could not be understood."))


def internal_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error_page(request, 500, _("Server error"), _("Something went wrong on our side."))


EXCEPTION_HANDLERS = {
    Exception: internal_error,
    SignInRequired: sign_in_required,
    RoleRequired: role_required,
    PermissionDeniedException: permission_denied,
    NotFoundException: not_found,
    Refusal: refused,
    HTTPException: http_error,
}
