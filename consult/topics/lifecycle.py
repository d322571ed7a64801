"""The lifecycle of a topic (议题), as pure rules: no database, no web, no I/O.

The deliberation loop of SPEC §2 lives here as tables that the commands (to refuse),
the pages (to show buttons and forms) and the queries (their SQL state sets) all read:

* ``TRANSITIONS`` maps ``(state, action)`` to the next state;
* ``ACTION_ROLES`` maps each transition action to the roles that may take it;
* ``ACTION_INPUTS`` says what each action takes from the person taking it, field by
  field: the page draws its form from it, the single action route reads those fields
  and ``consult.topics.forms`` checks them by it;
* ``ACTIVITY_RULES`` says who may do the things that do not move the topic
  (second, comment, stance, flag, moderation, progress, supervision, rating) and in
  which states.

A refusal raises one ``TransitionRefused`` (409; "not here", 403, for a role held only
at another place), its ``state`` and ``action`` shown by their labels. Roles: see
``consult.roles`` (``admin`` implies every human role, never ``system``, the pseudo-role
of the automatic steps; ``party_member`` implies ``resident``).

Activity decisions (``ACTIVITY_RULES``):

* ``propose``: resident-capable roles; there is no topic yet (``state=None``).
* ``second``: resident-capable; while ``proposed`` or ``discussing`` (once per
  resident per topic is a database rule; not one's own topic: ``permissions``).
* ``comment`` / ``reply`` / ``stance``: resident-capable; only while ``discussing``.
* ``flag``: resident-capable; in every state in which comments can exist; never
  one's own comment (``own_excluded``); "once per comment" is a database rule.
* ``pin`` / ``hide`` / ``unhide`` / ``dismiss_flags``: committee; in the same states as ``flag``.
* ``edit``: the author (resident-capable), own topic only, while ``proposed``; so is
  the transition ``withdraw`` (``AUTHOR_ACTIONS``, after a confirmation page).
* ``mark_guidance``: party_member, own comment only (``own_only``), while discussing.
* ``progress``: staff; only while ``implementing``.
* ``supervision_note``: representative or resident-capable; while ``project``,
  ``implementing`` or ``evaluating``.
* ``rate``: a representative (any grid, unless the place's ``other_grids_rate``
  setting is off: then of the topic's grid) or a resident-capable account of the
  topic's grid (``in_topic_grid=True``); only while ``evaluating``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from consult.messages import N_, Refusal
from consult.places.settings import DEFAULTS, PlaceSettings
from consult.roles import SYSTEM, Role, effective_roles, elsewhere_of
from consult.topics.labels import ACTION_LABELS, STATE_LABELS


class TopicState(StrEnum):
    proposed = "proposed"  # 已提出
    discussing = "discussing"  # 讨论中
    rejected = "rejected"  # 不予立项
    referred = "referred"  # 已转办
    merged = "merged"  # 已合并
    project = "project"  # 已形成项目
    implementing = "implementing"  # 实施中
    not_elected = "not_elected"  # 未当选
    evaluating = "evaluating"  # 评估中
    closed = "closed"  # 已办结
    withdrawn = "withdrawn"  # 已撤回: its author took it back before screening


S = TopicState
TERMINAL_STATES: frozenset[TopicState] = frozenset(
    {S.rejected, S.referred, S.merged, S.not_elected, S.closed, S.withdrawn}
)
# States in which a topic has a project sheet whose deadline still binds.
OPEN_PROJECT_STATES: frozenset[TopicState] = frozenset({S.project, S.implementing, S.evaluating})
# States in which a topic may hold comments (everything reachable from discussing).
STATES_WITH_COMMENTS: frozenset[TopicState] = frozenset(
    {S.discussing, S.rejected, S.project, S.implementing, S.not_elected, S.evaluating, S.closed}
)
# States in which a person may still second a topic, and the topics a merge may join.
SECONDABLE_STATES: frozenset[TopicState] = frozenset({S.proposed, S.discussing})
MERGE_TARGET_STATES: frozenset[TopicState] = SECONDABLE_STATES
# Which date is "the" deadline of a topic in each state (the list's "due" column).
LIVE_DEADLINES: dict[str, frozenset[TopicState]] = {
    "discussion_ends_on": frozenset({S.discussing}),
    "evaluation_ends_on": frozenset({S.evaluating}),
    "deadline": frozenset({S.project, S.implementing}),
}


def state_values(states: Iterable[TopicState]) -> tuple[str, ...]:
    """A state set as sorted plain values (for SQL ``IN`` lists)."""
    return tuple(sorted(s.value for s in states))


class Action(StrEnum):
    """Actions that move a topic from one state to another."""

    open_discussion = "open_discussion"
    reject = "reject"
    refer = "refer"
    merge = "merge"
    form_project = "form_project"
    start_implementation = "start_implementation"
    elect = "elect"
    mark_not_elected = "mark_not_elected"
    open_evaluation = "open_evaluation"
    close_satisfied = "close_satisfied"
    second_handling = "second_handling"
    withdraw = "withdraw"


A = Action

TRANSITIONS: dict[tuple[TopicState, Action], TopicState] = {
    (S.proposed, A.open_discussion): S.discussing,
    (S.proposed, A.reject): S.rejected,
    (S.proposed, A.refer): S.referred,
    (S.proposed, A.merge): S.merged,
    (S.discussing, A.form_project): S.project,
    (S.discussing, A.reject): S.rejected,
    (S.project, A.start_implementation): S.implementing,
    (S.project, A.elect): S.implementing,
    (S.project, A.mark_not_elected): S.not_elected,
    (S.implementing, A.open_evaluation): S.evaluating,
    (S.evaluating, A.close_satisfied): S.closed,
    (S.evaluating, A.second_handling): S.implementing,
    (S.proposed, A.withdraw): S.withdrawn,
}

_COMMITTEE = frozenset({Role.committee})
_STAFF = frozenset({Role.staff})
ACTION_ROLES: dict[Action, frozenset[str]] = {
    A.open_discussion: _COMMITTEE,
    A.reject: _COMMITTEE,
    A.refer: _COMMITTEE,
    A.merge: _COMMITTEE,
    A.form_project: _COMMITTEE,
    A.start_implementation: _STAFF,
    A.elect: frozenset({SYSTEM}),
    A.mark_not_elected: frozenset({SYSTEM}),
    A.open_evaluation: _STAFF,
    A.close_satisfied: frozenset({Role.staff, SYSTEM}),
    A.second_handling: frozenset({Role.staff, SYSTEM}),
    A.withdraw: frozenset({Role.resident}),
}

# Actions only the topic's own author takes (on top of the role): the page offers them to
# the author alone, apart from the committee's and staff's next steps, on their own route.
AUTHOR_ACTIONS: frozenset[Action] = frozenset({A.withdraw})
# Taken by the evaluation rule (window end, or staff ending it early), never by hand.
RULE_ACTIONS: frozenset[Action] = frozenset({A.close_satisfied, A.second_handling})
# The actions of the one action route (``/topics/{id}/actions/{action}``).
ROUTED_ACTIONS: tuple[Action, ...] = tuple(a for a in Action if a not in AUTHOR_ACTIONS | RULE_ACTIONS)

# Actions after which the topic enters a new handling round (二次办理).
ROUND_ACTIONS: frozenset[Action] = frozenset({A.second_handling})


def round_after(action: Action, current_round: int) -> int:
    """The round counter after ``action``: +1 for second handling, else unchanged."""
    return current_round + 1 if action in ROUND_ACTIONS else current_round


# --------------------------------------------------------------------------- what each action takes


class FundingRoute(StrEnum):
    community = "community"  # decided by the committee
    annual_vote = "annual_vote"  # candidate for the next annual vote


class InputKind(StrEnum):
    line = "line"  # one line of text
    text = "text"  # a textarea
    future_date = "future_date"  # a date after today (empty: today + default_days)
    topic = "topic"  # the number of another topic
    yuan = "yuan"  # a whole number of yuan
    choice = "choice"  # one of ``choices``


@dataclass(frozen=True)
class ActionInput:
    """One field an action takes: how it is checked and how its form shows it."""

    name: str
    label: str
    kind: InputKind
    length: tuple[int, int] = (0, 0)
    default_days: int | None = None
    max_days: int | None = None
    choices: tuple[str, ...] = ()
    hint: str = ""
    prefill: str = ""  # the topic's field whose value the form starts with
    setting: str = ""  # the place setting (consult.places.settings) that replaces default_days

    @property
    def required(self) -> bool:
        """A field with a default may be left empty."""
        return self.default_days is None

    def days_at(self, settings: PlaceSettings | None) -> int | None:
        """The default days where the topic is: its place's setting, else ``default_days``."""
        if self.setting and settings is not None:
            return getattr(settings, self.setting)
        return self.default_days


