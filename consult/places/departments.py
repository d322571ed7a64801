"""Departments (职能部门): the list, and its changes (create, rename, attach to another
place, deactivate, reactivate). Each change is one transaction, audited."""

from __future__ import annotations

from consult import audit, db
from consult.messages import N_, NotFound
from consult.places.domain import PlaceInputError, place_error
from consult.places.forms import admin_error, validate_department_name
from consult.places.tables import Department, Place

NO_DEPARTMENT = N_("There is no such department.")


async def departments() -> list[dict]:
    """Every department, active first, each with the place it is attached to."""
    return await Department.select(
        Department.id, Department.name, Department.place, Department.active, Department.position,
    ).order_by(Department.active, ascending=False).order_by(Department.position).order_by(Department.id)


async def _place_name(place_id) -> str:
    row = await Place.select(Place.name, Place.kind).where(Place.id == place_id).first() if place_id else None
    if row is None or row["kind"] == "building":  # a department serves a grid at the smallest
        raise PlaceInputError({"place": place_error("parent")})
    return row["name"]


async def _check_free(name: str, place_id: int, place_name: str, department_id: int | None = None) -> None:
    where = (Department.place == place_id) & (Department.name == name)
    if department_id is not None:
        where &= Department.id != department_id
    if await Department.exists().where(where):
        raise PlaceInputError({"name": admin_error("department_taken", place=place_name, name=name)})


async def create_department(actor_id: int | None, name, place_id: int | None) -> int:
    async with db.transaction():
        clean = validate_department_name(name)
        place_name = await _place_name(place_id)
        await _check_free(clean, place_id, place_name)
        position = await Department.count()
        rows = await Department.insert(Department(name=clean, place=place_id, position=position)).returning(
            Department.id)
        await audit.record(actor_id, "department.created", "department", rows[0]["id"], name=clean, place=place_id)
        return rows[0]["id"]


async def _row(department_id: int) -> dict:
    row = await Department.select().where(Department.id == department_id).first()
    if row is None:
        raise NotFound(NO_DEPARTMENT)
    return row


async def update_department(actor_id: int | None, department_id: int, name, place_id: int | None) -> None:
    """Rename the department and attach it to ``place_id``."""
    async with db.transaction():
        row = await _row(department_id)
        clean = validate_department_name(name)
        place_name = await _place_name(place_id)
        await _check_free(clean, place_id, place_name, department_id)
        if (clean, place_id) == (row["name"], row["place"]):
            return
        await Department.update({Department.name: clean, Department.place: place_id}).where(
            Department.id == department_id)
        await audit.record(actor_id, "department.updated", "department", department_id, name=clean,
                           old_name=row["name"], place=place_id, old_place=row["place"])


async def set_department_active(actor_id: int | None, department_id: int, active: bool) -> bool:
    async with db.transaction():
        row = await _row(department_id)
        if bool(row["active"]) == active:
            return False
        await Department.update({Department.active: active}).where(Department.id == department_id)
        await audit.record(actor_id, "department.reactivated" if active else "department.deactivated",
                           "department", department_id, name=row["name"])
        return True
