"""Changing a place's own holiday calendar (``consult.places.calendar_days``): add or
replace a day, remove one, import a CSV file. Staff of the place or above it (as for the
other settings); one transaction each, audited; a bad file imports nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from consult import audit, db
from consult.accounts.domain import Viewer
from consult.fields import a_date
from consult.places.calendar_days import Day, parse_calendar_csv, parse_day
from consult.places.setting_changes import check_reach, load_place
from consult.places.tables import CalendarDay, Place

C = CalendarDay


async def find_place(text: str) -> int | None:
    """A place by its id, or by its name when exactly one place has it (the command line)."""
    text = text.strip()
    if text.isascii() and text.isdigit():
        row = await Place.select(Place.id).where(Place.id == int(text)).first()
        return row["id"] if row else None
    rows = await Place.select(Place.id).where(Place.name == text)
    return rows[0]["id"] if len(rows) == 1 else None


async def _put(place_id: int, days: Iterable[Day]) -> int:
    """Insert or replace each day; returns how many rows changed."""
    changed = 0
    for d in days:
        row = await C.select(C.id, C.kind, C.name).where((C.place == place_id) & (C.day == d.day)).first()
        if row is None:
            await C.insert(C(place=place_id, day=d.day, kind=d.kind.value, name=d.name))
        elif (row["kind"], row["name"]) != (d.kind.value, d.name):
            await C.update({C.kind: d.kind.value, C.name: d.name}).where(C.id == row["id"])
        else:
            continue
        changed += 1
    return changed


async def _reach(viewer: Viewer | None, place_id: int) -> dict:
    place = await load_place(place_id)
    if viewer is not None:
        check_reach(viewer, place)
    return place


async def add_day(viewer: Viewer, place_id: int, form: Mapping[str, object]) -> bool:
    """Add a day to the place's calendar (or change the kind and name of a listed one)."""
    async with db.transaction():
        await _reach(viewer, place_id)
        day = parse_day(form)
        changed = await _put(place_id, [day])
        if changed:
            await audit.record(viewer.id, "place.calendar_day_set", "place", place_id, day=day.day.isoformat(),
                               kind=day.kind.value, name=day.name)
        return bool(changed)


async def remove_day(viewer: Viewer, place_id: int, raw_day: object) -> bool:
    async with db.transaction():
        await _reach(viewer, place_id)
        day, error = a_date(raw_day)
        if error is not None or day is None:
            return False
        where = (C.place == place_id) & (C.day == day)
        if not await C.exists().where(where):
            return False
        await C.delete().where(where)
        await audit.record(viewer.id, "place.calendar_day_removed", "place", place_id, day=day.isoformat())
        return True


async def import_days(viewer: Viewer | None, place_id: int, data: bytes) -> tuple[int, int]:
    """Every day of a CSV file (``date,kind,name``) into the place's calendar, or
    ``CalendarFileRefused`` and nothing imported. ``viewer`` None: the command line.
    Returns (days in the file, rows changed)."""
    days = parse_calendar_csv(data)
    async with db.transaction():
        await _reach(viewer, place_id)
        changed = await _put(place_id, days)
        await audit.record(viewer.id if viewer else None, "place.calendar_imported", "place", place_id,
                           days=len(days), changed=changed)
    return len(days), changed