# The built-in defaults; each place may set its own (``ActionInput.setting``).
DISCUSSION_DEFAULT_DAYS = DEFAULTS.discussion_days
DISCUSSION_MAX_DAYS = 365
EVALUATION_DEFAULT_DAYS = DEFAULTS.evaluation_days
EVALUATION_MAX_DAYS = 365
TITLE_LENGTH = (4, 80)
REASON_LENGTH = (4, 1000)
MAX_COST_YUAN = 10**10
_DEFAULT_DAYS = N_("Default: {days} days from today.")

ACTION_INPUTS: dict[Action, tuple[ActionInput, ...]] = {
    A.open_discussion: (
        ActionInput("end_date", N_("Discussion end date"), InputKind.future_date,
                    default_days=DISCUSSION_DEFAULT_DAYS, max_days=DISCUSSION_MAX_DAYS, hint=_DEFAULT_DAYS,
                    setting="discussion_days"),
    ),
    A.reject: (
        ActionInput("reason", N_("Public reason"), InputKind.text, REASON_LENGTH, hint=N_("Shown on the topic page.")),
    ),
    A.refer: (
        ActionInput("department", N_("Department it is handed to"), InputKind.line, (2, 100)),
        ActionInput("reference_number", N_("Reference number"), InputKind.line, (1, 50)),
    ),
    A.merge: (
        ActionInput("target_id", N_("Topic it joins"), InputKind.topic,
                    hint=N_("Seconds and followers carry over to that topic.")),
    ),
    A.form_project: (
        ActionInput("consensus_summary", N_("Consensus summary"), InputKind.text, (10, 5000)),
        ActionInput("title", N_("Project title"), InputKind.line, TITLE_LENGTH, prefill="title"),
        ActionInput("scope", N_("Scope"), InputKind.text, (10, 5000)),
        ActionInput("estimated_cost", N_("Estimated cost (yuan)"), InputKind.yuan, (0, MAX_COST_YUAN),
                    hint=N_("A whole number of yuan.")),
        ActionInput("responsible_unit", N_("Responsible unit"), InputKind.line, (2, 100)),
        ActionInput("responsible_person", N_("Responsible person"), InputKind.line, (2, 50)),
        ActionInput("deadline", N_("Deadline"), InputKind.future_date),
        ActionInput("funding_route", N_("Funding route"), InputKind.choice, choices=tuple(FundingRoute)),
    ),
    A.start_implementation: (),
    A.elect: (),
    A.mark_not_elected: (),
    A.open_evaluation: (
        ActionInput("end_date", N_("Evaluation window ends on"), InputKind.future_date,
                    default_days=EVALUATION_DEFAULT_DAYS, max_days=EVALUATION_MAX_DAYS, hint=_DEFAULT_DAYS,
                    setting="evaluation_days"),
    ),
    A.close_satisfied: (),
    A.second_handling: (),
    A.withdraw: (),
}

