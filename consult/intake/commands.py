"""Intake commands: entering a topic or a service request on a resident's behalf, attaching
it to the resident's account later, and the seconds and ratings a resident gives through
staff or a grid worker. Each is one transaction with its audit entry; the audit log never
holds the resident's name, phone or tracking code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from consult import audit, db
from consult.accounts.domain import Viewer, normalize_username
from consult.accounts.services import load_viewer
from consult.accounts.tables import User
from consult.cache import content_revision
from consult.fields import InputError
from consult.intake import secrecy
from consult.intake.domain import (
    ASSIST_ROLES, INTAKE_ROLES, AssistedAct as Act, IntakeDetails, IntakeInputError, IntakeKind, field_error,
    INTAKE_MESSAGES, new_code, parse_assisted_note, parse_intake,
)
from consult.intake.tables import AssistedAct, Intake
from consult.messages import N_, NotFound, Refusal
from consult.places import queries as places
import consult.topics.discussion as discussion
import consult.topics.forms as topic_forms
import consult.topics.projects as projects
from consult.topics.lifecycle import TopicState
from consult.topics.queries import filter_choices
from consult.topics.tables import Topic
from consult.topics.timeline import event, follow, load_topic
from consult.workorders import commands as orders
from consult.workorders.forms import parse_request
from consult.workorders.tables import WorkOrder

NOT_HERE = N_("Only the staff of the place, or the grid worker of the grid, may enter for a resident there.")
NOT_YOURS = N_("Only the staff of the place may see or change this intake.")
TAKEN = N_("This tracking code is already attached to another account.")
NO_CODE = N_("No topic or service request has this tracking code. Check the code and try again.")
NOT_ASSISTED_HERE = N_("Only the staff of the topic's place, or its grid worker, may enter for a resident here.")


@dataclass(frozen=True)
class Entered:
    intake_id: int
    code: str  # shown once, to read out or print; only its keyed hash is kept
    topic_id: int | None
    order_id: int | None


async def intake_grids(viewer: Viewer) -> list[dict]:
    """The active grids where the viewer may enter for a resident (``id``, ``name``, ...)."""
    tree = await places.tree()
    return [g for g in await places.grid_choices() if viewer.has_at(tree.path_of(g["id"]), *INTAKE_ROLES)]


def _merge_errors(*found: InputError | None) -> None:
    errors: dict = {}
    for exc in found:
        if exc is not None:
            errors.update(exc.errors)
    if errors:
        raise IntakeInputError(errors)


async def _parse(viewer: Viewer, form: Mapping[str, Any]) -> tuple[IntakeDetails, dict[str, Any]]:
    """The intake fields and the topic's or request's own, every field's error at once."""
    grids = {g["id"] for g in await intake_grids(viewer)}
    if not grids:
        raise Refusal(NOT_HERE, status_code=403)
    categories = {c["slug"]: c["id"] for c in (await filter_choices(await content_revision()))["categories"]}
    details, intake_error, subject_error, subject = None, None, None, {}
    try:
        details = parse_intake(form)
    except IntakeInputError as exc:
        intake_error = exc
    try:
        data = topic_forms.validate_proposal(form.get("title"), form.get("description"), form.get("category"),
                                             form.get("grid_id"), categories, grids)
        subject = {"title": data.title, "description": data.description, "category": categories[data.category],
                   "grid": data.grid_id}
        if details is not None and details.kind == IntakeKind.request:
            parse_request({**subject}, set(categories.values()), grids)  # a work order's own limits
    except InputError as exc:
        subject_error = exc
        if "grid" in exc.errors:
            exc.errors["grid_id"] = exc.errors.pop("grid")
    _merge_errors(subject_error, intake_error)
    assert details is not None
    return details, subject


async def enter(viewer: Viewer, form: Mapping[str, Any], code: str | None = None) -> Entered:
    """Staff or the grid worker enter a topic (proposed, for the committee to screen) or a
    service request (a work order at once) for a resident who phoned, came to the office or
    was met at home. The resident's contact is sealed; the tracking code is returned once
    (``code``: the demo's fixed ones)."""
    details, subject = await _parse(viewer, form)
    code = code or new_code()
    async with db.transaction():
        topic_id = order_id = None
        if details.kind == IntakeKind.topic:
            topic = Topic(title=subject["title"], description=subject["description"], category=subject["category"],
                          grid=subject["grid"], author=viewer.id, state=TopicState.proposed.value)
            await topic.save()
            topic_id = topic.id
            await follow(topic_id, viewer.id)  # the one who entered it hears of each step, to pass it on
            await event(topic_id, viewer.id, "propose", "", TopicState.proposed, 1, channel=details.channel.value)
            await audit.record(viewer.id, "topic.propose", "topic", topic_id, title=subject["title"])
        else:
            order_id = await orders.create_request(
                viewer, {**subject, "category": str(subject["category"]), "grid": str(subject["grid"])},
                roles=tuple(INTAKE_ROLES))
        row = Intake(topic=topic_id, work_order=order_id, grid=subject["grid"], channel=details.channel.value,
                     order_number=details.order_number, contact=secrecy.seal(details.contact),
                     code_digest=secrecy.digest(code), entered_by=viewer.id)
        await row.save()
        await audit.record(viewer.id, "intake.entered", "intake", row.id, kind=details.kind.value,
                           channel=details.channel.value, topic=topic_id, work_order=order_id)
    return Entered(row.id, code, topic_id, order_id)


