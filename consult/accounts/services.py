"""Account services: each function is one unit of work, audited."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

from consult import audit, db
import consult.accounts.passwords as passwords
from consult.accounts.domain import (
    AccountInputError,
    Viewer,
    account_error,
    can_grant,
    check_new_password,
    check_password,
    username_field,
    validate_registration,
    validate_role_request,
    GRANT_KINDS,
)
from consult.accounts.limits import LoginLimiter
from consult.accounts.tables import RoleRequest, User, UserRole
from consult.places import queries as places
from consult.places.tree import WHOLE_INSTALL, Kind
from consult.fields import FormErrors
from consult.messages import N_, NotFound, RateLimited, Refusal
from consult.roles import Role


def now() -> datetime:
    return datetime.now(timezone.utc)


# ---------------------------------------------------------------- reading


async def grid_choices() -> list[dict]:
    return await places.grid_choices()


async def roles_of(user_id: int) -> frozenset[str]:
    rows = await UserRole.select(UserRole.role).where(UserRole.user == user_id)
    return frozenset(r["role"] for r in rows)


async def load_viewer(user_id: int) -> Viewer | None:
    """The account and its roles in one query (this runs on every signed-in request)."""
    rows = await User.raw(
        "SELECT a.id, a.username, a.display_name, a.grid, a.must_change_password, a.active, a.session_epoch, "
        'r.role, r.place, p.path FROM account a LEFT JOIN user_role r ON r."user" = a.id '
        "LEFT JOIN place p ON p.id = r.place WHERE a.id = {}",
        user_id,
    )
    if not rows or not rows[0]["active"]:
        return None
    row = rows[0]
    return Viewer(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        grid_id=row["grid"],
        granted=frozenset(r["role"] for r in rows if r["role"] is not None),
        grants=tuple(sorted((r["role"], r["path"] if r["place"] is not None else WHOLE_INSTALL)
                            for r in rows if r["role"] is not None)),
        must_change_password=bool(row["must_change_password"]),
        session_epoch=int(row["session_epoch"] or 0),
    )


# ---------------------------------------------------------------- registration and sign-in


async def register(username, display_name, password, password2, grid_id) -> int:
    grids = {g["id"] for g in await grid_choices()}
    reg = validate_registration(username, display_name, password, password2, grid_id, grids)
    password_hash = await passwords.hash_async(reg.password)
    async with db.transaction():
        user = User(
            username=reg.username,
            display_name=reg.display_name,
            password_hash=password_hash,
            grid=reg.grid_id,
        )
        await _insert_user(user)
        await audit.record(user.id, "account.register", "user", user.id, username=reg.username)
    return user.id


async def _insert_user(user: User) -> None:
    """Insert a new account; a taken user name (checked, or caught from the unique index
    under a race) is an input error on the user name."""
    taken = AccountInputError({"username": account_error("username_taken")})
    await db.insert_once(user, User.exists().where(User.username == user.username), taken)


LOGIN_FAILED = N_("Wrong user name or password.")
TYPED_NAME_KEPT = 64  # characters of a mistyped user name kept in the audit log


async def _failed_sign_in(row: dict | None, typed: str, address: str, action: str) -> None:
    """Audit a refused sign-in: the name as typed (cut short) and the address, never the
    password. The actor is nobody: whoever typed it is not known to be the account."""
    async with db.transaction():
        await audit.record(None, action, "user", row["id"] if row else "",
                           username=typed[:TYPED_NAME_KEPT], address=address)


async def authenticate(username: str, password: str, address: str, limiter: LoginLimiter) -> int:
    """Return the user id, or raise Refusal with one message whatever went wrong.

    The attempt is counted before the password is looked at; past the limit it is refused
    without evaluating it. A refusal for the limit is audited once per window (the first
    refused attempt), not once per request: a flood must not fill the append-only log."""
    typed = username or ""
    username = typed.strip().lower()
    attempt = await limiter.attempt(username, address)
    row = (
        await User.select(User.id, User.password_hash, User.active).where(User.username == username).first()
        if username
        else None
    )
    if not attempt.allowed:
        if attempt.first_refused:
            await _failed_sign_in(row, typed, address, "account.login_throttled")
        raise RateLimited(
            N_("Too many failed sign-in attempts. Wait {minutes} minutes and try again."),
            minutes=limiter.window_seconds // 60,
        )
    ok = await passwords.verify(row["password_hash"] if row else None, password or "")
    if not ok or not row["active"]:
        await _failed_sign_in(row, typed, address, "account.login_failed")
        raise Refusal(LOGIN_FAILED, status_code=400)
    values = {User.last_login_at: now()}
    if passwords.needs_rehash(row["password_hash"]):
        values[User.password_hash] = await passwords.hash_async(password)
    async with db.transaction():
        await User.update(values).where(User.id == row["id"])
        await audit.record(row["id"], "account.login", "user", row["id"])
    await limiter.succeed(username, address)
    return row["id"]


async def record_logout(user_id: int) -> None:
    async with db.transaction():
        await audit.record(user_id, "account.logout", "user", user_id)


async def change_password(user_id: int, current: str, new: str, new2: str) -> int:
    """Change the password and end every session signed in under the old one: returns the
    new session epoch, which the caller writes into the (rotated) current session."""
    row = await User.select(User.username, User.password_hash).where(User.id == user_id).first()
    if row is None:
        raise NotFound(N_("No such user."))
    errors = FormErrors()
    if not await passwords.verify(row["password_hash"], current or ""):
        errors.add("current", account_error("wrong_password"))
    check_new_password(new, new2, errors, "new", "new2", username=row["username"], current=current)
    errors.raise_if_any(AccountInputError)
    password_hash = await passwords.hash_async(new)
    async with db.transaction():
        epoch = await User.raw(
            "UPDATE account SET password_hash = {}, must_change_password = {}, session_epoch = session_epoch + 1 "
            "WHERE id = {} RETURNING session_epoch", password_hash, False, user_id,
        )
        await audit.record(user_id, "account.password_changed", "user", user_id)
    return int(epoch[0]["session_epoch"])


# ---------------------------------------------------------------- roles and verification


async def request_role(user_id: int, role: str, note: str) -> int:
    role, note = validate_role_request(role, note)
    async with db.transaction():
        if role in await roles_of(user_id):
            raise Refusal(N_("You already hold this role."))
        pending = await RoleRequest.exists().where(
            (RoleRequest.user == user_id) & (RoleRequest.role == role) & (RoleRequest.status == "pending")
        )
        if pending:
            raise Refusal(N_("You have already asked for this role; staff will answer it."))
        req = RoleRequest(user=user_id, role=role, note=note)
        await req.save()
        await audit.record(user_id, "role.requested", "user", user_id, role=role, note=note)
    return req.id


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
        node = tree.of_kind_above(grid["grid"] if grid else None, Kind.community)
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
        await User.update({User.residency_verified: True}).where(User.id == user_id)
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


def _served_by(actor: Viewer) -> tuple[str, tuple]:
    """Accounts whose grid lies where the actor is staff (or anywhere, for an administrator)."""
    return places.within_sql("a.grid", actor.scopes_of(Role.staff))


async def verification_queue(actor: Viewer) -> dict:
    """Who waits for staff, limited to the places the actor serves."""
    where, values = _served_by(actor)
    unverified = await User.raw(
        "SELECT a.id, a.username, a.display_name, a.created_at, g.name AS grid_name "
        "FROM account a LEFT JOIN place g ON g.id = a.grid "
        f"WHERE a.active AND {where} AND NOT EXISTS (SELECT 1 FROM user_role r WHERE r.\"user\" = a.id) "
        "ORDER BY a.created_at", *values,
    )
    requests = await RoleRequest.raw(
        "SELECT q.id, q.role, q.note, q.created_at, a.id AS user_id, a.username, a.display_name, "
        "g.name AS grid_name FROM role_request q JOIN account a ON a.id = q.\"user\" "
        f"LEFT JOIN place g ON g.id = a.grid WHERE q.status = 'pending' AND {where} ORDER BY q.created_at",
        *values,
    )
    return {"unverified": unverified, "requests": requests}


async def list_users(actor: Viewer, query: str = "", limit: int = 50, offset: int = 0) -> list[dict]:
    where, values = _served_by(actor)
    sql = ("SELECT a.id, a.username, a.display_name, a.created_at, g.name AS grid_name "
           f"FROM account a LEFT JOIN place g ON g.id = a.grid WHERE {where}")
    args = list(values)
    if query:
        sql += " AND (a.username LIKE {} OR a.display_name LIKE {})"
        args += [f"%{query.lower()}%", f"%{query}%"]
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


async def pending_requests_of(user_id: int) -> list[dict]:
    return await RoleRequest.select().where((RoleRequest.user == user_id)).order_by(
        RoleRequest.created_at, ascending=False
    )


# ---------------------------------------------------------------- bootstrapping


async def create_user(
    username: str, password: str, roles: list[str], display_name: str | None = None, grid_id: int | None = None,
    must_change_password: bool = False, actor_id: int | None = None, place_id: int | None = None,
) -> int:
    """An account with ``roles`` granted at ``place_id`` (by default: an administrator's
    everywhere, any other role at the community of ``grid_id``, else at the single root)."""
    username, error = username_field(username)
    if error is not None:
        raise AccountInputError({"username": error})
    errors = FormErrors()
    check_password(password, errors, username=username)
    errors.raise_if_any(AccountInputError)
    password_hash = await passwords.hash_async(password)
    for role in roles:
        if role not in {r.value for r in Role}:
            raise Refusal(N_("Unknown role: {role}."), status_code=400, role=role)
    async with db.transaction():
        user = User(
            username=username,
            display_name=display_name or username,
            password_hash=password_hash,
            grid=grid_id,
            residency_verified=Role.resident in roles,
            must_change_password=must_change_password,
        )
        await _insert_user(user)
        default = await _default_place(grid_id) if place_id is None else place_id
        for role in roles:
            place = None if role == Role.admin else default
            await UserRole.insert(UserRole(user=user.id, role=role, place=place, granted_by=actor_id))
        await audit.record(actor_id, "account.created", "user", user.id, username=username, roles=sorted(roles))
        for role in roles:
            await audit.record(actor_id, "role.granted", "user", user.id, role=role,
                               place=None if role == Role.admin else default)
    return user.id


async def _default_place(grid_id: int | None) -> int | None:
    tree = await places.tree()
    community = tree.of_kind_above(grid_id, Kind.community)
    if community is not None:
        return community.id
    roots = tree.roots()
    return roots[0].id if len(roots) == 1 else None


async def ensure_first_admin(admin_password: str | None) -> str | None:
    """With no admin yet, create `admin` and return the sign-in line to print."""
    if await UserRole.exists().where(UserRole.role == Role.admin):
        return None
    username = "admin"
    n = 1
    while await User.exists().where(User.username == username):
        n += 1
        username = f"admin{n}"
    one_time = admin_password is None
    password = admin_password or secrets.token_urlsafe(12)
    await create_user(username, password, [Role.admin.value], display_name="Administrator",
                      must_change_password=one_time)
    if one_time:
        return (
            f"First administrator created. Sign in at /auth/login as '{username}' with the one-time "
            f"password: {password}  (you will be asked to choose a new one)"
        )
    return f"First administrator created. Sign in at /auth/login as '{username}' with CONSULT_ADMIN_PASSWORD."
