"""Who holds which role where: granting, revoking, verifying residency, declining a
request, and the lists staff work from. Each function is one unit of work, audited.

A role is granted at a place and reaches everything below it (consult.places.tree);
staff grant the everyday roles in the places they serve, only an administrator grants
staff or admin, and nobody changes their own roles."""

from __future__ import annotations

from consult import audit, db
from consult.accounts.domain import (
    GRANT_KINDS, AccountInputError, Viewer, account_error, can_grant, normalize_username, validate_decline_reason,
)
from consult.accounts.services import now
from consult.accounts.tables import RoleRequest, User, UserRole
from consult.messages import N_, NotFound, Refusal
from consult.notifications.domain import Kind as NoticeKind
from consult.notifications.services import notify
from consult.places import queries as places
from consult.places.tree import WHOLE_INSTALL, Kind
from consult.roles import Role


VERIFIED_NOTICE = N_("Staff verified that you live here: you can now propose topics, comment and rate.")
DECLINED_NOTICE = N_("Staff declined your registration: {reason}")
ACCOUNT_PAGE = "/account"

OWN_ROLES = N_("Nobody grants, revokes or decides on their own roles: ask another staff member or an administrator.")


def _not_own(actor: Viewer, user_id: int) -> None:
    """Separation of duties: a role change (or a decision on a role request) is always
    someone else's act, so a staff member cannot put themself on a roll, vote and leave."""
    if actor.id == user_id:
        raise Refusal(OWN_ROLES, status_code=403)


async def _grant_place(user_id: int, role: str, place_id: int | None) -> tuple[int | None, str]:
    """Where a grant of ``role`` to the user goes (place id, path): the place asked for, if
    the role is granted at that kind of place; otherwise the community of the user's grid.
    An administrator's grant is the whole install's."""
    if role == Role.admin:
        return None, WHOLE_INSTALL
    tree = await places.tree()
    if place_id is None:
        grid = await User.select(User.grid).where(User.id == user_id).first()
        grid_id = grid["grid"] if grid else None
        # a grid worker serves the person's own grid; every other role their community
        node = tree.get(grid_id) if role == Role.grid_worker and grid_id else tree.of_kind_above(grid_id, Kind.community)
    else:
        node = tree.get(place_id)
    if node is None or node.kind not in GRANT_KINDS[Role(role)]:
        raise AccountInputError({"place": account_error("place")})
    return node.id, node.path


def _may_grant_at(actor: Viewer, role: str, path: str) -> None:
    """Staff grant the everyday roles in the places they serve; only an administrator
    grants staff or admin (consult.accounts.domain.GRANTABLE_BY)."""
    if not can_grant(actor.granted_at(path), role):
        raise Refusal(N_("You may not grant or revoke this role."), status_code=403)


async def _grant(actor: Viewer, user_id: int, role: str, place_id: int | None = None) -> bool:
    if role not in {r.value for r in Role}:
        raise Refusal(N_("Unknown role."), status_code=400)
    _not_own(actor, user_id)
    if not can_grant(actor.granted, role):
        raise Refusal(N_("You may not grant or revoke this role."), status_code=403)
    if not await User.exists().where(User.id == user_id):
        raise NotFound(N_("No such user."))
    place, path = await _grant_place(user_id, role, place_id)
    _may_grant_at(actor, role, path)
    held = await UserRole.select(UserRole.id, UserRole.place).where(
        (UserRole.user == user_id) & (UserRole.role == role)).first()
    if held is not None and held["place"] == place:
        return False
    if held is not None:
        # One place per role and person: granting it elsewhere moves it.
        old = (await places.tree()).path_of(held["place"]) if held["place"] is not None else WHOLE_INSTALL
        _may_grant_at(actor, role, old or WHOLE_INSTALL)
        await UserRole.update({UserRole.place: place, UserRole.granted_by: actor.id}).where(UserRole.id == held["id"])
    else:
        await UserRole.insert(UserRole(user=user_id, role=role, place=place, granted_by=actor.id))
    if role == Role.resident:
        await User.update({User.residency_verified: True, User.declined_at: None, User.declined_reason: ""}).where(
            User.id == user_id)
        await notify([user_id], NoticeKind.account.value, VERIFIED_NOTICE, {}, ACCOUNT_PAGE, actor.id)
    await RoleRequest.update(
        {RoleRequest.status: "granted", RoleRequest.decided_by: actor.id, RoleRequest.decided_at: now()}
    ).where((RoleRequest.user == user_id) & (RoleRequest.role == role) & (RoleRequest.status == "pending"))
    await audit.record(actor.id, "role.granted", "user", user_id, role=role, place=place)
    return True