# ---------------------------------------------------------------- attaching to an account


async def _attach(intake: dict, user_id: int, actor_id: int) -> None:
    if intake["attached_to"] is not None and intake["attached_to"] != user_id:
        raise Refusal(TAKEN, status_code=409)
    if intake["attached_to"] == user_id:
        return
    await Intake.update({Intake.attached_to: user_id, Intake.attached_at: orders.utcnow()}).where(
        Intake.id == intake["id"])
    if intake["topic"] is not None:
        await follow(intake["topic"], user_id)
    if intake["work_order"] is not None:  # the resident now rates the reply themselves
        await WorkOrder.update({WorkOrder.requester: user_id}).where(
            (WorkOrder.id == intake["work_order"]) & WorkOrder.requester.is_null())
    await audit.record(actor_id, "intake.attached", "intake", intake["id"], user=user_id)


async def attach_by_code(viewer: Viewer, code: str) -> dict:
    """The resident, signed in, attaches what was entered for them with its tracking code."""
    async with db.transaction():
        intake = await Intake.select().where(Intake.code_digest == secrecy.digest(code)).first()
        if intake is None:
            raise NotFound(NO_CODE)
        await _attach(intake, viewer.id, viewer.id)
        return intake


async def _managed(viewer: Viewer, intake_id: int) -> dict:
    intake = await Intake.select(*Intake.all_columns(), Intake.grid.path.as_alias("place_path")).where(
        Intake.id == intake_id).first()
    if intake is None:
        raise NotFound(N_("There is no such intake."))
    if not viewer.has_at(intake["place_path"], "staff"):
        raise Refusal(NOT_YOURS, status_code=403)
    return intake


async def _user_named(raw: object) -> int:
    name = normalize_username(raw if isinstance(raw, str) else "")
    row = await User.select(User.id).where(User.username == name).first() if name else None
    if row is None:
        raise IntakeInputError({"username": field_error("username", INTAKE_MESSAGES)})
    return row["id"]


async def attach_for(viewer: Viewer, intake_id: int, username: object) -> int:
    """Staff of the place attach an intake to the account the resident registered since."""
    async with db.transaction():
        intake = await _managed(viewer, intake_id)
        user_id = await _user_named(username)
        await _attach(intake, user_id, viewer.id)
        return user_id


# ---------------------------------------------------------------- assisted seconds and ratings


def check_may_assist(viewer: Viewer, topic: dict) -> None:
    """Staff of the topic's place or the grid worker of its grid (403 elsewhere)."""
    if not viewer.has_at(topic["place_path"], *ASSIST_ROLES):
        raise Refusal(NOT_ASSISTED_HERE, status_code=403)


async def assist(viewer: Viewer, topic_id: int, act: str, form: Mapping[str, Any]) -> None:
    """Record a second or a rating that a resident gave by phone or at the door: the row is
    the resident's own (one per person holds), marked as assisted, with who assisted and
    the resident's agreement."""
    if act not in {a.value for a in Act}:
        raise NotFound(N_("There is no such page."))
    check_may_assist(viewer, await load_topic(topic_id))
    errors: dict = {}
    try:
        note = parse_assisted_note(form)
    except IntakeInputError as exc:
        errors.update(exc.errors)
    try:
        resident_id = await _user_named(form.get("username"))
    except IntakeInputError as exc:
        errors.update(exc.errors)
    if errors:
        raise IntakeInputError(errors)
    if resident_id == viewer.id:
        raise Refusal(N_("Enter your own second or rating yourself, on the topic's page."), status_code=409)
    resident = await load_viewer(resident_id)
    if resident is None:
        raise IntakeInputError({"username": field_error("username", INTAKE_MESSAGES)})
    async with db.transaction():
        if act == Act.second:
            await discussion.second_topic(resident, topic_id)
        else:
            await projects.rate_topic(resident, topic_id, form.get("value"), form.get("comment"))
        await AssistedAct.insert(AssistedAct(topic=topic_id, resident=resident_id, act=act,
                                             assisted_by=viewer.id, consent=True, note=note))
        await audit.record(viewer.id, f"intake.assisted_{act}", "topic", topic_id, resident=resident_id)
