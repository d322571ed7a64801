"""Meeting pages: the public meeting page (agenda, time, place; once held, the minutes, the
head count and the decisions; never who was present), the list of meetings, scheduling and
editing (committee of the place), cancelling after a confirmation, and recording the
meeting with a decision per agenda topic (staff or committee of the place)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from consult.accounts.guards import requires, viewer_of
from consult.fields import InputError
from consult.meetings import commands, queries
from consult.meetings.forms import HANDS_FIELDS, LOCAL
from consult.meetings.labels import HANDS, KIND_LABELS, STATE_LABELS
from consult.meetings.lifecycle import SCHEDULE_ROLES, MeetingKind, Step, allowed_steps, decisions_in
from consult.places import queries as places
from consult.places.tree import WHOLE_INSTALL, Kind
from consult.roles import Role, effective_roles
from consult.topics.clock import local_today, utcnow
from consult.topics.labels import ACTION_BUTTONS, ACTION_LABELS, CHOICE_LABELS, STATE_LABELS as TOPIC_STATES
from consult.topics.lifecycle import ACTION_INPUTS, Action
from consult.web.forms import confirmed, field_errors, form_data
from consult.photos import commands as photos_commands
from consult.photos.commands import MAX_REQUEST_BYTES
from consult.photos.owners import OwnerType, PhotoKind
from consult.photos.queries import photos_of
from consult.photos.routes import read_uploads
from consult.web.i18n import gettext as _
from consult.web.templating import flash, redirect, render, url

COMMITTEE = Role.committee.value
RECORDERS = (Role.staff.value, Role.committee.value)


def _labels() -> dict:
    return {
        "kinds": {k: _(v) for k, v in KIND_LABELS.items()},
        "states": {k: _(v) for k, v in STATE_LABELS.items()},
        "topic_states": {k: _(v) for k, v in TOPIC_STATES.items()},
        "actions": {k: _(v) for k, v in ACTION_LABELS.items()},
        "buttons": {k: _(v) for k, v in ACTION_BUTTONS.items()},
        "choices": {name: {k: _(v) for k, v in options.items()} for name, options in CHOICE_LABELS.items()},
    }


def hands_text(row: dict) -> str:
    if row.get("hands_for") is None:
        return ""
    return _(HANDS, yes=row["hands_for"], no=row["hands_against"], abstain=row["hands_abstain"])


async def _multi(request: Request, name: str) -> list[str]:
    raw = await request.form()
    return [v for v in raw.getall(name) if isinstance(v, str)] if name in raw else []


def _kinds() -> list[tuple[str, str]]:
    return [(k.value, _(KIND_LABELS[k.value])) for k in MeetingKind]


async def _detail_context(request: Request, meeting_id: int, **extra: Any) -> dict:
    meeting = await queries.load(meeting_id)
    viewer = viewer_of(request)
    now = utcnow()
    roles = viewer.granted_at(meeting["place_path"]) if viewer.signed_in else frozenset()
    steps = allowed_steps(meeting["state"], meeting["starts_at"], now, roles)
    agenda = await queries.agenda(meeting_id)
    for row in agenda:
        row["hands"] = hands_text(row)
        row["decisions"] = [a.value for a in decisions_in(row["state"])] if Step.decide in steps and not row["action"] else []
    ctx = {
        "meeting": meeting, "agenda": agenda, "steps": {s.value for s in steps},
        "place_name": (await places.tree()).label(meeting["place"], Kind.street),
        "present": await queries.attendee_count(meeting_id) + meeting["head_count"],
        "online": await queries.attendee_count(meeting_id),
        "labels": _labels(), "action_inputs": {a.value: ACTION_INPUTS[a] for a in Action},
        "photos": (await photos_of(OwnerType.meeting, [meeting_id]))[meeting_id],
        "hands_fields": HANDS_FIELDS, "errors": {}, "form": {}, "open_form": None,
        "defaults": {"open_discussion": {"end_date": ""}, "open_evaluation": {"end_date": ""},
                     "form_project": {"funding_route": "community"}},
    }
    ctx.update(extra)
    return ctx


@get("/meetings", name="meetings:list")
async def list_meetings(request: Request) -> Template:
    """The upcoming meetings everywhere and, for the committee, where they may schedule one."""
    viewer = viewer_of(request)
    tree = await places.tree()
    where = []
    for path in viewer.scopes_of(COMMITTEE) if viewer.signed_in else ():
        for node in tree.ordered():
            if node.path.startswith(path) and node.kind in (Kind.district, Kind.street, Kind.community) \
                    and effective_roles(viewer.granted_at(node.path)) & SCHEDULE_ROLES:
                where.append((node.id, tree.label(node.id, Kind.street)))
    recent = await queries.recent(30)
    return render(request, "meetings/list.html", {
        "upcoming": await queries.upcoming(WHOLE_INSTALL, utcnow()),
        "recent": recent, "where": sorted(set(where), key=lambda p: p[1]), "labels": _labels()})


@get("/meetings/{meeting_id:int}", name="meetings:detail")
async def meeting_page(request: Request, meeting_id: FromPath[int]) -> Template:
    return render(request, "meetings/detail.html", await _detail_context(request, meeting_id))


async def _form_context(request: Request, path: str, form: dict, errors: dict, chosen: list) -> dict:
    return {"form": form, "errors": errors, "kinds": _kinds(), "chosen": {str(c) for c in chosen},
            "choices": await queries.agenda_choices(path), "labels": _labels()}


@get("/places/{place_id:int}/meetings/new", name="meetings:new", guards=[requires(COMMITTEE)])
async def new_meeting(request: Request, place_id: FromPath[int], topic: FromQuery[str] = "") -> Template:
    path = await commands.place_path(place_id)
    commands.may_schedule(viewer_of(request), path)
    soon = (utcnow() + timedelta(days=7)).astimezone(LOCAL)
    form = {"on_date": soon.date().isoformat(), "at_time": "19:00", "kind": MeetingKind.council.value}
    ctx = await _form_context(request, path, form, {}, [topic] if topic else [])
    return render(request, "meetings/form.html", {**ctx, "action": url("meetings:create", place_id=place_id),
                                                  "place_name": (await places.tree()).label(place_id, Kind.street)})


@post("/places/{place_id:int}/meetings", name="meetings:create", guards=[requires(COMMITTEE)])
async def create_meeting(request: Request, place_id: FromPath[int]) -> Any:
    form = await form_data(request)
    chosen = await _multi(request, "topics")
    try:
        meeting_id = await commands.schedule(viewer_of(request), place_id, form, chosen)
    except InputError as exc:
        path = await commands.place_path(place_id)
        ctx = await _form_context(request, path, form, field_errors(exc.errors), chosen)
        return render(request, "meetings/form.html", {**ctx, "action": url("meetings:create", place_id=place_id),
                      "place_name": (await places.tree()).label(place_id, Kind.street)}, status_code=400)
    flash(request, _("The meeting is scheduled."))
    return redirect(url("meetings:detail", meeting_id=meeting_id))


@get("/meetings/{meeting_id:int}/edit", name="meetings:edit", guards=[requires(COMMITTEE)])
async def edit_meeting(request: Request, meeting_id: FromPath[int]) -> Template:
    meeting = await queries.load(meeting_id)
    commands.check_step(viewer_of(request), meeting, Step.edit)
    local = meeting["starts_at"].astimezone(LOCAL)
    form = {"kind": meeting["kind"], "title": meeting["title"], "location": meeting["location"],
            "on_date": local.date().isoformat(), "at_time": local.strftime("%H:%M")}
    ctx = await _form_context(request, meeting["place_path"], form, {}, await queries.agenda_ids(meeting_id))
    return render(request, "meetings/form.html", {**ctx, "action": url("meetings:update", meeting_id=meeting_id),
                                                  "meeting": meeting})


@post("/meetings/{meeting_id:int}/edit", name="meetings:update", guards=[requires(COMMITTEE)])
async def update_meeting(request: Request, meeting_id: FromPath[int]) -> Any:
    form = await form_data(request)
    chosen = await _multi(request, "topics")
    try:
        await commands.edit(viewer_of(request), meeting_id, form, chosen)
    except InputError as exc:
        meeting = await queries.load(meeting_id)
        ctx = await _form_context(request, meeting["place_path"], form, field_errors(exc.errors), chosen)
        return render(request, "meetings/form.html", {**ctx, "action": url("meetings:update", meeting_id=meeting_id),
                                                      "meeting": meeting}, status_code=400)
    flash(request, _("The meeting is changed."))
    return redirect(url("meetings:detail", meeting_id=meeting_id))


@get("/meetings/{meeting_id:int}/cancel", name="meetings:cancel_confirm", guards=[requires(COMMITTEE)])
async def confirm_cancel(request: Request, meeting_id: FromPath[int]) -> Template:
    meeting = await queries.load(meeting_id)
    commands.check_step(viewer_of(request), meeting, Step.cancel)
    return render(request, "meetings/cancel.html", {"meeting": meeting, "errors": {}, "form": {}})


@post("/meetings/{meeting_id:int}/cancel", name="meetings:cancel", guards=[requires(COMMITTEE)])
async def cancel_meeting(request: Request, meeting_id: FromPath[int]) -> Any:
    form = await form_data(request)
    commands.check_step(viewer_of(request), await queries.load(meeting_id), Step.cancel)
    if not confirmed(form):
        return redirect(url("meetings:cancel_confirm", meeting_id=meeting_id))
    try:
        await commands.cancel(viewer_of(request), meeting_id, form.get("reason"))
    except InputError as exc:
        meeting = await queries.load(meeting_id)
        return render(request, "meetings/cancel.html", {"meeting": meeting, "errors": field_errors(exc.errors),
                                                        "form": form}, status_code=400)
    flash(request, _("The meeting is cancelled."))
    return redirect(url("meetings:detail", meeting_id=meeting_id))


async def _record_context(request: Request, meeting: dict, form: dict, errors: dict, chosen: list) -> dict:
    return {"meeting": meeting, "form": form, "errors": errors, "chosen": {str(c) for c in chosen},
            "accounts": await queries.place_accounts(meeting["place_path"])}


@get("/meetings/{meeting_id:int}/record", name="meetings:record_form", guards=[requires(*RECORDERS)],
     opt={"no_store": True})
async def record_form(request: Request, meeting_id: FromPath[int]) -> Template:
    """Staff only: who was present is private; this page names them."""
    meeting = await queries.load(meeting_id)
    commands.check_step(viewer_of(request), meeting, Step.record)
    present = [r["id"] for r in await queries.attendees(meeting_id)]
    form = {"minutes": meeting["minutes"], "head_count": str(meeting["head_count"] or "")}
    return render(request, "meetings/record.html", await _record_context(request, meeting, form, {}, present))


@post("/meetings/{meeting_id:int}/record", name="meetings:record", guards=[requires(*RECORDERS)],
      request_max_body_size=MAX_REQUEST_BYTES)
async def record_meeting(request: Request, meeting_id: FromPath[int]) -> Any:
    form, uploads = await read_uploads(request, {"photos": PhotoKind.plain})
    chosen = await _multi(request, "attendees")
    try:
        batch = await photos_commands.prepare(uploads, ["photos"])
        await commands.record(viewer_of(request), meeting_id, form.get("minutes"), form.get("head_count"), chosen,
                              photos=batch)
    except InputError as exc:
        meeting = await queries.load(meeting_id)
        ctx = await _record_context(request, meeting, form, field_errors(exc.errors), chosen)
        return render(request, "meetings/record.html", ctx, status_code=400)
    flash(request, _("The meeting is recorded. Record a decision on each agenda topic below."))
    return redirect(url("meetings:detail", meeting_id=meeting_id) + "#agenda")


@post("/meetings/{meeting_id:int}/decisions/{topic_id:int}/{action:str}", name="meetings:decide",
      guards=[requires(*RECORDERS)])
async def decide(request: Request, meeting_id: FromPath[int], topic_id: FromPath[int], action: FromPath[str]) -> Any:
    form = await form_data(request)
    try:
        await commands.decide(viewer_of(request), meeting_id, topic_id, action, form, today=local_today())
    except InputError as exc:
        ctx = await _detail_context(request, meeting_id, errors=field_errors(exc.errors), form=form,
                                    open_form=f"{topic_id}-{action}")
        return render(request, "meetings/detail.html", ctx, status_code=400)
    flash(request, _("The decision is recorded on the topic's timeline."))
    return redirect(url("meetings:detail", meeting_id=meeting_id) + f"#topic-{topic_id}")


route_handlers = [list_meetings, meeting_page, new_meeting, create_meeting, edit_meeting, update_meeting,
                  confirm_cancel, cancel_meeting, record_form, record_meeting, decide]
