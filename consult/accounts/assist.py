"""Pages that help people in and back in: what a newcomer does next, a forgotten password
recovered at the community office (staff issue a one-time password), and staff declining
a registration with a reason the newcomer reads (who may then ask again)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

import consult.accounts.grants as grants
import consult.accounts.recovery as recovery
import consult.accounts.services as services
from consult.accounts.domain import AccountInputError
from consult.accounts.guards import requires, signed_in, viewer_of
from consult.fields import row_id
from consult.places import queries as places
from consult.places.tree import Kind
from consult.roles import Role
from consult.web.forms import confirmed, field_errors, form_data, safe_next
from consult.web.i18n import gettext as _
from consult.web.templating import flash, redirect, render, url

STAFF = (Role.staff.value, Role.admin.value)


async def _community_of(grid_id: int | None) -> str:
    community = (await places.tree()).of_kind_above(grid_id, Kind.community)
    return community.name if community else ""


@get("/auth/forgot", name="accounts:forgot")
async def forgot_password(request: Request, grid: FromQuery[str] = "") -> Template:
    """No e-mail, no text message: the resident is known at the community office. Choosing
    a grid names the office (a plain GET form: works without JavaScript)."""
    grid_id, _error = row_id(grid) if grid else (None, None)
    grids = await places.grid_choices()
    chosen = grid_id if grid_id in {g["id"] for g in grids} else None
    return render(request, "accounts/forgot.html", {
        "grids": grids, "grid": chosen, "community": await _community_of(chosen) if chosen else "",
    })


@get("/welcome", name="accounts:welcome", guards=[signed_in])
async def welcome(request: Request) -> Template:
    """Where registration lands: signed in, and what happens next."""
    viewer = viewer_of(request)
    return render(request, "accounts/welcome.html", {"community": await _community_of(viewer.grid_id)})


@post("/account/verification", name="accounts:ask_again", guards=[signed_in])
async def ask_again(request: Request) -> Redirect:
    form = await form_data(request)
    try:
        await services.ask_again(viewer_of(request).id, form.get("grid_id", ""))
    except AccountInputError as exc:
        flash(request, " ".join(field_errors(exc.errors).values()), "error")
        return redirect(url("accounts:account"))
    flash(request, _("Your registration is back in the staff's list. They will answer it."))
    return redirect(url("accounts:account"))


# ---------------------------------------------------------------- staff: declining a registration


def _decline_page(request: Request, target: dict, form: dict, errors: dict, status_code: int = 200) -> Template:
    return render(request, "accounts/decline.html", {"target": target, "form": form, "errors": errors},
                  status_code=status_code)


@get("/staff/users/{user_id:int}/decline", name="accounts:decline_registration_form", guards=[requires(*STAFF)])
async def decline_registration_form(request: Request, user_id: FromPath[int]) -> Template:
    return _decline_page(request, await grants.registration_target(viewer_of(request), user_id), {}, {})


@post("/staff/users/{user_id:int}/decline", name="accounts:decline_registration", guards=[requires(*STAFF)])
async def decline_registration(request: Request, user_id: FromPath[int]) -> Any:
    form = await form_data(request)
    try:
        await grants.decline_registration(viewer_of(request), user_id, form.get("reason", ""))
    except AccountInputError as exc:
        target = await grants.registration_target(viewer_of(request), user_id)
        return _decline_page(request, target, form, field_errors(exc.errors), status_code=400)
    flash(request, _("Registration declined. The newcomer is told why."))
    return redirect(url("accounts:queue"))


# ---------------------------------------------------------------- staff: a one-time password


@get("/staff/users/{user_id:int}/one-time-password", name="accounts:recover_confirm", guards=[requires(*STAFF)])
async def confirm_one_time_password(request: Request, user_id: FromPath[int], next: FromQuery[str] = "") -> Template:
    """Before issuing: check the ID card; what happens to the old password and sessions."""
    target = await recovery.recovery_target(viewer_of(request), user_id)
    back = safe_next(next, url("accounts:users"))
    return render(request, "confirm.html", {
        "heading": _("Issue a one-time password to {name}?", name=target["display_name"]),
        "explanation": [
            _("First check the person's ID card: they must be {name}, living in {grid}.",
              name=target["display_name"], grid=target["grid_name"] or _("no grid")),
            _("Their old password stops working and every device they are signed in on is signed out."),
            _("The one-time password is shown to you once. Give it to them; at their next sign-in they "
              "must choose a new password."),
        ],
        "warning": _("This is recorded in the audit log (without the password)."),
        "yes": _("Yes, issue a one-time password"),
        "action": url("accounts:recover", user_id=user_id), "cancel": back, "next": back,
    })


@post("/staff/users/{user_id:int}/one-time-password", name="accounts:recover", guards=[requires(*STAFF)])
async def issue_one_time_password(request: Request, user_id: FromPath[int]) -> Any:
    form = await form_data(request)
    if not confirmed(form):  # one tap changes nothing: the confirmation page first
        return redirect(url("accounts:recover_confirm", user_id=user_id))
    target, password = await recovery.issue_one_time_password(
        viewer_of(request), user_id, request.app.state.login_limiter)
    return render(request, "accounts/one_time_password.html", {
        "target": target, "password": password, "groups": [password[:5], password[5:]],
        "back": safe_next(form.get("next"), url("accounts:users")),
    })


route_handlers = [
    forgot_password, welcome, ask_again, decline_registration_form, decline_registration,
    confirm_one_time_password, issue_one_time_password,
]
