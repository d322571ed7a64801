"""One place that turns refusals into HTTP answers: a page for people, JSON under /api."""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

from markupsafe import escape

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException
from litestar.middleware.session.base import SessionMiddleware
from litestar.response import Redirect

from consult.accounts.guards import RoleRequired, SignInRequired, ViewerMiddleware
from consult.messages import Refusal
from consult.roles import ROLE_LABELS, Role
from consult.web.forms import safe_next
from consult.web.i18n import gettext as _
from consult.web.middleware import LocaleMiddleware
from consult.web.templating import render, url

log = logging.getLogger("consult")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def back_target(request: Request) -> str | None:
    """Where an error page sends a person back to: the same-site page the request came from
    (its Referer), else, for a form post, the page that form lives on; None on a plain page."""
    referer = _same_origin_referer(request)
    if referer and safe_next(referer, "") and referer != request.url.path:
        return referer
    if request.method not in ("GET", "HEAD"):
        return form_page(request)
    return None


def _error_page(request: Request, status: int, title: str, message: str, **extra) -> Response:
    if _is_api(request):
        return Response({"status_code": status, "detail": message}, status_code=status, media_type=MediaType.JSON)
    extra.setdefault("back", back_target(request))
    return render(request, "error.html", {"title": title, "message": message, **extra}, status_code=status)


_AFTER_VIEWER = "consult.after_viewer"  # set once the middleware ran for a router refusal


class _AfterViewer:
    """An error page for a request the router refused before any middleware ran (a 404):
    runs the locale, session and viewer middleware first, so the header shows who is signed
    in, in their language, as on every other page."""

    def __init__(self, build) -> None:
        self.build = build

    def to_asgi_response(self, app, request: Request, **kw):
        async def page(scope, receive, send) -> None:
            scope[_AFTER_VIEWER] = True  # type: ignore[literal-required]
            # the session store serialises with a route handler's encoders: the home page's
            scope.setdefault("route_handler", request.app.route_handler_method_map["/"]["GET"])
            req = Request(scope, receive, send)
            await self.build(req).to_asgi_response(app=None, request=req, **kw)(scope, receive, send)

        stack = page
        wanted = (LocaleMiddleware, SessionMiddleware, ViewerMiddleware)
        for layer in reversed(request.app.middleware):
            middleware = getattr(layer, "middleware", None)
            if isinstance(middleware, type) and issubclass(middleware, wanted):
                stack = layer(stack)
        return stack


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


def _before_middleware(request: Request) -> bool:
    """Refused by the router (no such page, no such method): no middleware has run yet."""
    return "session" not in request.scope and _AFTER_VIEWER not in request.scope and not _is_api(request)


def not_found(request: Request, exc: NotFoundException) -> Response:
    if _before_middleware(request):
        return _AfterViewer(lambda req: not_found(req, exc))  # type: ignore[return-value]
    return _error_page(request, 404, _("Not found"), _("There is no page at this address."))


def _get_pattern(path_format: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\\{[^/]*?\\\}", "[^/]+", re.escape(path_format)) + "$")


def _pages(request: Request) -> list[re.Pattern]:
    """The path patterns of every route that answers GET (built once per app)."""
    app = request.app
    pages = getattr(app.state, "_get_pages", None)
    if pages is None:
        pages = [
            _get_pattern(path)
            for path, methods in app.route_handler_method_map.items()
            if "GET" in methods and not path.startswith("/api/")
        ]
        app.state._get_pages = pages
    return pages


def form_page(request: Request) -> str:
    """The page a form that posts to this address lives on: the nearest enclosing path that
    answers GET (/topics/5/comments -> /topics/5), else home. One rule for every form."""
    parts = request.url.path.rstrip("/").split("/")
    pages = _pages(request)
    while len(parts) > 1:
        parts.pop()
        candidate = "/".join(parts) or "/"
        if any(p.match(candidate) for p in pages):
            return candidate
    return "/"


def http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == 405 and request.method in ("GET", "HEAD") and not _is_api(request):
        # a reload or bookmark of a form's submit address: back to the page the form lives on
        return Redirect(path=form_page(request), status_code=303)
    if _before_middleware(request):
        return _AfterViewer(lambda req: http_error(req, exc))  # type: ignore[return-value]
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
