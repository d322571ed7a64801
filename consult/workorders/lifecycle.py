"""The lifecycle of a work order (工单), as pure rules: 接单—派单—办单—评单.

An order is always held by someone: a place (a level: community, street, district),
which decides (dispatch it to one of its departments, escalate it — 吹哨 — to the level
above, or handle it itself), or a department, which acknowledges (签收), may return it
(退回) with a reason within the return window, and replies with a result. The resident
rates the reply; 不满意 sends it back to the same handler as 二次办理 with round + 1.

``TRANSITIONS`` maps ``(state, action)`` to the next state and ``HOLDER_MOVES`` says who
holds the order afterwards; ``ACTION_ROLES`` who may take each action (the reach of the
role — the holder's place, or the department — is checked by the command);
``ACTION_INPUTS`` what each action takes. The service refuses by these tables and the
templates draw their buttons from them. Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from consult.messages import N_, Refusal
from consult.roles import SYSTEM, Role, effective_roles

DEPARTMENT = "department"  # the role of a department's people (scoped to a department)


class OrderState(StrEnum):
    at_level = "at_level"  # 待处置: a level decides
    dispatched = "dispatched"  # 已派单: waiting for the department's 签收
    acknowledged = "acknowledged"  # 已签收: the department works on it
    handling = "handling"  # 自办: the level handles it itself
    replied = "replied"  # 已答复: waiting for the resident's rating
    closed = "closed"  # 已办结


class OrderAction(StrEnum):
    dispatch = "dispatch"  # 派单
    escalate = "escalate"  # 吹哨: to the level above
    handle = "handle"  # 自办
    acknowledge = "acknowledge"  # 签收
    send_back = "send_back"  # 退回 (a reason; within the return window)
    reply = "reply"  # 答复 (result and evidence)
    rate = "rate"  # the resident's 满意 / 基本满意 / 不满意
    auto_escalate = "auto_escalate"  # the acknowledge clock ran out
    close_unrated = "close_unrated"  # the rating window ended without a rating


class Holder(StrEnum):
    """Who holds the order after a move."""

    same = "same"
    department = "department"  # the department named in the move
    parent = "parent"  # the level above the place that held it
    sender = "sender"  # the level that dispatched it (after 退回)
    sender_parent = "sender_parent"  # the level above the sender (a missed 签收)
    by_rating = "by_rating"  # closed, or back to who handled it (不满意: 二次办理)


S, A = OrderState, OrderAction
TRANSITIONS: dict[tuple[OrderState, OrderAction], OrderState] = {
    (S.at_level, A.dispatch): S.dispatched,
    (S.at_level, A.escalate): S.at_level,
    (S.at_level, A.handle): S.handling,
    (S.dispatched, A.acknowledge): S.acknowledged,
    (S.dispatched, A.send_back): S.at_level,
    (S.acknowledged, A.send_back): S.at_level,
    (S.dispatched, A.auto_escalate): S.at_level,
    (S.acknowledged, A.reply): S.replied,
    (S.handling, A.reply): S.replied,
    (S.handling, A.escalate): S.at_level,
    (S.replied, A.rate): S.closed,  # or, 不满意, back (``after_rating``)
    (S.replied, A.close_unrated): S.closed,
}
HOLDER_MOVES: dict[OrderAction, Holder] = {
    A.dispatch: Holder.department, A.escalate: Holder.parent, A.handle: Holder.same,
    A.acknowledge: Holder.same, A.send_back: Holder.sender, A.auto_escalate: Holder.sender_parent,
    A.reply: Holder.same, A.rate: Holder.by_rating, A.close_unrated: Holder.same,
}
_LEVEL = frozenset({Role.committee, Role.staff})
ACTION_ROLES: dict[OrderAction, frozenset[str]] = {
    A.dispatch: _LEVEL, A.escalate: _LEVEL, A.handle: frozenset({Role.staff}),
    A.acknowledge: frozenset({DEPARTMENT}), A.send_back: frozenset({DEPARTMENT}),
    A.reply: frozenset({DEPARTMENT, Role.staff}),
    A.rate: frozenset({Role.resident}),
    A.auto_escalate: frozenset({SYSTEM}),
    A.close_unrated: frozenset({SYSTEM, Role.staff}),
}


@dataclass(frozen=True)
class Input:
    name: str
    kind: str  # text, date, choice, department
    required: bool = True
    max_length: int = 0


ACTION_INPUTS: dict[OrderAction, tuple[Input, ...]] = {
    A.dispatch: (Input("department", "department"), Input("deadline", "date"), Input("note", "text", False, 500)),
    A.escalate: (Input("reason", "text", True, 500),),
    A.handle: (Input("deadline", "date"),),
    A.acknowledge: (),
    A.send_back: (Input("reason", "text", True, 500),),
    A.reply: (Input("result", "text", True, 2000),),
    A.rate: (Input("rating", "choice"), Input("comment", "text", False, 500)),
    A.auto_escalate: (),
    A.close_unrated: (),
}


class Rating(StrEnum):
    satisfied = "satisfied"  # 满意
    basically_satisfied = "basically_satisfied"  # 基本满意
    unsatisfied = "unsatisfied"  # 不满意


def after_rating(rating: Rating | str, handled_by_department: bool) -> tuple[OrderState, bool]:
    """The state after a rating and whether a new round starts: 不满意 sends the order back to
    whoever handled it (the same department, waiting for its 签收 again; or the level)."""
    if Rating(rating) is not Rating.unsatisfied:
        return S.closed, False
    return (S.dispatched if handled_by_department else S.handling), True


OPEN_STATES = frozenset({S.at_level, S.dispatched, S.acknowledged, S.handling})
# The states in which the clock that matters is 签收 (acknowledge) or the resolution deadline.
WAITING_FOR_ACK = frozenset({S.dispatched})
WORKING = frozenset({S.acknowledged, S.handling})


class OrderRefused(Refusal):
    """A move the rules do not allow: nothing changes."""

    status_code = 409
    ALERT_ID = "order-alert"
    MESSAGES = {
        "wrong_state": N_("“{action}” is not possible while the work order is {state}."),
        "role_not_allowed": N_("Your role does not allow you to “{action}” on this work order."),
        "not_here": N_("This work order is not held by a place or department you serve."),
        "return_window": N_("The return window has ended: the order can no longer be sent back."),
        "no_parent": N_("There is no level above this place to escalate to."),
    }


def held_roles(roles: Iterable[str]) -> frozenset[str]:
    """The roles after their implications, with a department's role (not a place's role,
    so ``consult.roles`` does not list it) kept."""
    roles = frozenset(str(r) for r in roles)
    return effective_roles(roles) | (roles & {DEPARTMENT})


def next_state(state: OrderState | str, action: OrderAction | str, roles: Iterable[str]) -> OrderState:
    """The state after ``action``, or ``OrderRefused``: the state first, then the role."""
    state, action = OrderState(state), OrderAction(action)
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise OrderRefused("wrong_state", action=action.value, state=state.value)
    if not held_roles(roles) & ACTION_ROLES[action]:
        raise OrderRefused("role_not_allowed", status_code=403, action=action.value)
    return target


def allowed_actions(state: OrderState | str, roles: Iterable[str]) -> list[OrderAction]:
    """The actions ``roles`` may take in ``state`` (the buttons), in table order."""
    held = held_roles(roles)
    return [a for (s, a) in TRANSITIONS if s == OrderState(state) and held & ACTION_ROLES[a]]
