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
    check_new_password,
    check_password,
    normalize_username,
    public_name,
    username_field,
    validate_registration,
    validate_role_request,
)
from consult.accounts.limits import LoginLimiter
from consult.accounts.tables import RoleRequest, User, UserRole
from consult.places import queries as places
from consult.places.tree import WHOLE_INSTALL, Kind
from consult.fields import FormErrors, row_id
from consult.messages import N_, NotFound, RateLimited, Refusal
from consult.roles import Role


def now() -> datetime:
    return datetime.now(timezone.utc)


# ---------------------------------------------------------------- reading


async def roles_of(user_id: int) -> frozenset[str]:
    rows = await UserRole.select(UserRole.role).where(UserRole.user == user_id)
    return frozenset(r["role"] for r in rows)


async def load_viewer(user_id: int) -> Viewer | None:
    """The account and its roles in one query (this runs on every signed-in request)."""
    rows = await User.raw(
        "SELECT a.id, a.username, a.display_name, a.grid, a.must_change_password, a.active, a.session_epoch, "
        'EXISTS (SELECT 1 FROM department_member d WHERE d."user" = a.id) AS in_department, '
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
        in_department=bool(row["in_department"]),
    )


# ---------------------------------------------------------------- registration and sign-in


async def register(username, display_name, password, password2, grid_id) -> int:
    grids = {g["id"] for g in await places.grid_choices()}
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
    username = normalize_username(typed)  # 王奶奶, ＷＡＮＧ, ＋86 138-1234-5678 as registered
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


async def registration_of(user_id: int) -> dict:
    """The account's grid and, if staff declined its registration, when and why."""
    row = await User.select(User.grid, User.declined_at, User.declined_reason).where(User.id == user_id).first()
    return row or {"grid": None, "declined_at": None, "declined_reason": ""}


async def ask_again(user_id: int, grid_id: str | None) -> None:
    """A declined newcomer asks staff to verify them again, in the grid they now choose
    (the usual reason for a decline is the wrong grid, or nobody found at home)."""
    grids = {g["id"] for g in await places.grid_choices()}
    async with db.transaction():
        row = await registration_of(user_id)
        if row["declined_at"] is None:
            raise Refusal(N_("Your registration is not declined: staff have it in their list."), status_code=409)
        grid, _error = row_id(grid_id) if grid_id else (row["grid"], None)
        if grid not in grids:
            raise AccountInputError({"grid_id": account_error("grid")})
        await User.update({User.declined_at: None, User.declined_reason: "", User.grid: grid}).where(
            User.id == user_id)
        await audit.record(user_id, "account.verification_asked_again", "user", user_id, grid=grid)


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
            display_name=public_name(username, display_name),
            password_hash=password_hash,
            grid=grid_id,
            residency_verified=Role.resident in roles,
            must_change_password=must_change_password,
        )
        await _insert_user(user)
        default = await _default_place(grid_id) if place_id is None else place_id
        for role in roles:
            place = None if role == Role.admin else (grid_id if role == Role.grid_worker and place_id is None else default)
            await UserRole.insert(UserRole(user=user.id, role=role, place=place, granted_by=actor_id))
        await audit.record(actor_id, "account.created", "user", user.id, username=username, roles=sorted(roles))
        for role in roles:
            await audit.record(actor_id, "role.granted", "user", user.id, role=role, place=None if role == Role.admin else (
                grid_id if role == Role.grid_worker and place_id is None else default))
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
