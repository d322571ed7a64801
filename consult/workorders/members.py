"""Who works in which department (the ``department`` role, scoped to a department): an
administrator attaches a person to a department or detaches them. One transaction each,
audited."""

from __future__ import annotations

from consult import audit, db
from consult.accounts.domain import Viewer, normalize_username
from consult.accounts.tables import User
from consult.fields import field_error
from consult.messages import N_, NotFound, Refusal
from consult.places.tables import Department
from consult.roles import Role
from consult.workorders.forms import OrderInputError
from consult.workorders.tables import DepartmentMember

ONLY_ADMIN = N_("Only an administrator attaches people to departments.")
MEMBER_MESSAGES = {"username": N_("There is no account with this user name.")}


def _admin_only(actor: Viewer) -> None:
    if not actor.has(Role.admin):
        raise Refusal(ONLY_ADMIN, status_code=403)


async def _department(department_id: int) -> dict:
    row = await Department.select().where(Department.id == department_id).first()
    if row is None:
        raise NotFound(N_("There is no such department."))
    return row


async def add_member(actor: Viewer, department_id: int, username: object) -> bool:
    """Attach the account named ``username``; False when it already works there."""
    _admin_only(actor)
    async with db.transaction():
        await _department(department_id)
        user = await User.select(User.id).where(User.username == normalize_username(str(username or ""))).first()
        if user is None:
            raise OrderInputError({"username": field_error("username", MEMBER_MESSAGES)})
        if await DepartmentMember.exists().where(
                (DepartmentMember.user == user["id"]) & (DepartmentMember.department == department_id)):
            return False
        await DepartmentMember.insert(DepartmentMember(user=user["id"], department=department_id, granted_by=actor.id))
        await audit.record(actor.id, "department.member_added", "department", department_id, user=user["id"])
        return True


async def remove_member(actor: Viewer, department_id: int, user_id: int) -> bool:
    _admin_only(actor)
    async with db.transaction():
        await _department(department_id)
        where = (DepartmentMember.user == user_id) & (DepartmentMember.department == department_id)
        if not await DepartmentMember.exists().where(where):
            return False
        await DepartmentMember.delete().where(where)
        await audit.record(actor.id, "department.member_removed", "department", department_id, user=user_id)
        return True


async def members(department_id: int) -> list[dict]:
    """The people of a department (for the administrator's page), by name."""
    return await DepartmentMember.select(
        DepartmentMember.user.as_alias("id"), DepartmentMember.user.username.as_alias("username"),
        DepartmentMember.user.display_name.as_alias("display_name"),
    ).where(DepartmentMember.department == department_id).order_by(DepartmentMember.user.username)
