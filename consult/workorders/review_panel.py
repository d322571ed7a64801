"""Reads for an order page's follow-ups (回访) and unreasonable-order decision (诉求不合理):
the lines they add to the order's public timeline (level names and codes, never a person)
and which of their forms the viewer may use (by ``consult.workorders.review``)."""

from __future__ import annotations

from consult.accounts.domain import Viewer
from consult.messages import N_
from consult.places import queries as places
from consult.web.i18n import gettext as _


def _t(template: str, **params) -> str:
    """Translate a template named by a table (already marked with ``N_`` there)."""
    return _(template, **params)
from consult.workorders.review import (
    APPROVED, CHANNELS, DECISIONS, OUTCOMES, PENDING, REASONS, may_decide, may_follow_up, may_propose,
)
from consult.workorders.review_commands import TOPIC_WORDS, reach_of
from consult.workorders.review_tables import WorkOrderExclusion, WorkOrderFollowUp
from consult.workorders.steps import load_order

F, X = WorkOrderFollowUp, WorkOrderExclusion
WORDS = {"follow_up": N_("{level} followed up ({channel}): {outcome}. Reason: {reason}."), **TOPIC_WORDS}


def _name(tree, place_id) -> str:
    node = tree.get(place_id)
    return node.name if node else ""


async def timeline_lines(order_id: int) -> list[dict]:
    """The follow-ups and the proposals with their decisions, as timeline lines."""
    tree = await places.tree()
    lines = []
    for f in await F.select(F.id, F.at, F.level, F.channel, F.outcome, F.reason).where(F.work_order == order_id):
        words = _t(WORDS["follow_up"], level=_name(tree, f["level"]), channel=_t(CHANNELS[f["channel"]]),
                  outcome=_t(OUTCOMES[f["outcome"]]), reason=_t(REASONS[f["reason"]]))
        lines.append({"at": f["at"], "words": words, "reason": "", "round": 1, "deadline": None, "kind": "follow_up"})
    for x in await X.select(X.proposed_at, X.level, X.approver_level, X.reason, X.decided_at,
                            X.decision, X.decision_reason).where(X.work_order == order_id):
        names = {"level": _name(tree, x["level"]), "above": _name(tree, x["approver_level"])}
        lines.append({"at": x["proposed_at"], "words": _t(WORDS["proposed"], **names), "reason": x["reason"],
                      "round": 1, "deadline": None, "kind": "unreasonable"})
        if x["decision"] != PENDING:
            lines.append({"at": x["decided_at"], "words": _t(WORDS[x["decision"]], **names),
                          "reason": x["decision_reason"], "round": 1, "deadline": None, "kind": "unreasonable"})
    return lines


def merged(hops: list[dict], lines: list[dict]) -> list[dict]:
    """The hops and the lines, oldest first (a stable sort keeps the hops' order)."""
    return sorted([*hops, *lines], key=lambda h: h["at"].timestamp())


async def excluded(order_id: int) -> bool:
    return await X.exists().where((X.work_order == order_id) & (X.decision == APPROVED))


async def panel(viewer: Viewer, order_id: int) -> dict:
    """What the order page shows of follow-ups and the unreasonable-order decision."""
    waiting = await X.select(X.id, X.proposed_by, X.reason).where(
        (X.work_order == order_id) & (X.decision == PENDING)).first()
    is_excluded = await excluded(order_id)
    out = {"excluded": is_excluded, "waiting": waiting is not None, "may_follow_up": False, "may_propose": False,
           "may_decide": False,
           "channels": [(k, _(v)) for k, v in CHANNELS.items()], "outcomes": [(k, _(v)) for k, v in OUTCOMES.items()],
           "reasons": [(k, _(v)) for k, v in REASONS.items()], "decisions": [(k, _(v)) for k, v in DECISIONS.items()]}
    if viewer.signed_in:
        reach = reach_of(viewer, await load_order(order_id), await places.tree())
        out["may_follow_up"] = may_follow_up(reach)
        out["may_propose"] = may_propose(reach, is_excluded, waiting is not None)
        out["may_decide"] = may_decide(reach, waiting is not None, waiting["proposed_by"] if waiting else None,
                                       viewer.id)
    return out