async def grant_role(actor: Viewer, user_id: int, role: str, place_id: int | None = None) -> bool:
    async with db.transaction():
        return await _grant(actor, user_id, role, place_id)


async def verify_residency(actor: Viewer, user_id: int) -> bool:
    """Staff confirmed the person lives in the community: grant `resident` there."""
    async with db.transaction():
        granted = await _grant(actor, user_id, Role.resident)
        await audit.record(actor.id, "account.residency_verified", "user", user_id)
        return granted


async def revoke_role(actor: Viewer, user_id: int, role: str) -> bool:
    async with db.transaction():
        if role not in {r.value for r in Role}:
            raise Refusal(N_("Unknown role."), status_code=400)  # as granting does
        _not_own(actor, user_id)
        if not can_grant(actor.granted, role):
            raise Refusal(N_("You may not grant or revoke this role."), status_code=403)
        held = await UserRole.select(UserRole.place).where((UserRole.user == user_id) & (UserRole.role == role)).first()
        if held is None:
            return False
        path = (await places.tree()).path_of(held["place"]) if held["place"] is not None else WHOLE_INSTALL
        _may_grant_at(actor, role, path or WHOLE_INSTALL)
        await UserRole.delete().where((UserRole.user == user_id) & (UserRole.role == role))
        if role == Role.resident:
            await User.update({User.residency_verified: False}).where(User.id == user_id)
        await audit.record(actor.id, "role.revoked", "user", user_id, role=role, place=held["place"])
        return True


async def decline_request(actor: Viewer, request_id: int) -> None:
    async with db.transaction():
        req = await RoleRequest.select().where(RoleRequest.id == request_id).first()
        if req is None or req["status"] != "pending":
            raise NotFound(N_("This request is not waiting for an answer."))
        if not can_grant(actor.granted, req["role"]):
            raise Refusal(N_("You may not grant or revoke this role."), status_code=403)
        _not_own(actor, req["user"])
        try:
            _place, path = await _grant_place(req["user"], req["role"], None)
        except AccountInputError:
            path = WHOLE_INSTALL  # no grid to place it by: an administrator's decision
        _may_grant_at(actor, req["role"], path)
        await RoleRequest.update(
            {RoleRequest.status: "declined", RoleRequest.decided_by: actor.id, RoleRequest.decided_at: now()}
        ).where(RoleRequest.id == request_id)
        await audit.record(actor.id, "role.request_declined", "user", req["user"], role=req["role"])


async def decline_registration(actor: Viewer, user_id: int, reason: str) -> None:
    """Staff of the newcomer's community could not confirm they live there: the account
    stays (it may read, not write), leaves the queue, and its owner is told why; they
    may ask again from their account page (consult.accounts.services.ask_again)."""
    reason = validate_decline_reason(reason)
    async with db.transaction():
        row = await registration_target(actor, user_id)
        if row["declined_at"] is not None:
            raise Refusal(N_("This registration is already declined."), status_code=409)
        await User.update({User.declined_at: now(), User.declined_reason: reason}).where(User.id == user_id)
        await audit.record(actor.id, "account.registration_declined", "user", user_id, reason=reason)
        await notify([user_id], NoticeKind.account.value, DECLINED_NOTICE, {"reason": reason}, ACCOUNT_PAGE, actor.id)


