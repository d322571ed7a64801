"""Accounts web: register, sign in/out, account page, verification queue, audit log."""

from __future__ import annotations

import time
from urllib.parse import quote
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

import consult.accounts.grants as grants
import consult.accounts.services as services
from consult.audit_labels import action_label, detail_lines
from consult.accounts.domain import GRANT_KINDS, REQUESTABLE_ROLES, AccountInputError, account_error, can_grant
from consult.fields import row_id
from consult.places import queries as places
from consult.places.tree import Kind, covers
from consult.roles import ROLE_LABELS, Role
from consult.accounts.guards import requires, signed_in, viewer_of
from consult.accounts.sessions import rotate_session_id
from consult.accounts.tables import AuditEntry
from consult.messages import N_, NotFound, Refusal
from consult.web.forms import client_address, confirmed, field_errors, form_data, safe_next
from consult.web.i18n import LOCALE_COOKIE, LOCALES, gettext as _
from consult.web.templating import flash, redirect, render, url

STAFF = (Role.staff.value, Role.admin.value)


def _settings(request: Request):
    return request.app.state.settings


def _role_options(request: Request) -> list[tuple[str, str]]:
    """The roles this staff member may grant (no menu entry that is then refused)."""
    granted = viewer_of(request).granted
    return [(r.value, _(ROLE_LABELS[r])) for r in Role if can_grant(granted, r.value)]


async def _place_options(request: Request) -> list[tuple[int, str]]:
    """The places this staff member serves where a role can be granted (empty: the
    community of the person's grid, the usual case)."""
    tree = await places.tree()
    scopes = viewer_of(request).scopes_of(Role.staff)
    kinds = set().union(*GRANT_KINDS.values())
    return [(n.id, tree.label(n.id, Kind.district)) for n in tree.ordered()
            if n.kind in kinds and any(covers(s, n.path) for s in scopes)]


@get("/auth/register", name="accounts:register_form")
async def register_form(request: Request) -> Template:
    return render(request, "accounts/register.html", {"grids": await places.grid_choices(), "form": {}, "errors": {}})


@post("/auth/register", name="accounts:register")
async def register(request: Request) -> Any:
    form = await form_data(request)
    try:
        user_id = await services.register(
            form.get("username", ""), form.get("display_name", ""), form.get("password", ""),
            form.get("password2", ""), form.get("grid_id", ""),
        )
    except AccountInputError as exc:
        form.pop("password", None)
        form.pop("password2", None)
        return render(
            request,
            "accounts/register.html",
            {"grids": await places.grid_choices(), "form": form, "errors": field_errors(exc.errors)},
            status_code=400,
        )
    # Signed in at once, under a new session id (as a sign-in does); the CSRF cookie stays valid.
    await _start_session(request, user_id, 0)
    flash(request, _("Your account is created and you are signed in."))
    return redirect(url("accounts:welcome"))


@get("/auth/login", name="accounts:login_form")
async def login_form(request: Request, next: FromQuery[str] = "/") -> Template:
    return render(request, "accounts/login.html", {"next": safe_next(next), "error": None, "username": ""})


@post("/auth/login", name="accounts:login")
async def login(request: Request) -> Any:
    form = await form_data(request)
    settings = _settings(request)
    target = safe_next(form.get("next"))
    try:
        user_id = await services.authenticate(
            form.get("username", ""),
            form.get("password", ""),
            client_address(request, settings.trusted_proxies),
            request.app.state.login_limiter,
        )
    except Refusal as exc:
        return render(
            request,
            "accounts/login.html",
            {"next": target, "error": _(exc.message, **exc.params), "username": form.get("username", "")},
            status_code=exc.status_code,
        )
    viewer = await services.load_viewer(user_id)
    await _start_session(request, user_id, viewer.session_epoch if viewer else 0)
    if viewer and viewer.must_change_password:
        flash(request, _("Choose a new password now: the one you used was for one sign-in only."), "warn")
        return redirect(url("accounts:account"))
    # Imported here: the task view reads topics and votes, whose packages load this one.
    from consult.home.tasks import landing_after_sign_in

    return redirect(await landing_after_sign_in(viewer, target, url("home:tasks"), url("workorders:queue")))