SCREENING_ACTIONS: frozenset[Action] = frozenset({A.open_discussion, A.reject, A.refer, A.merge})

del S, A


# --------------------------------------------------------------------------- refusals


class _TopicRefusal(Refusal):
    """A refusal on a topic: 409, shown in the topic page's alert area."""

    status_code = 409
    ALERT_ID = "topic-alert"


class TransitionRefused(_TopicRefusal):
    """A transition or activity the rules do not allow. Nothing must change."""

    MESSAGES = {
        "unknown_action": N_("“{action}” is not an action on topics."),
        "wrong_state": N_("“{action}” is not possible while the topic is {state}."),
        "role_not_allowed": N_("Your role does not allow you to “{action}”."),
        "not_here": N_("Your role does not reach this topic's community, so you may not “{action}” here."),
        "not_in_grid": N_("Only residents of the topic's grid or representatives may “{action}”."),
        "not_own_comment": N_("You may “{action}” only on your own comment."),
        "own_comment": N_("You may not “{action}” your own comment."),
        "not_own_topic": N_("Only the resident who proposed this topic may “{action}” it."),
    }
    PARAM_LABELS = {
        "state": {**STATE_LABELS, None: N_("not yet proposed"), "": N_("not yet proposed")},
        "action": ACTION_LABELS,
    }


