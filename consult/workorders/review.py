"""Follow-up (回访) and 诉求不合理, as pure rules (issue 15 point 4). Standard library and
the leaves only.

* A follow-up is a call or a visit by staff of the order's level, with an outcome and a
  reason code from fixed lists: no free text, so nothing private reaches the timeline.
* The order's level is the place that holds it, or — while a department holds it — the
  level that dispatched it.
* Staff of that level propose that the order is unreasonable, with a reason. It leaves the
  rates only when staff of the level ABOVE approve (the parent place, or a place above
  that covers it); the proposer never decides. One proposal waits at a time; a declined
  one may be proposed again, an approved one is final.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from consult.fields import FieldError, FormErrors, InputError, choice, text
from consult.messages import N_, Refusal

CHANNELS = {"call": N_("phone call"), "visit": N_("visit")}
OUTCOMES = {
    "resolved": N_("the resident confirms it is resolved"),
    "partly": N_("partly resolved"),
    "unresolved": N_("not resolved"),
    "unreached": N_("the resident could not be reached"),
}
REASONS = {
    "after_reply": N_("routine follow-up after the reply"),
    "unsatisfied": N_("follow-up of an unsatisfied rating"),
    "second_round": N_("follow-up of a second round"),
    "overdue": N_("follow-up of an overdue order"),
    "spot_check": N_("spot check"),
}
DECISIONS = {"approve": N_("approve: the order leaves the rates"), "decline": N_("decline: the order stays in the rates")}
REASON_LENGTH = (5, 500)

PENDING, APPROVED, DECLINED = "", "approved", "declined"


class ReviewRefused(Refusal):
    """A follow-up or an unreasonable-order step the rules do not allow: nothing changes."""

    status_code = 403
    ALERT_ID = "review-alert"
    MESSAGES = {
        "not_staff": N_("Only staff may follow up a work order or judge it unreasonable."),
        "not_here": N_("Only staff of the level that holds or dispatched this work order may do this."),
        "no_level": N_("This work order is held by no level."),
        "no_parent": N_("There is no level above to approve: this level’s orders cannot be judged unreasonable."),
        "already_excluded": N_("This work order has already been judged unreasonable."),
        "pending": N_("A proposal that this order is unreasonable is already waiting for a decision."),
        "nothing_pending": N_("No proposal that this order is unreasonable is waiting for a decision."),
        "same_person": N_("Whoever proposed that the order is unreasonable cannot approve it: a second person decides."),
        "wrong_level": N_("Only staff of the level above the order’s level may decide whether it is unreasonable."),
    }


@dataclass(frozen=True)
class Reach:
    """Where the viewer holds staff, as it matters for one order."""

    staff_anywhere: bool
    staff_at_level: bool  # the order's level is covered by a staff scope of theirs
    staff_above: bool  # the parent of the order's level is covered too
    has_level: bool = True
    has_parent: bool = True


def check_follow_up(reach: Reach) -> None:
    _at_level(reach)


def check_propose(reach: Reach, excluded: bool, pending: bool) -> None:
    _at_level(reach)
    if not reach.has_parent:
        raise ReviewRefused("no_parent", status_code=409)
    if excluded:
        raise ReviewRefused("already_excluded", status_code=409)
    if pending:
        raise ReviewRefused("pending", status_code=409)


def check_decide(reach: Reach, pending: bool, proposer_id: int | None, viewer_id: int | None) -> None:
    """The role first, then the level (same level: wrong level; elsewhere: not here), then
    the person, then whether anything waits."""
    if not reach.staff_anywhere:
        raise ReviewRefused("not_staff")
    if not reach.staff_above:
        raise ReviewRefused("wrong_level" if reach.staff_at_level else "not_here")
    if not pending:
        raise ReviewRefused("nothing_pending", status_code=409)
    if proposer_id is not None and proposer_id == viewer_id:
        raise ReviewRefused("same_person")


def _at_level(reach: Reach) -> None:
    if not reach.staff_anywhere:
        raise ReviewRefused("not_staff")
    if not reach.has_level:
        raise ReviewRefused("no_level", status_code=409)
    if not reach.staff_at_level:
        raise ReviewRefused("not_here")


def may_follow_up(reach: Reach) -> bool:
    return _passes(check_follow_up, reach)


def may_propose(reach: Reach, excluded: bool, pending: bool) -> bool:
    return _passes(check_propose, reach, excluded, pending)


def may_decide(reach: Reach, pending: bool, proposer_id: int | None, viewer_id: int | None) -> bool:
    return _passes(check_decide, reach, pending, proposer_id, viewer_id)


def _passes(check, *args) -> bool:
    try:
        check(*args)
    except ReviewRefused:
        return False
    return True


# ---------------------------------------------------------------- input


class ReviewInputError(InputError):
    """Bad input for a follow-up or an unreasonable-order form: field -> FieldError."""


@dataclass(frozen=True)
class FollowUp:
    channel: str
    outcome: str
    reason: str


def parse_follow_up(form: Mapping[str, object]) -> FollowUp:
    errors = FormErrors()
    values = {}
    for name, allowed in (("channel", CHANNELS), ("outcome", OUTCOMES), ("reason", REASONS)):
        values[name], error = choice(form.get(name), set(allowed))
        errors.add(name, error)
    errors.raise_if_any(ReviewInputError)
    return FollowUp(**values)


def parse_proposal(form: Mapping[str, object]) -> str:
    errors = FormErrors()
    reason, error = text(form.get("reason"), REASON_LENGTH, multiline=True)
    errors.add("reason", error)
    errors.raise_if_any(ReviewInputError)
    return reason


CONFIRM_NEEDED = N_("Tick the box: a decision cannot be changed afterwards.")


def parse_decision(form: Mapping[str, object]) -> tuple[str, str]:
    """(approved | declined, reason); the decision is final, so a ticked confirmation is needed."""
    errors = FormErrors()
    decision, error = choice(form.get("decision"), set(DECISIONS))
    errors.add("decision", error)
    reason, error = text(form.get("reason"), REASON_LENGTH, multiline=True)
    errors.add("reason", error)
    if form.get("confirm") != "yes":
        errors.add("confirm", FieldError("confirm", CONFIRM_NEEDED, {}))
    errors.raise_if_any(ReviewInputError)
    return (APPROVED if decision == "approve" else DECLINED), reason
