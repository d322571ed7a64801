"""Intake reads: the public facts of an intake (channel, 12345 order number) for a topic or
work order page, what a tracking code follows, and the private list for staff. Nothing here
is cached: the public facts are read per request (one indexed row), and the contact is
opened only for the staff of the place or the grid worker who entered it."""

from __future__ import annotations

from piccolo.columns.combination import WhereRaw

from consult.accounts.domain import Viewer
from consult.intake import secrecy
from consult.intake.domain import ASSIST_ROLES, CHANNEL_LABELS, CONTACT_ROLES, normalize_code
from consult.intake.tables import AssistedAct, Intake
from consult.places import queries as places
from consult.topics.tables import Topic
from consult.workorders.tables import WorkOrder

PUBLIC = (Intake.id, Intake.topic, Intake.work_order, Intake.channel, Intake.order_number, Intake.created_at,
          Intake.attached_to)


async def public_of_topic(topic_id: int) -> dict | None:
    """The channel a topic came in by, when it was entered for a resident (no contact)."""
    row = await Intake.select(Intake.channel, Intake.order_number).where(Intake.topic == topic_id).first()
    return row and {**row, "label": channel_label(row["channel"])}


async def public_of_order(order_id: int) -> dict | None:
    row = await Intake.select(Intake.channel, Intake.order_number).where(Intake.work_order == order_id).first()
    return row and {**row, "label": channel_label(row["channel"])}


async def tracked(raw_code: object) -> dict | None:
    """What a tracking code follows, with the public state of its topic or work order."""
    code = normalize_code(raw_code)
    if code is None:
        return None
    row = await Intake.select(*PUBLIC).where(Intake.code_digest == secrecy.digest(code)).first()
    if row is None:
        return None
    if row["topic"] is not None:
        row["subject"] = await Topic.select(Topic.id, Topic.title, Topic.state, Topic.updated_at).where(
            Topic.id == row["topic"]).first()
    else:
        row["subject"] = await WorkOrder.select(WorkOrder.id, WorkOrder.title, WorkOrder.state).where(
            WorkOrder.id == row["work_order"]).first()
    row["code"] = code
    return row


def may_see_contact(viewer: Viewer, row: dict) -> bool:
    """Staff of the place, or the person (a grid worker) who entered it."""
    return viewer.id == row["entered_by"] or bool(viewer.roles_at(row["place_path"]) & CONTACT_ROLES)


async def listing(viewer: Viewer, limit: int = 100) -> list[dict]:
    """The latest intakes the viewer may see the contact of, contact opened, newest first."""
    tree = await places.tree()
    sql, values = places.within_sql("intake.grid", viewer.scopes_of(*CONTACT_ROLES))
    rows = await Intake.select(
        *Intake.all_columns(exclude=[Intake.code_digest]), Intake.grid.path.as_alias("place_path"),
        Intake.topic.title.as_alias("topic_title"), Intake.work_order.title.as_alias("order_title"),
        Intake.attached_to.username.as_alias("attached_username"),
    ).where(WhereRaw(sql, *values) | (Intake.entered_by == viewer.id)).order_by(Intake.id, ascending=False).limit(limit)
    out = []
    for row in rows:
        contact = secrecy.unseal(row.pop("contact"))
        out.append({**row, "name": contact.name, "phone": contact.phone, "grid_name": tree.label(row["grid"])})
    return out


async def assisted_on(topic_id: int) -> list[dict]:
    """Who assisted with which act on a topic (for staff; the resident is not named)."""
    return await AssistedAct.select(
        AssistedAct.act, AssistedAct.created_at, AssistedAct.note, AssistedAct.assisted_by.display_name.as_alias("by"),
    ).where(AssistedAct.topic == topic_id).order_by(AssistedAct.id)


def may_assist(viewer: Viewer, path: str | None) -> bool:
    """Whether the viewer records seconds and ratings for residents at the place at ``path``."""
    return viewer.has_at(path, *ASSIST_ROLES)


def channel_label(channel: str) -> str:
    """The English label (translated by the page) of a channel."""
    return CHANNEL_LABELS.get(channel, channel)  # type: ignore[call-overload]