class TopicRefused(_TopicRefusal):
    """A refusal that is not a transition rule: already done, or one's own item."""

    MESSAGES = {
        "own_topic": N_("You proposed this topic; seconds come from other residents."),
        "already_seconded": N_("You have already seconded this topic."),
        "stance_conflict": N_("Your stance changed at the same time elsewhere; reload and try again."),
        "already_flagged": N_("You have already flagged this comment."),
        "already_hidden": N_("This comment is already hidden."),
        "not_hidden": N_("This comment is not hidden."),
        "no_open_flags": N_("This comment has no open flags (someone may have dealt with them already)."),
        "already_rated": N_("You have already rated this project in this round."),
    }


def _as_action(action: Action | str) -> Action:
    try:
        return Action(action)
    except ValueError:
        raise TransitionRefused("unknown_action", action=action) from None


def allowed_actions(state: TopicState, roles: Iterable[str]) -> list[Action]:
    """The transitions ``roles`` may take from ``state``, in ``Action`` order."""
    held = effective_roles(roles)
    return [action for action in Action if (state, action) in TRANSITIONS and held & ACTION_ROLES[action]]


def next_state(state: TopicState, action: Action | str, roles: Iterable[str]) -> TopicState:
    """The state after ``action``, or ``TransitionRefused``: the state is checked first
    (``wrong_state``: the action does not exist here for anyone), then the role."""
    action = _as_action(action)
    state = TopicState(state)
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise TransitionRefused("wrong_state", action=action, state=state)
    if not effective_roles(roles) & ACTION_ROLES[action]:
        raise _role_refusal(ACTION_ROLES[action], roles, action, state)
    return target


# --------------------------------------------------------------------------- activities


class Activity(StrEnum):
    """Things done on a topic that do not change its state."""

    propose = "propose"
    second = "second"
    comment = "comment"
    reply = "reply"
    stance = "stance"
    flag = "flag"
    pin = "pin"
    hide = "hide"
    mark_guidance = "mark_guidance"
    progress = "progress"
    supervision_note = "supervision_note"
    rate = "rate"
    edit = "edit"
    unhide = "unhide"
    dismiss_flags = "dismiss_flags"


@dataclass(frozen=True)
class ActivityRule:
    """Who may do an activity, and in which states.

    ``roles`` may always act (in ``states``); ``grid_roles`` may act only on a topic
    of their own grid; ``own_only`` restricts the activity to the actor's own item,
    ``own_excluded`` forbids it on the actor's own item. ``states`` containing
    ``None`` means "before the topic exists". ``anywhere_setting`` names the place
    setting (consult.places.settings) that lets ``roles`` act from any grid: where it
    is off, they too act only on a topic of their own grid.
    """

    roles: frozenset[str]
    states: frozenset[TopicState | None]
    grid_roles: frozenset[str] = field(default_factory=frozenset)
    own_only: bool = False
    own_excluded: bool = False
    anywhere_setting: str = ""

    def at(self, settings: PlaceSettings | None) -> ActivityRule:
        """The rule where the topic is: ``roles`` become grid roles where the place's
        ``anywhere_setting`` is off."""
        if not self.anywhere_setting or settings is None or getattr(settings, self.anywhere_setting):
            return self
        return ActivityRule(frozenset(), self.states, self.grid_roles | self.roles, self.own_only, self.own_excluded)


_RESIDENT = frozenset({Role.resident})
_DISCUSSING = frozenset({TopicState.discussing})

ACTIVITY_RULES: dict[Activity, ActivityRule] = {
    Activity.propose: ActivityRule(_RESIDENT, frozenset({None})),
    Activity.second: ActivityRule(_RESIDENT, SECONDABLE_STATES),
    Activity.comment: ActivityRule(_RESIDENT, _DISCUSSING),
    Activity.reply: ActivityRule(_RESIDENT, _DISCUSSING),
    Activity.stance: ActivityRule(_RESIDENT, _DISCUSSING),
    Activity.flag: ActivityRule(_RESIDENT, STATES_WITH_COMMENTS, own_excluded=True),
    Activity.pin: ActivityRule(_COMMITTEE, STATES_WITH_COMMENTS),
    Activity.hide: ActivityRule(_COMMITTEE, STATES_WITH_COMMENTS),
    # who may hide may un-hide, and clear the flags of a comment they looked at
    Activity.unhide: ActivityRule(_COMMITTEE, STATES_WITH_COMMENTS),
    Activity.dismiss_flags: ActivityRule(_COMMITTEE, STATES_WITH_COMMENTS),
    Activity.mark_guidance: ActivityRule(frozenset({Role.party_member}), _DISCUSSING, own_only=True),
    Activity.progress: ActivityRule(_STAFF, frozenset({TopicState.implementing})),
    Activity.supervision_note: ActivityRule(frozenset({Role.representative, Role.resident}), OPEN_PROJECT_STATES),
    Activity.rate: ActivityRule(
        frozenset({Role.representative}), frozenset({TopicState.evaluating}), grid_roles=_RESIDENT,
        anywhere_setting="other_grids_rate",
    ),
    # the author corrects their own topic until the committee has screened it
    Activity.edit: ActivityRule(_RESIDENT, frozenset({TopicState.proposed}), own_only=True),
}


