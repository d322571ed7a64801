"""Meeting commands: schedule, edit, cancel, record, decide. Each is one transaction with
its audit entry; a decision moves the topic through the topics' own commands (its lifecycle
table, its timeline, its notices and audit) inside the same transaction, so a refused move
changes nothing at all.

Notices (kind ``meeting``): scheduling a meeting that is still to come, changing it and
cancelling it tell the accounts of the place's grids and the followers of its agenda topics."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from consult import audit, db
from consult.fields import FieldError
from consult.accounts.domain import Viewer
from consult.meetings import forms, queries
from consult.meetings.forms import LOCAL
from consult.meetings.lifecycle import (
    DECISIONS, MEETING_ROLES, SCHEDULE_ROLES, MeetingRefused, MeetingState, Step, check,
)
from consult.meetings.tables import Meeting, MeetingAttendee, MeetingDecision, MeetingTopic
from consult.messages import N_, NotFound
from consult.notifications.domain import Kind as NoticeKind
from consult.notifications.services import notify
from consult.photos import commands as photos_commands
from consult.photos.commands import TOO_MANY, PhotoInputError
from consult.photos.owners import OwnerType
from consult.photos.tables import Photo
from consult.places import queries as places
from consult.roles import effective_roles
from consult.topics import commands as topic_commands
from consult.topics.clock import utcnow
from consult.topics.timeline import decided_at_meeting

SCHEDULED_NOTICE = N_("Meeting “{title}”: {when}, {location}.")
CHANGED_NOTICE = N_("Meeting “{title}” has changed: now {when}, {location}.")
CANCELLED_NOTICE = N_("Meeting “{title}” on {when} is cancelled.")
NO_PLACE = N_("There is no such place.")


def meeting_path(meeting_id: int) -> str:
    return f"/meetings/{meeting_id}"


def local_text(moment: datetime) -> str:
    return moment.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")


def may_schedule(viewer: Viewer, path: str) -> None:
    if not effective_roles(viewer.granted_at(path)) & SCHEDULE_ROLES:
        raise MeetingRefused("schedule_role", status_code=403)


def check_step(viewer: Viewer, meeting: Mapping[str, Any], step: Step, now: datetime | None = None) -> None:
    """Refuse ``step`` on ``meeting`` (as read by ``queries.load``) unless the lifecycle allows it."""
    check(step, meeting["state"], meeting["starts_at"], now or utcnow(), viewer.granted_at(meeting["place_path"]))


async def place_path(place_id: int) -> str:
    path = (await places.tree()).path_of(place_id)
    if path is None:
        raise NotFound(NO_PLACE)
    return path


async def _tell(meeting: Mapping[str, Any], topic_ids: list[int], message: str, actor_id: int | None) -> int:
    recipients = await queries.followers_and_residents(meeting["place_path"], topic_ids)
    params = {"title": meeting["title"], "when": local_text(meeting["starts_at"]), "location": meeting["location"]}
    return await notify(recipients, NoticeKind.meeting.value, message, params, meeting_path(meeting["id"]), actor_id)


async def _write_agenda(meeting_id: int, topic_ids: Iterable[int]) -> None:
    await MeetingTopic.delete().where(MeetingTopic.meeting == meeting_id)
    rows = [MeetingTopic(meeting=meeting_id, topic=t, position=i) for i, t in enumerate(topic_ids)]
    if rows:
        await MeetingTopic.insert(*rows)


async def schedule(viewer: Viewer, place_id: int, values: Mapping[str, Any], topic_ids: Iterable[Any],
                   now: datetime | None = None) -> int:
    """The committee of a place schedules a meeting with its agenda (topics of that place or below)."""
    now = now or utcnow()
    path = await place_path(place_id)
    may_schedule(viewer, path)
    choices = {r["id"] for r in await queries.agenda_choices(path)}
    data = forms.validate_meeting(values, topic_ids, agenda_choices=choices, now=now)
    async with db.transaction():
        meeting = Meeting(place=place_id, kind=data.kind.value, title=data.title, location=data.location,
                          starts_at=data.starts_at, created_by=viewer.id, state=MeetingState.scheduled.value)
        await meeting.save()
        await _write_agenda(meeting.id, data.topic_ids)
        await audit.record(viewer.id, "meeting.schedule", "meeting", meeting.id, place=place_id, title=data.title,
                           starts_at=data.starts_at.isoformat(), topics=list(data.topic_ids))
        if data.starts_at > now:
            await _tell({"id": meeting.id, "title": data.title, "starts_at": data.starts_at, "location": data.location,
                         "place_path": path}, list(data.topic_ids), SCHEDULED_NOTICE, viewer.id)
    return meeting.id


async def edit(viewer: Viewer, meeting_id: int, values: Mapping[str, Any], topic_ids: Iterable[Any],
               now: datetime | None = None) -> None:
    """Change the kind, title, place, time or agenda of a meeting that has not started."""
    now = now or utcnow()
    async with db.transaction():
        meeting = await queries.load(meeting_id)
        check_step(viewer, meeting, Step.edit, now)
        choices = {r["id"] for r in await queries.agenda_choices(meeting["place_path"])}
        data = forms.validate_meeting(values, topic_ids, agenda_choices=choices, now=now)
        await Meeting.update({Meeting.kind: data.kind.value, Meeting.title: data.title, Meeting.location: data.location,
                              Meeting.starts_at: data.starts_at, Meeting.updated_at: now}).where(Meeting.id == meeting_id)
        await _write_agenda(meeting_id, data.topic_ids)
        await audit.record(viewer.id, "meeting.edit", "meeting", meeting_id, title=data.title,
                           starts_at=data.starts_at.isoformat(), topics=list(data.topic_ids))
        if data.starts_at > now:
            changed = {**meeting, "title": data.title, "starts_at": data.starts_at, "location": data.location}
            await _tell(changed, list(data.topic_ids), CHANGED_NOTICE, viewer.id)


async def cancel(viewer: Viewer, meeting_id: int, reason: Any, now: datetime | None = None) -> None:
    now = now or utcnow()
    async with db.transaction():
        meeting = await queries.load(meeting_id)
        check_step(viewer, meeting, Step.cancel, now)
        text = forms.validate_reason(reason)
        await Meeting.update({Meeting.state: MeetingState.cancelled.value, Meeting.cancel_reason: text,
                              Meeting.updated_at: now}).where(Meeting.id == meeting_id)
        await audit.record(viewer.id, "meeting.cancel", "meeting", meeting_id, reason=text)
        await _tell(meeting, await queries.agenda_ids(meeting_id), CANCELLED_NOTICE, viewer.id)


async def record(viewer: Viewer, meeting_id: int, minutes: Any, head_count: Any, attendee_ids: Iterable[Any],
                 now: datetime | None = None, photos: photos_commands.Batch | None = None) -> None:
    """At or after the meeting: who was present (accounts of the place), how many more
    (not online), the minutes, and photos of the meeting (at most six in all, shown once it
    is held). Saving again replaces all but the photos, which add up."""
    now = now or utcnow()
    async with photos_commands.stored(photos), db.transaction():
        meeting = await queries.load(meeting_id)
        check_step(viewer, meeting, Step.record, now)
        accounts = {r["id"] for r in await queries.place_accounts(meeting["place_path"])}
        data = forms.validate_record(minutes, head_count, attendee_ids, accounts)
        await Meeting.update({Meeting.state: MeetingState.held.value, Meeting.minutes: data.minutes,
                              Meeting.head_count: data.head_count, Meeting.recorded_by: viewer.id,
                              Meeting.updated_at: now}).where(Meeting.id == meeting_id)
        await MeetingAttendee.delete().where(MeetingAttendee.meeting == meeting_id)
        if data.attendee_ids:
            await MeetingAttendee.insert(*[MeetingAttendee(meeting=meeting_id, user=u) for u in data.attendee_ids])
        # the audit entry says how many, never who (attendance is private)
        await audit.record(viewer.id, "meeting.record", "meeting", meeting_id, attendees=len(data.attendee_ids),
                           head_count=data.head_count)
        if photos:
            kept = await Photo.count().where((Photo.owner_type == OwnerType.meeting.value) & (Photo.owner_id == meeting_id))
            if kept + len(photos.items) > photos_commands.MAX_PHOTOS:
                raise PhotoInputError({"photos": FieldError("photo", TOO_MANY, {"n": photos_commands.MAX_PHOTOS})})
            await photos_commands.attach(photos, OwnerType.meeting, meeting_id, viewer.id)


async def decide(viewer: Viewer, meeting_id: int, topic_id: int, action: str, values: Mapping[str, Any],
                 now: datetime | None = None, today: date | None = None) -> str:
    """The meeting's decision on one agenda topic: the topic's lifecycle action, taken by the
    topics' commands with the meeting's authority and marked on the timeline as decided at
    the meeting of that day (with the show of hands), in one transaction."""
    now = now or utcnow()
    async with db.transaction():
        meeting = await queries.load(meeting_id)
        check_step(viewer, meeting, Step.decide, now)
        if topic_id not in await queries.agenda_ids(meeting_id):
            raise MeetingRefused("not_on_agenda")
        if await queries.decision_of(meeting_id, topic_id):
            raise MeetingRefused("decided")
        if action not in {a.value for a in DECISIONS}:
            raise MeetingRefused("not_a_decision")
        hands = forms.validate_hands(values)
        day = meeting["starts_at"].astimezone(LOCAL).date().isoformat()
        detail = {"meeting": meeting_id, "meeting_on": day, "hands": list(hands) if hands else None}
        with decided_at_meeting(MEETING_ROLES, **detail):
            state = await topic_commands.take_action(viewer, topic_id, action, values, today)
        yes, no, abstain = hands if hands else (None, None, None)
        await MeetingDecision.insert(MeetingDecision(
            meeting=meeting_id, topic=topic_id, action=action, hands_for=yes, hands_against=no,
            hands_abstain=abstain, decided_by=viewer.id))
        await audit.record(viewer.id, "meeting.decide", "meeting", meeting_id, topic=topic_id, decision=action,
                           hands=detail["hands"])
    return str(state)
