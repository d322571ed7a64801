"""The holiday calendar on a place's settings page: add a day, remove one, upload a CSV
file (``date,kind,name``). Staff of the place or above it; a bad form or file re-renders
the settings page (400) with the problems, and nothing changes."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath

from consult.accounts.guards import requires, viewer_of
from consult.messages import N_
from consult.places.calendar_changes import add_day, import_days, remove_day
from consult.places.calendar_days import CSV_MESSAGES, CalendarFileRefused, CalendarInputError
from consult.places.settings_pages import settings_context
from consult.roles import Role
from consult.web.forms import field_errors, form_data
from consult.web.i18n import gettext as _
from consult.web.templating import flash, redirect, render, url

STAFF = Role.staff.value
MAX_UPLOAD = 256 * 1024
NO_FILE = N_("Choose a CSV file to import, or paste its rows.")


def _back(place_id: int) -> Any:
    return redirect(url("places:settings", place_id=place_id) + "#calendar")


@post("/staff/places/{place_id:int}/calendar", name="places:calendar_add", guards=[requires(STAFF)])
async def add_calendar_day(request: Request, place_id: FromPath[int]) -> Any:
    form = await form_data(request)
    try:
        changed = await add_day(viewer_of(request), place_id, form)
    except CalendarInputError as exc:
        ctx = await settings_context(request, place_id, day_form=form, day_errors=field_errors(exc.errors))
        return render(request, "places/settings.html", ctx, status_code=400)
    flash(request, _("The day is in the calendar.") if changed else _("Nothing changed."))
    return _back(place_id)


@post("/staff/places/{place_id:int}/calendar/remove", name="places:calendar_remove", guards=[requires(STAFF)])
async def remove_calendar_day(request: Request, place_id: FromPath[int]) -> Any:
    form = await form_data(request)
    removed = await remove_day(viewer_of(request), place_id, form.get("day"))
    flash(request, _("The day is removed from the calendar.") if removed else _("Nothing changed."))
    return _back(place_id)


@post("/staff/places/{place_id:int}/calendar/upload", name="places:calendar_upload", guards=[requires(STAFF)],
      request_max_body_size=MAX_UPLOAD + 65536)
async def upload_calendar(request: Request, place_id: FromPath[int]) -> Any:
    form = await request.form()
    upload, pasted = form.get("file"), form.get("csv_text")
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    if not data.strip() and isinstance(pasted, str):
        data = pasted.encode("utf-8", "replace")
    try:
        if not data.strip():
            raise CalendarFileRefused([])
        count, changed = await import_days(viewer_of(request), place_id, data)
    except CalendarFileRefused as exc:
        problems = [_(CSV_MESSAGES[c], **p) for c, p in exc.problems] or [_(NO_FILE)]
        ctx = await settings_context(request, place_id, file_problems=problems)
        return render(request, "places/settings.html", ctx, status_code=400)
    flash(request, _("Imported {count} days ({changed} changed).", count=count, changed=changed))
    return _back(place_id)


route_handlers = [add_calendar_day, remove_calendar_day, upload_calendar]