def _as_activity(activity: Activity | str) -> Activity:
    try:
        return Activity(activity)
    except ValueError:
        raise TransitionRefused("unknown_action", action=activity) from None


def _refusal(rule: ActivityRule, state: TopicState | None, held: frozenset[str], in_topic_grid: bool,
             is_author: bool) -> str | None:
    """Why ``rule`` refuses (a ``TransitionRefused`` code), or None: state, role, grid,
    authorship, in this order."""
    if state not in rule.states:
        return "wrong_state"
    if not held & rule.roles:
        if not held & rule.grid_roles:
            return "role_not_allowed"
        if not in_topic_grid:
            return "not_in_grid"
    if rule.own_only and not is_author:
        return "not_own_comment"
    return None


def _role_refusal(allowed: frozenset[str], roles: Iterable[str], action, state) -> TransitionRefused:
    """"Not your role" — or, when the person holds an allowed role at another place (the
    committee of another community), "not here" (403: the role exists, the reach does not)."""
    if effective_roles(elsewhere_of(roles)) & allowed:
        return TransitionRefused("not_here", status_code=403, action=action, state=state)
    return TransitionRefused("role_not_allowed", action=action, state=state)


def check(
    activity: Activity | str,
    state: TopicState | None,
    roles: Iterable[str],
    *,
    in_topic_grid: bool = False,
    is_author: bool = False,
    settings: PlaceSettings | None = None,
) -> None:
    """Raise ``TransitionRefused`` unless ``roles`` may do ``activity`` in ``state``.

    ``in_topic_grid``: the actor belongs to the topic's grid (needed by residents to
    rate). ``is_author``: the item acted on is the actor's own (mark_guidance).
    ``settings``: those of the topic's place (None: the built-in defaults).
    Order of checks: state, role, grid, authorship. ``own_excluded`` is about one item
    and is checked by ``check_item``.
    """
    activity = _as_activity(activity)
    if state is not None:
        state = TopicState(state)
    rule = ACTIVITY_RULES[activity].at(settings)
    code = _refusal(rule, state, effective_roles(roles), in_topic_grid, is_author)
    if code == "role_not_allowed":
        raise _role_refusal(rule.roles | rule.grid_roles, roles, activity, state)
    if code is not None:
        raise TransitionRefused(code, action=activity, state=state)


def check_item(activity: Activity | str, is_author: bool) -> None:
    """Refuse an activity that is never done on one's own item (flagging one's own comment)."""
    activity = _as_activity(activity)
    if ACTIVITY_RULES[activity].own_excluded and is_author:
        raise TransitionRefused("own_comment", action=activity)


def can(
    activity: Activity | str,
    state: TopicState | None,
    roles: Iterable[str],
    *,
    in_topic_grid: bool = False,
    is_author: bool = False,
    settings: PlaceSettings | None = None,
) -> bool:
    """Whether ``check`` would pass (for showing or hiding a button)."""
    try:
        rule = ACTIVITY_RULES[Activity(activity)].at(settings)
    except ValueError:
        return False
    held = effective_roles(roles)
    return _refusal(rule, None if state is None else TopicState(state), held, in_topic_grid, is_author) is None


def allowed_activities(
    state: TopicState | None, roles: Iterable[str], *, in_topic_grid: bool = False, is_author: bool = False,
    settings: PlaceSettings | None = None,
) -> list[Activity]:
    """The activities ``roles`` may do in ``state``, in ``Activity`` order."""
    held = effective_roles(roles)
    return [a for a in Activity
            if can(a, state, held, in_topic_grid=in_topic_grid, is_author=is_author, settings=settings)]

