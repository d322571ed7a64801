"""Writes of follow-ups (回访) and of unreasonable-order proposals and decisions (诉求不合理).
Each is one transaction with its audit entry; the rules are ``consult.workorders.review``;
a refusal changes nothing. A decision goes on the topic's public timeline too (level names
and the reasons, never a person)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from consult import audit, db
from consult.accounts.domain import Viewer
from consult.messages import N_
from consult.places import queries as places
from consult.places.tree import Tree
from consult.roles import Role
from consult.topics.tables import Topic, TopicEvent
from consult.workorders.review import (
    APPROVED, PENDING, Reach, check_decide, check_follow_up, check_propose, parse_decision, parse_follow_up,
    parse_proposal,
)
from consult.workorders.review_tables import WorkOrderExclusion, WorkOrderFollowUp
from consult.workorders.steps import TOPIC_ACTION, load_order, utcnow

X = WorkOrderExclusion
# The topic's timeline: {level} and {above} are place names.
TOPIC_WORDS = {
    "proposed": N_("{level} proposed that the request is unreasonable; {above} decides."),
    APPROVED: N_("{above} approved: the request is unreasonable and leaves the rates."),
    "declined": N_("{above} declined: the request stays in the rates."),
}


def order_level(order: dict) -> int | None:
    """The level that answers for the order: the place holding it, or the one that dispatched it."""
    return order["holder_place"] if order["holder_place"] is not None else order["sent_by"]


def reach_of(viewer: Viewer, order: dict, tree: Tree) -> Reach:
    level = tree.get(order_level(order))
    parent = tree.get(level.parent) if level is not None and level.parent is not None else None
    return Reach(staff_anywhere=viewer.has(Role.staff),
                 staff_at_level=level is not None and viewer.has_at(level.path, Role.staff),
                 staff_above=parent is not None and viewer.has_at(parent.path, Role.staff),
                 has_level=level is not None, has_parent=parent is not None)


async def _waiting(order_id: int) -> dict | None:
    return await X.select().where((X.work_order == order_id) & (X.decision == PENDING)).first()


async def _excluded(order_id: int) -> bool:
    return await X.exists().where((X.work_order == order_id) & (X.decision == APPROVED))


async def record_follow_up(viewer: Viewer, order_id: int, form: Mapping[str, object],
                           now: datetime | None = None) -> int:
    now = now or utcnow()
    async with db.transaction():
        order, tree = await load_order(order_id), await places.tree()
        check_follow_up(reach_of(viewer, order, tree))
        data = parse_follow_up(form)
        row = WorkOrderFollowUp(work_order=order_id, at=now, actor=viewer.id, level=order_level(order),
                                channel=data.channel, outcome=data.outcome, reason=data.reason)
        await row.save()
        await audit.record(viewer.id, "work_order.follow_up", "work_order", order_id, channel=data.channel,
                           outcome=data.outcome, reason=data.reason)
        return row.id


async def propose_unreasonable(viewer: Viewer, order_id: int, form: Mapping[str, object],
                               now: datetime | None = None) -> int:
    now = now or utcnow()
    async with db.transaction():
        order, tree = await load_order(order_id), await places.tree()
        check_propose(reach_of(viewer, order, tree), await _excluded(order_id), await _waiting(order_id) is not None)
        reason = parse_proposal(form)
        level = tree.get(order_level(order))
        row = X(work_order=order_id, level=level.id, proposed_by=viewer.id, proposed_at=now, reason=reason,
                approver_level=level.parent)
        await row.save()
        await _topic_line(order, tree, level.id, level.parent, "proposed", reason, now)
        await audit.record(viewer.id, "work_order.unreasonable_proposed", "work_order", order_id, reason=reason)
        return row.id


async def decide_unreasonable(viewer: Viewer, order_id: int, form: Mapping[str, object],
                              now: datetime | None = None) -> str:
    """Staff of the level above approve or decline the waiting proposal; returns the decision."""
    now = now or utcnow()
    async with db.transaction():
        order, tree = await load_order(order_id), await places.tree()
        waiting = await _waiting(order_id)
        check_decide(reach_of(viewer, order, tree), waiting is not None,
                     waiting["proposed_by"] if waiting else None, viewer.id)
        decision, reason = parse_decision(form)
        await X.update({X.decision: decision, X.decision_reason: reason, X.decided_by: viewer.id,
                        X.decided_at: now}).where(X.id == waiting["id"])
        await _topic_line(order, tree, waiting["level"], waiting["approver_level"], decision, reason, now)
        await audit.record(viewer.id, f"work_order.unreasonable_{decision}", "work_order", order_id, reason=reason)
        return decision


async def _topic_line(order: dict, tree: Tree, level: int | None, above: int | None, what: str, note: str,
                      at: datetime) -> None:
    if order.get("topic") is None:
        return
    topic = await Topic.select(Topic.state).where(Topic.id == order["topic"]).first()
    state = topic["state"] if topic else ""
    names = {"level": tree.get(level).name if tree.get(level) else "",
             "above": tree.get(above).name if tree.get(above) else ""}
    await TopicEvent.insert(TopicEvent(
        topic=order["topic"], actor=None, action=TOPIC_ACTION, from_state=state, to_state=state, note=note,
        detail={"words": TOPIC_WORDS[what], "names": names, "order": order["id"]}, round=order["round"], at=at))