async def registration_target(actor: Viewer, user_id: int) -> dict:
    """An account waiting for verification that the actor may decide on: not their own,
    no role yet, and its community among the places where the actor grants `resident`."""
    row = await User.select(User.id, User.username, User.display_name, User.grid, User.declined_at).where(
        (User.id == user_id) & (User.active == True)).first()  # noqa: E712 (a Piccolo condition)
    if row is None:
        raise NotFound(N_("No such user."))
    _not_own(actor, user_id)
    if not can_grant(actor.granted, Role.resident):
        raise Refusal(N_("You may not grant or revoke this role."), status_code=403)
    if await UserRole.exists().where(UserRole.user == user_id):
        raise Refusal(N_("This account is already verified."), status_code=409)
    try:
        _place, path = await _grant_place(user_id, Role.resident, None)
    except AccountInputError:
        path = WHOLE_INSTALL  # no grid to place it by: an administrator's decision
    _may_grant_at(actor, Role.resident, path)
    tree = await places.tree()
    return {**row, "grid_name": tree.label(row["grid"]) if row["grid"] is not None else ""}


def _served_by(actor: Viewer) -> tuple[str, tuple]:
    """Accounts whose grid lies where the actor is staff (or anywhere, for an administrator)."""
    return places.within_sql("a.grid", actor.scopes_of(Role.staff))


async def verification_queue(actor: Viewer) -> dict:
    """Who waits for staff, limited to the places the actor serves."""
    where, values = _served_by(actor)
    unverified = await User.raw(
        "SELECT a.id, a.username, a.display_name, a.created_at, a.declined_at, a.declined_reason, "
        "COALESCE(gc.name || ' · ', '') || g.name AS grid_name "
        "FROM account a LEFT JOIN place g ON g.id = a.grid LEFT JOIN place gc ON gc.id = g.parent "
        f"WHERE a.active AND {where} AND NOT EXISTS (SELECT 1 FROM user_role r WHERE r.\"user\" = a.id) "
        # a department's people were attached by an administrator: not waiting for verification
        "AND NOT EXISTS (SELECT 1 FROM department_member d WHERE d.\"user\" = a.id) "
        "ORDER BY a.declined_at IS NOT NULL, a.created_at", *values,
    )
    requests = await RoleRequest.raw(
        "SELECT q.id, q.role, q.note, q.created_at, a.id AS user_id, a.username, a.display_name, "
        "COALESCE(gc.name || ' · ', '') || g.name AS grid_name FROM role_request q JOIN account a ON a.id = q.\"user\" "
        f"LEFT JOIN place g ON g.id = a.grid LEFT JOIN place gc ON gc.id = g.parent WHERE q.status = 'pending' AND {where} ORDER BY q.created_at",
        *values,
    )
    return {"unverified": unverified, "requests": requests}


async def list_users(actor: Viewer, query: str = "", limit: int = 50, offset: int = 0) -> list[dict]:
    where, values = _served_by(actor)
    sql = ("SELECT a.id, a.username, a.display_name, a.created_at, COALESCE(gc.name || ' · ', '') || g.name AS grid_name "
           f"FROM account a LEFT JOIN place g ON g.id = a.grid LEFT JOIN place gc ON gc.id = g.parent WHERE {where}")
    args = list(values)
    if query:
        sql += " AND (a.username LIKE {} OR a.display_name LIKE {})"
        args += [f"%{normalize_username(query)}%", f"%{query}%"]  # a number as typed: 138 1234 5678
    users = await User.raw(sql + " ORDER BY a.id LIMIT {} OFFSET {}", *args, limit, offset)
    if users:
        ids = [u["id"] for u in users]
        roles = await UserRole.select(UserRole.user, UserRole.role).where(UserRole.user.is_in(ids))
        by_user: dict[int, list[str]] = {}
        for r in roles:
            by_user.setdefault(r["user"], []).append(r["role"])
        for u in users:
            u["roles"] = sorted(by_user.get(u["id"], []))
    return users
