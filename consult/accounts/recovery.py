"""A forgotten password, recovered in person: the resident goes to the community office
with an ID card; staff of the resident's place find the account and issue a one-time
password, shown once, which must be changed at the next sign-in. Each function is one
unit of work, audited (never with the password).

Who may issue one: staff (or an administrator) whose place covers the account's grid,
and only for an account all of whose roles they could have granted where those roles
reach (consult.accounts.domain.GRANTABLE_BY): staff cannot take over another staff
member's or an administrator's account this way, and nobody issues one for themself."""

from __future__ import annotations

import secrets

from consult import audit, db
import consult.accounts.passwords as passwords
from consult.accounts.domain import Viewer, can_grant
from consult.accounts.limits import LoginLimiter
from consult.accounts.services import load_viewer
from consult.accounts.tables import User
from consult.messages import N_, NotFound, Refusal
from consult.places import queries as places
from consult.places.tree import WHOLE_INSTALL, Kind
from consult.roles import Role

ONE_TIME_DIGITS = 10  # digits only: read aloud and typed on a phone's number pad; 10^10 against the sign-in limits

NOT_YOUR_PLACE = N_("Only staff of the resident's own community can issue a one-time password for this account.")
NOT_FOR_OWN = N_("You cannot issue a one-time password for your own account: change your password on your account page.")
NOT_THESE_ROLES = N_("This account holds a role you may not grant, so only an administrator can issue it a one-time password.")


def one_time_password() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(ONE_TIME_DIGITS))


async def recovery_target(actor: Viewer, user_id: int) -> dict:
    """The account, named for the confirmation page, after every check: the actor's place
    covers its grid (an account without a grid: administrators only), and the actor could
    grant each of its roles where it reaches."""
    row = await User.select(User.id, User.username, User.display_name, User.grid, User.active).where(
        User.id == user_id).first()
    if row is None or not row["active"]:
        raise NotFound(N_("No such user."))
    if actor.id == user_id:
        raise Refusal(NOT_FOR_OWN, status_code=403)
    tree = await places.tree()
    path = tree.path_of(row["grid"]) if row["grid"] is not None else WHOLE_INSTALL
    if not actor.has_at(path, Role.staff, Role.admin):
        raise Refusal(NOT_YOUR_PLACE, status_code=403)
    target = await load_viewer(user_id)
    for role, scope in target.grants if target else ():
        if not can_grant(actor.granted_at(scope), role):
            raise Refusal(NOT_THESE_ROLES, status_code=403)
    community = tree.of_kind_above(row["grid"], Kind.community)
    return {**row, "grid_name": tree.label(row["grid"]) if row["grid"] is not None else "",
            "community": community.name if community else ""}


async def issue_one_time_password(actor: Viewer, user_id: int, limiter: LoginLimiter) -> tuple[dict, str]:
    """Replace the password with a one-time one (returned, to be shown once), require a new
    one at sign-in, end every session of the account, and let it sign in at once (its
    failed attempts are forgotten: staff just checked who is asking)."""
    password = one_time_password()
    password_hash = await passwords.hash_async(password)
    async with db.transaction():
        target = await recovery_target(actor, user_id)
        await User.raw(
            "UPDATE account SET password_hash = {}, must_change_password = {}, session_epoch = session_epoch + 1 "
            "WHERE id = {}", password_hash, True, user_id,
        )
        await audit.record(actor.id, "account.one_time_password", "user", user_id)
    await limiter.forget_account(target["username"])
    return target, password