async def _start_session(request: Request, user_id: int, epoch: int) -> None:
    """A new session under a new id (session fixation: the old one is deleted from the
    store), remembering the account's session epoch it is valid for."""
    old_id = request.cookies.get(_settings(request).session_cookie)
    if old_id:
        await request.app.stores.get("sessions").delete(old_id)
    rotate_session_id(request)
    now = int(time.time())
    request.set_session({"uid": user_id, "created": now, "seen": now, "epoch": epoch})


@post("/auth/logout", name="accounts:logout")
async def logout(request: Request) -> Redirect:
    viewer = viewer_of(request)
    if viewer.signed_in:
        await services.record_logout(viewer.id)
    request.clear_session()
    return redirect(url("web:home"))


async def _account_page(request: Request, errors: dict[str, str], status_code: int = 200) -> Template:
    viewer = viewer_of(request)
    registration = await services.registration_of(viewer.id)
    return render(
        request,
        "accounts/account.html",
        {
            "registration": registration,
            "grids": await places.grid_choices() if registration["declined_at"] else [],
            "requests": await services.pending_requests_of(viewer.id),
            "requestable": [(r.value, _(ROLE_LABELS[r])) for r in REQUESTABLE_ROLES if r.value not in viewer.granted],
            "role_labels": {r.value: _(ROLE_LABELS[r]) for r in Role},
            "errors": errors,
        },
        status_code=status_code,
    )


@get("/account", name="accounts:account", guards=[signed_in])
async def account(request: Request) -> Template:
    return await _account_page(request, {})


@post("/account/password", name="accounts:change_password", guards=[signed_in])
async def change_password(request: Request) -> Any:
    viewer = viewer_of(request)
    form = await form_data(request)
    try:
        epoch = await services.change_password(
            viewer.id, form.get("current", ""), form.get("new", ""), form.get("new2", ""))
    except AccountInputError as exc:
        return await _account_page(request, field_errors(exc.errors), status_code=400)
    # Every other session of the account ended with the epoch; this one goes on under a new id.
    await _start_session(request, viewer.id, epoch)
    flash(request, _("Your password is changed."))
    return redirect(url("accounts:account"))


@post("/account/role-requests", name="accounts:request_role", guards=[signed_in])
async def request_role(request: Request) -> Any:
    viewer = viewer_of(request)
    form = await form_data(request)
    try:
        await services.request_role(viewer.id, form.get("role", ""), form.get("note", ""))
    except AccountInputError as exc:
        flash(request, " ".join(field_errors(exc.errors).values()), "error")
        return redirect(url("accounts:account"))
    flash(request, _("Your request is sent. Staff will review it."))
    return redirect(url("accounts:account"))


@get("/staff/verification", name="accounts:queue", guards=[requires(*STAFF)])
async def verification_queue(request: Request) -> Template:
    return render(
        request,
        "accounts/queue.html",
        {**await grants.verification_queue(viewer_of(request)), "role_labels": {r.value: _(ROLE_LABELS[r]) for r in Role}},
    )


@get("/staff/users", name="accounts:users", guards=[requires(*STAFF)])
async def list_users(request: Request, q: FromQuery[str] = "", page: FromQuery[int] = 1) -> Template:
    page = max(1, min(page, 10_000))
    users = await grants.list_users(viewer_of(request), q.strip()[:50], limit=50, offset=(page - 1) * 50)
    return render(
        request,
        "accounts/users.html",
        {"users": users, "q": q, "page": page, "role_options": _role_options(request),
         "place_options": await _place_options(request),
         "role_labels": {r.value: _(ROLE_LABELS[r]) for r in Role}},
        block="user_list",
    )


def _back(request: Request, default: str) -> Redirect:
    return redirect(safe_next(request.query_params.get("next"), default))


@post("/staff/users/{user_id:int}/verify", name="accounts:verify", guards=[requires(*STAFF)])
async def verify_user(request: Request, user_id: FromPath[int]) -> Redirect:
    await grants.verify_residency(viewer_of(request), user_id)
    flash(request, _("Residency verified."))
    return _back(request, url("accounts:queue"))


@post("/staff/users/{user_id:int}/roles", name="accounts:grant", guards=[requires(*STAFF)])
async def grant_role(request: Request, user_id: FromPath[int]) -> Redirect:
    form = await form_data(request)
    place, _error = row_id(form.get("place")) if form.get("place") else (None, None)
    if form.get("place") and place is None:
        raise AccountInputError({"place": account_error("place")})
    granted = await grants.grant_role(viewer_of(request), user_id, form.get("role", ""), place)
    flash(request, _("Role granted.") if granted else _("The user already holds this role."))
    return redirect(safe_next(form.get("next"), url("accounts:queue")))


