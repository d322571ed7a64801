"""The rules of a meeting (议事会 · 红色议事厅 · 民情分析会), pure: no database, no web.

A meeting is ``scheduled`` by the committee of a place, then ``held`` once staff record it
(attendance, head count, minutes), or ``cancelled`` before it starts. ``STEPS`` says, per
step, in which states it may be taken, whether before or after the meeting starts, and who
(roles at the meeting's place) may take it: the command (to refuse), the pages (to show
links and forms) and the tests all read it.

A decision on an agenda topic is one of the topic's own lifecycle actions (``DECISIONS``):
the meeting decides with the authority of the committee and staff of its place
(``MEETING_ROLES``), so the staff member who records an "open the discussion" decided by
the meeting does not need the committee role; whether the move is allowed in the topic's
state is still the topics lifecycle's question (``consult.topics.lifecycle.next_state``).
Merging is left to the online screening (it needs a second topic picked from a list).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from consult.messages import N_, Refusal
from consult.roles import Role, effective_roles
from consult.meetings.labels import STATE_LABELS
from consult.topics.lifecycle import ACTION_ROLES, TERMINAL_STATES, TRANSITIONS, Action, TopicState


class MeetingKind(StrEnum):
    council = "council"  # 居民议事会
    red_hall = "red_hall"  # 红色议事厅
    analysis = "analysis"  # 民情分析会


class MeetingState(StrEnum):
    scheduled = "scheduled"
    held = "held"
    cancelled = "cancelled"


class Step(StrEnum):
    edit = "edit"
    cancel = "cancel"
    record = "record"
    decide = "decide"


class When(StrEnum):
    before = "before"  # while the meeting has not started
    after = "after"  # once it has started


@dataclass(frozen=True)
class StepRule:
    states: frozenset[MeetingState]
    when: When
    roles: frozenset[str]


_COMMITTEE = frozenset({Role.committee.value})
_RECORDERS = frozenset({Role.staff.value, Role.committee.value})
M = MeetingState

STEPS: dict[Step, StepRule] = {
    Step.edit: StepRule(frozenset({M.scheduled}), When.before, _COMMITTEE),
    Step.cancel: StepRule(frozenset({M.scheduled}), When.before, _COMMITTEE),
    Step.record: StepRule(frozenset({M.scheduled, M.held}), When.after, _RECORDERS),
    Step.decide: StepRule(frozenset({M.held}), When.after, _RECORDERS),
}
# Who schedules a meeting of a place (there is no meeting yet).
SCHEDULE_ROLES = _COMMITTEE

# The roles a meeting decides with, and the topic moves it may decide (each one the
# committee or staff takes online; the automatic steps of the vote and the evaluation stay
# the system's, and the author's withdrawal the author's).
MEETING_ROLES: frozenset[str] = frozenset({Role.committee.value, Role.staff.value})
DECISIONS: tuple[Action, ...] = (
    Action.open_discussion, Action.reject, Action.refer, Action.form_project,
    Action.start_implementation, Action.open_evaluation,
)
# Topics a meeting may put on its agenda: those that can still move (not in a final state).
AGENDA_STATES: frozenset[TopicState] = frozenset(TopicState) - TERMINAL_STATES
MAX_AGENDA = 20


def decisions_in(state: str) -> tuple[Action, ...]:
    """The decisions a meeting may take on a topic in ``state`` (the topics lifecycle's table)."""
    return tuple(a for a in DECISIONS if (TopicState(state), a) in TRANSITIONS and ACTION_ROLES[a] & MEETING_ROLES)


class MeetingRefused(Refusal):
    status_code = 409
    MESSAGES = {
        "role": N_("Your role does not reach this meeting's place, or does not take this step there."),
        "schedule_role": N_("Your role does not reach this place: its own committee schedules its meetings."),
        "state": N_("This meeting is {state}: this cannot be done any more."),
        "started": N_("This meeting has started: it can no longer be changed or cancelled, only recorded."),
        "not_started": N_("This meeting has not started yet: it is recorded at or after the meeting."),
        "not_on_agenda": N_("This topic is not on the meeting's agenda."),
        "decided": N_("The meeting has already recorded a decision on this topic."),
        "not_a_decision": N_("A meeting cannot decide this."),
    }
    PARAM_LABELS = {"state": STATE_LABELS}


def check(step: Step, state: str, starts_at: datetime, now: datetime, roles: frozenset[str]) -> None:
    """Refuse ``step`` unless ``STEPS`` allows it (roles as held at the meeting's place)."""
    rule = STEPS[step]
    if not effective_roles(roles) & rule.roles:
        raise MeetingRefused("role", status_code=403)
    if MeetingState(state) not in rule.states:
        raise MeetingRefused("state", state=str(state))
    started = now >= starts_at
    if rule.when is When.before and started:
        raise MeetingRefused("started")
    if rule.when is When.after and not started:
        raise MeetingRefused("not_started")


def allowed_steps(state: str, starts_at: datetime, now: datetime, roles: frozenset[str]) -> frozenset[Step]:
    out = set()
    for step in Step:
        try:
            check(step, state, starts_at, now, roles)
        except MeetingRefused:
            continue
        out.add(step)
    return frozenset(out)

