"""The one read of a place's working calendar for the work-order clocks: its settings
(working day, weekends) and its holiday calendar, both inherited from the places above."""

from __future__ import annotations

from consult.places import queries as places
from consult.places.settings import PlaceSettings
from consult.workorders.calendar import WorkCalendar
from consult.workorders.clocks import calendar_of


async def clock_settings(place_id: int | None) -> tuple[PlaceSettings, WorkCalendar]:
    """(settings, working calendar) that hold at ``place_id``."""
    settings = await places.settings_of(place_id)
    return settings, calendar_of(settings, await places.calendar_days(place_id))