@get("/staff/users/{user_id:int}/roles/{role:str}/revoke", name="accounts:revoke_confirm", guards=[requires(*STAFF)])
async def confirm_revoke(request: Request, user_id: FromPath[int], role: FromPath[str],
                         next: FromQuery[str] = "") -> Template:
    """Revoking takes effect at once: this page says what it means and carries the "Yes" form."""
    target = await services.load_viewer(user_id)
    if role not in ROLE_LABELS:
        raise Refusal(N_("Unknown role."), status_code=400)
    if target is None:
        raise NotFound(N_("There is no such user."))
    back = safe_next(next, url("accounts:users"))
    explanation = [_("{name} ({username}) loses the role at once, and with it what the role allows.",
                     name=target.display_name, username=target.username)]
    if role == Role.resident:  # only this role carries the residency check
        explanation.append(_("Revoking the resident role also withdraws the residency check: staff must verify it again."))
    explanation.append(_("The change is recorded in the audit log; the role can be granted again later."))
    return render(request, "confirm.html", {
        "heading": _("Revoke the role {role} from {name}?", role=_(ROLE_LABELS[Role(role)]), name=target.display_name),
        "explanation": explanation,
        "warning": _("The role is removed as soon as you confirm."), "yes": _("Yes, revoke the role"),
        "action": url("accounts:revoke", user_id=user_id, role=role), "cancel": back, "next": back,
    })


@post("/staff/users/{user_id:int}/roles/{role:str}/revoke", name="accounts:revoke", guards=[requires(*STAFF)])
async def revoke_role(request: Request, user_id: FromPath[int], role: FromPath[str]) -> Redirect:
    form = await form_data(request)
    if not confirmed(form):  # one tap changes nothing: the confirmation page first
        return redirect(url("accounts:revoke_confirm", user_id=user_id, role=role) + "?next="
                        + quote(safe_next(form.get("next"), url("accounts:users"))))
    revoked = await grants.revoke_role(viewer_of(request), user_id, role)
    flash(request, _("Role revoked.") if revoked else _("The user did not hold this role."))
    return redirect(safe_next(form.get("next"), url("accounts:users")))


@post("/staff/role-requests/{request_id:int}/decline", name="accounts:decline", guards=[requires(*STAFF)])
async def decline_request(request: Request, request_id: FromPath[int]) -> Redirect:
    await grants.decline_request(viewer_of(request), request_id)
    flash(request, _("Request declined."))
    return redirect(url("accounts:queue"))


@get("/admin/audit", name="accounts:audit", guards=[requires(Role.admin.value)])
async def audit_log(request: Request, page: FromQuery[int] = 1) -> Template:
    page = max(1, min(page, 100_000))
    per_page = 100
    rows = await AuditEntry.raw(
        "SELECT e.id, e.at, e.action, e.target_type, e.target_id, e.detail, a.display_name AS actor "
        "FROM audit_entry e LEFT JOIN account a ON a.id = e.actor ORDER BY e.id DESC LIMIT {} OFFSET {}",
        per_page + 1,
        (page - 1) * per_page,
    )
    return render(
        request,
        "accounts/audit.html",
        {
            "entries": [
                {**r, "label": action_label(r["action"]), "lines": detail_lines(r["detail"])} for r in rows[:per_page]
            ],
            "page": page, "has_next": len(rows) > per_page,
        },
    )


@get("/lang/{code:str}", name="web:language")
async def switch_language(request: Request, code: FromPath[str], next: FromQuery[str] = "/") -> Redirect:
    response = redirect(safe_next(next))
    if code in LOCALES:
        response.set_cookie(LOCALE_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response


async def delete_expired_sessions() -> None:
    """Expired sessions and ended sign-in counting windows (database stores; Redis expires its own)."""
    from consult.accounts.limits import DatabaseCounters
    from consult.accounts.sessions import DatabaseStore

    await DatabaseStore().delete_expired()
    await DatabaseCounters.delete_expired()


periodic = [(3600, delete_expired_sessions)]

route_handlers = [
    register_form, register, login_form, login, logout, account, change_password, request_role,
    verification_queue, list_users, verify_user, grant_role, confirm_revoke, revoke_role, decline_request, audit_log,
    switch_language,
]
