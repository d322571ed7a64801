"""First-run setup: the page that walks the administrator through it, and the gate that
shows everybody else a "being set up" page until it is finished.

The gate answers 503 (Service Unavailable) with Retry-After: the site is not open yet
but will be, which is what 503 says to browsers, search engines and monitors (nothing
caches or indexes the placeholder as the site's page), and /healthz still answers 200.
Signing in (and changing a one-time password) stays open, so the administrator and the
first staff can get in; the open-data API and static files are not gated."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from consult.accounts.domain import AccountInputError
from consult.accounts.guards import viewer_of
from consult.places import install
from consult.places.domain import PlaceInputError
from consult.places.pages import ADMIN
from consult.roles import Role
from consult.web.forms import field_errors, form_data
from consult.web.i18n import gettext as _
from consult.web.templating import flash, redirect, render, url

# Routes anybody may use while the install is being set up.
OPEN_DURING_SETUP = frozenset({
    "accounts:login_form", "accounts:login", "accounts:logout", "accounts:account", "accounts:change_password",
    "web:language", "web:health", "display:set",
})
UNGATED_PREFIXES = ("/static/", "/api/")
RETRY_AFTER_SECONDS = 3600


async def setup_gate(request: Request) -> Response | None:
    """Before every handler: remember the install's state for the page header; while setup
    is not done, answer anyone but an administrator with the "being set up" page."""
    if request.url.path.startswith(UNGATED_PREFIXES):
        return None
    state = await install.install_state()
    request.state.install = state
    if state.set_up or viewer_of(request).has(Role.admin.value):
        return None
    if getattr(request.route_handler, "name", None) in OPEN_DURING_SETUP:
        return None
    page = render(request, "places/setting_up.html", {}, status_code=503)
    page.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return page


async def _setup_page(request: Request, errors: dict | None = None, form: dict | None = None,
                      staff_created: tuple[str, str] | None = None, staff_errors: dict | None = None,
                      finish_errors: list[str] | None = None, status_code: int = 200) -> Template:
    state = await install.install_state()
    request.state.install = state
    return render(request, "places/setup.html", {
        "state": state, "errors": errors or {}, "form": form or {}, "staff_places": await install.staff_places(),
        "staff_created": staff_created, "staff_errors": staff_errors or {}, "finish_errors": finish_errors or [],
    }, status_code=status_code)


@get("/admin/setup", name="places:setup", guards=[ADMIN])
async def setup(request: Request) -> Template:
    return await _setup_page(request)


@post("/admin/setup/name", name="places:name_install", guards=[ADMIN])
async def name_install(request: Request) -> Any:
    form = await form_data(request)
    try:
        await install.name_install(viewer_of(request).id, form.get("name"))
    except PlaceInputError as exc:
        return await _setup_page(request, field_errors(exc.errors), form, status_code=400)
    flash(request, _("The install's name is saved."))
    return redirect(url("places:setup"))


@post("/admin/setup/staff", name="places:create_staff", guards=[ADMIN])
async def create_staff(request: Request) -> Any:
    """The first staff account, with a one-time password shown on this answer only (a
    POST's answer is never stored: no-store)."""
    form = await form_data(request)
    place_id = int(form["place"]) if form.get("place", "").isdigit() and len(form["place"]) < 10 else None
    try:
        created = await install.create_staff(viewer_of(request).id, form.get("username"),
                                             form.get("display_name"), place_id)
    except AccountInputError as exc:
        return await _setup_page(request, form=form, staff_errors=field_errors(exc.errors), status_code=400)
    return await _setup_page(request, staff_created=created)


@post("/admin/setup/finish", name="places:finish_setup", guards=[ADMIN])
async def finish_setup(request: Request) -> Any:
    try:
        finished = await install.finish_setup(viewer_of(request).id)
    except PlaceInputError as exc:
        return await _setup_page(request, finish_errors=list(field_errors(exc.errors).values()), status_code=400)
    flash(request, _("Setup is finished: the site is open to everybody.") if finished
          else _("Setup was already finished."))
    return redirect(url("web:home"))


route_handlers = [setup, name_install, create_staff, finish_setup]
