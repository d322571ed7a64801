"""The lifecycle of a topic (议题), as pure rules: no database, no web, no I/O.

The deliberation loop of SPEC §2 lives here as tables that the service (to refuse)
and the templates (to show buttons) both read:

* ``TRANSITIONS`` maps ``(state, action)`` to the next state;
* ``ACTION_ROLES`` maps each transition action to the roles that may take it;
* ``ACTIVITY_RULES`` says who may do the things that do not move the topic
  (second, comment, stance, flag, moderation, progress, supervision, rating) and in
  which states.

A refused transition or activity raises one exception, ``TransitionRefused``, with a
stable ``code``, an English sentence template in ``.message`` with ``{placeholders}``
and the values in ``.params``; the web layer translates the template. Bad form input
raises ``TopicInputError`` carrying every field's error at once.

Role decisions (SPEC §1), applied by ``effective_roles``:

* Roles are plain strings: ``resident``, ``party_member``, ``committee``,
  ``representative``, ``staff``, ``admin``. Unknown strings are ignored. An
  unverified account or a visitor holds no role and may do nothing here.
* ``admin`` may do everything any other role may: it implies every human role.
  It does NOT imply the ``system`` pseudo-role: the automatic steps (``elect``,
  ``mark_not_elected``) are taken only by the application itself, never by a person.
* ``party_member`` implies ``resident`` ("everything a resident may").
* ``committee``, ``representative`` and ``staff`` do NOT imply ``resident``: a
  committee member, representative or community worker may propose, second,
  comment, take a stance, flag or rate as a resident only if the account also holds
  ``resident`` (one account can hold several roles). Their own powers are listed
  with each action/activity below (e.g. representatives may post supervision notes
  and rate any topic without being residents).
* ``system`` is a pseudo-role the service passes for automatic steps: the vote
  result (``elect`` / ``mark_not_elected``) and the end of an evaluation window
  (``close_satisfied`` / ``second_handling``, which staff may also take).

Activity decisions (``ACTIVITY_RULES``):

* ``propose``: resident-capable roles; there is no topic yet, so it is checked with
  ``state=None``.
* ``second``: resident-capable; while ``proposed`` or ``discussing``. One per
  resident per topic is a database uniqueness rule, not checked here.
* ``comment`` / ``reply`` / ``stance``: resident-capable; only while ``discussing``
  (a stance is changeable until the discussion closes, i.e. while discussing).
* ``flag``: resident-capable; in every state in which comments can exist, i.e. every
  state reachable from ``discussing`` (not ``proposed``, ``referred``, ``merged``).
  "Once per comment" is a database rule.
* ``pin`` / ``hide``: committee; in the same states as ``flag``, so moderation stays
  possible after the discussion has closed.
* ``mark_guidance``: party_member, own comment only (``is_author=True``), while
  ``discussing`` (the discussion is frozen once it closes).
* ``progress``: staff; only while ``implementing``. Once the evaluation window is
  open the record being rated stays fixed; if residents are unsatisfied the topic
  goes back to ``implementing`` (二次办理) and progress can be posted again.
* ``supervision_note``: representative or resident-capable; while ``project``,
  ``implementing`` or ``evaluating``.
* ``rate``: a representative (any grid) or a resident-capable account of the
  topic's grid (``in_topic_grid=True``); only while ``evaluating``. One rating per
  person per round is a database rule.

Evaluation decision (``decide_evaluation``): fewer than ``min_ratings`` ratings and
the window not yet extended → ``extend`` (once); otherwise satisfaction rate
(满意 + 基本满意) / all ≥ threshold → ``close``, else ``second_handling``. After the
extension the decision is taken on whatever ratings there are; with zero ratings
there is no evidence of satisfaction, so it is ``second_handling``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any, NamedTuple

from consult.messages import N_


# --------------------------------------------------------------------------- roles

RESIDENT = "resident"
PARTY_MEMBER = "party_member"
COMMITTEE = "committee"
REPRESENTATIVE = "representative"
STAFF = "staff"
ADMIN = "admin"
SYSTEM = "system"  # pseudo-role: the application acting on its own

HUMAN_ROLES: frozenset[str] = frozenset(
    {RESIDENT, PARTY_MEMBER, COMMITTEE, REPRESENTATIVE, STAFF, ADMIN}
)
KNOWN_ROLES: frozenset[str] = HUMAN_ROLES | {SYSTEM}


def effective_roles(roles: Iterable[str]) -> frozenset[str]:
    """The roles an account acts with, after the implications in the module doc."""
    held = {str(role) for role in roles} & KNOWN_ROLES
    if ADMIN in held:
        held |= HUMAN_ROLES
    if PARTY_MEMBER in held:
        held.add(RESIDENT)
    return frozenset(held)


# --------------------------------------------------------------------------- states


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


TERMINAL_STATES: frozenset[TopicState] = frozenset(
    {
        TopicState.rejected,
        TopicState.referred,
        TopicState.merged,
        TopicState.not_elected,
        TopicState.closed,
    }
)
# States in which a topic has a project sheet whose deadline still binds.
OPEN_PROJECT_STATES: frozenset[TopicState] = frozenset(
    {TopicState.project, TopicState.implementing, TopicState.evaluating}
)
# States in which a topic may hold comments (everything reachable from discussing).
STATES_WITH_COMMENTS: frozenset[TopicState] = frozenset(
    {
        TopicState.discussing,
        TopicState.rejected,
        TopicState.project,
        TopicState.implementing,
        TopicState.not_elected,
        TopicState.evaluating,
        TopicState.closed,
    }
)


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


S, A = TopicState, Action

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
}

ACTION_ROLES: dict[Action, frozenset[str]] = {
    A.open_discussion: frozenset({COMMITTEE}),
    A.reject: frozenset({COMMITTEE}),
    A.refer: frozenset({COMMITTEE}),
    A.merge: frozenset({COMMITTEE}),
    A.form_project: frozenset({COMMITTEE}),
    A.start_implementation: frozenset({STAFF}),
    A.elect: frozenset({SYSTEM}),
    A.mark_not_elected: frozenset({SYSTEM}),
    A.open_evaluation: frozenset({STAFF}),
    A.close_satisfied: frozenset({STAFF, SYSTEM}),
    A.second_handling: frozenset({STAFF, SYSTEM}),
}

# What each action needs from the person taking it (the validators below check it).
ACTION_INPUTS: dict[Action, tuple[str, ...]] = {
    A.open_discussion: ("end_date",),
    A.reject: ("reason",),
    A.refer: ("department", "reference_number"),
    A.merge: ("target_id",),
    A.form_project: (
        "consensus_summary",
        "title",
        "scope",
        "estimated_cost",
        "responsible_unit",
        "responsible_person",
        "deadline",
        "funding_route",
    ),
    A.start_implementation: (),
    A.elect: (),
    A.mark_not_elected: (),
    A.open_evaluation: ("end_date",),
    A.close_satisfied: (),
    A.second_handling: (),
}

# Actions after which the topic enters a new handling round (二次办理).
ROUND_ACTIONS: frozenset[Action] = frozenset({A.second_handling})

del S, A


def round_after(action: Action, current_round: int) -> int:
    """The round counter after ``action``: +1 for second handling, else unchanged."""
    return current_round + 1 if action in ROUND_ACTIONS else current_round


# --------------------------------------------------------------------------- refusals


class TransitionRefused(Exception):
    """A transition or activity the rules do not allow. Nothing must change.

    ``code`` is stable (map it to an HTTP status once); ``message`` is an English
    sentence template whose ``{placeholders}`` are filled from ``params`` after
    translation.
    """

    MESSAGES: dict[str, str] = {
        "unknown_action": N_("“{action}” is not an action on topics."),
        "wrong_state": N_("“{action}” is not possible while the topic is {state}."),
        "role_not_allowed": N_("Your role does not allow you to “{action}”."),
        "not_in_grid": N_("Only residents of the topic's grid or representatives may “{action}”."),
        "not_own_comment": N_("You may “{action}” only on your own comment."),
    }

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        self.message = self.MESSAGES[code]
        super().__init__(self.render())

    def render(self) -> str:
        """The untranslated English sentence (logs, tests)."""
        return self.message.format(**{k: str(v) for k, v in self.params.items()})


def _as_action(action: Action | str) -> Action:
    try:
        return Action(action)
    except ValueError:
        raise TransitionRefused("unknown_action", action=action) from None


def allowed_actions(state: TopicState, roles: Iterable[str]) -> list[Action]:
    """The transitions ``roles`` may take from ``state``, in ``Action`` order."""
    held = effective_roles(roles)
    return [
        action
        for action in Action
        if (state, action) in TRANSITIONS and held & ACTION_ROLES[action]
    ]


def next_state(
    state: TopicState, action: Action | str, roles: Iterable[str]
) -> TopicState:
    """The state after ``action``, or ``TransitionRefused``.

    The state is checked first (``wrong_state``: the action does not exist here for
    anyone), then the role (``role_not_allowed``).
    """
    action = _as_action(action)
    state = TopicState(state)
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise TransitionRefused("wrong_state", action=action, state=state)
    if not effective_roles(roles) & ACTION_ROLES[action]:
        raise TransitionRefused("role_not_allowed", action=action, state=state)
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


@dataclass(frozen=True)
class ActivityRule:
    """Who may do an activity, and in which states.

    ``roles`` may always act (in ``states``); ``grid_roles`` may act only on a topic
    of their own grid; ``own_only`` restricts the activity to the actor's own item.
    ``states`` containing ``None`` means "before the topic exists".
    """

    roles: frozenset[str]
    states: frozenset[TopicState | None]
    grid_roles: frozenset[str] = field(default_factory=frozenset)
    own_only: bool = False


_DISCUSSING = frozenset({TopicState.discussing})

ACTIVITY_RULES: dict[Activity, ActivityRule] = {
    Activity.propose: ActivityRule(frozenset({RESIDENT}), frozenset({None})),
    Activity.second: ActivityRule(
        frozenset({RESIDENT}),
        frozenset({TopicState.proposed, TopicState.discussing}),
    ),
    Activity.comment: ActivityRule(frozenset({RESIDENT}), _DISCUSSING),
    Activity.reply: ActivityRule(frozenset({RESIDENT}), _DISCUSSING),
    Activity.stance: ActivityRule(frozenset({RESIDENT}), _DISCUSSING),
    Activity.flag: ActivityRule(frozenset({RESIDENT}), STATES_WITH_COMMENTS),
    Activity.pin: ActivityRule(frozenset({COMMITTEE}), STATES_WITH_COMMENTS),
    Activity.hide: ActivityRule(frozenset({COMMITTEE}), STATES_WITH_COMMENTS),
    Activity.mark_guidance: ActivityRule(
        frozenset({PARTY_MEMBER}), _DISCUSSING, own_only=True
    ),
    Activity.progress: ActivityRule(
        frozenset({STAFF}), frozenset({TopicState.implementing})
    ),
    Activity.supervision_note: ActivityRule(
        frozenset({REPRESENTATIVE, RESIDENT}),
        frozenset({TopicState.project, TopicState.implementing, TopicState.evaluating}),
    ),
    Activity.rate: ActivityRule(
        frozenset({REPRESENTATIVE}),
        frozenset({TopicState.evaluating}),
        grid_roles=frozenset({RESIDENT}),
    ),
}


def _as_activity(activity: Activity | str) -> Activity:
    try:
        return Activity(activity)
    except ValueError:
        raise TransitionRefused("unknown_action", action=activity) from None


def check(
    activity: Activity | str,
    state: TopicState | None,
    roles: Iterable[str],
    *,
    in_topic_grid: bool = False,
    is_author: bool = False,
) -> None:
    """Raise ``TransitionRefused`` unless ``roles`` may do ``activity`` in ``state``.

    ``in_topic_grid``: the actor belongs to the topic's grid (needed by residents to
    rate). ``is_author``: the item acted on is the actor's own (mark_guidance).
    Order of checks: state, role, grid, authorship.
    """
    activity = _as_activity(activity)
    rule = ACTIVITY_RULES[activity]
    if state is not None:
        state = TopicState(state)
    if state not in rule.states:
        raise TransitionRefused("wrong_state", action=activity, state=state)
    held = effective_roles(roles)
    if not held & rule.roles:
        if not held & rule.grid_roles:
            raise TransitionRefused("role_not_allowed", action=activity, state=state)
        if not in_topic_grid:
            raise TransitionRefused("not_in_grid", action=activity, state=state)
    if rule.own_only and not is_author:
        raise TransitionRefused("not_own_comment", action=activity, state=state)


def can(
    activity: Activity | str,
    state: TopicState | None,
    roles: Iterable[str],
    *,
    in_topic_grid: bool = False,
    is_author: bool = False,
) -> bool:
    """Whether ``check`` would pass (for showing or hiding a button)."""
    try:
        check(activity, state, roles, in_topic_grid=in_topic_grid, is_author=is_author)
    except TransitionRefused:
        return False
    return True


def allowed_activities(
    state: TopicState | None,
    roles: Iterable[str],
    *,
    in_topic_grid: bool = False,
    is_author: bool = False,
) -> list[Activity]:
    """The activities ``roles`` may do in ``state``, in ``Activity`` order."""
    held = effective_roles(roles)
    return [
        activity
        for activity in Activity
        if can(activity, state, held, in_topic_grid=in_topic_grid, is_author=is_author)
    ]


# --------------------------------------------------------------------------- input


class FundingRoute(StrEnum):
    community = "community"  # decided by the committee
    annual_vote = "annual_vote"  # candidate for the next annual vote


class Rating(StrEnum):
    satisfied = "satisfied"  # 满意
    basically_satisfied = "basically_satisfied"  # 基本满意
    unsatisfied = "unsatisfied"  # 不满意


class Stance(StrEnum):
    support = "support"
    oppose = "oppose"
    neutral = "neutral"


TITLE_LENGTH = (4, 80)
DESCRIPTION_LENGTH = (10, 5000)
REASON_LENGTH = (4, 1000)
DEPARTMENT_LENGTH = (2, 100)
REFERENCE_LENGTH = (1, 50)
SCOPE_LENGTH = (10, 5000)
SUMMARY_LENGTH = (10, 5000)
UNIT_LENGTH = (2, 100)
PERSON_LENGTH = (2, 50)
PROGRESS_NOTE_LENGTH = (1, 2000)
COMMENT_LENGTH = (1, 2000)
RATING_COMMENT_MAX = 500
MAX_COST_YUAN = 10**10
DISCUSSION_DEFAULT_DAYS = 14
DISCUSSION_MAX_DAYS = 365
EVALUATION_DEFAULT_DAYS = 14
EVALUATION_EXTENSION_DAYS = 14
EVALUATION_MAX_DAYS = 365
RESPONSE_HOURS = 48
MERGE_TARGET_STATES: frozenset[TopicState] = frozenset(
    {TopicState.proposed, TopicState.discussing}
)


class FieldError(NamedTuple):
    """One field's error: ``(code, English message template, params)``."""

    code: str
    message: str
    params: dict[str, Any]


INPUT_MESSAGES: dict[str, str] = {
    "required": N_("This field is required."),
    "too_short": N_("Must be at least {min} characters."),
    "too_long": N_("Must be at most {max} characters."),
    "control_characters": N_("Must not contain control characters."),
    "not_a_choice": N_("Choose one of the listed options."),
    "not_integer": N_("Must be a whole number."),
    "negative": N_("Must not be negative."),
    "too_large": N_("Must be at most {max}."),
    "out_of_range": N_("Must be between {min} and {max}."),
    "invalid_date": N_("Enter a date as YYYY-MM-DD."),
    "not_in_future": N_("Must be a date after {today}."),
    "in_future": N_("Must not be a date after {today}."),
    "too_far": N_("Must be at most {max_days} days after {today}."),
    "same_topic": N_("A topic cannot be merged into itself."),
    "target_not_found": N_("There is no topic number {target_id}."),
    "target_wrong_state": N_("Topic {target_id} is {state}; only a proposed topic or one under discussion can take in another."),
}


def _error(code: str, **params: Any) -> FieldError:
    return FieldError(code, INPUT_MESSAGES[code], params)


class TopicInputError(ValueError):
    """Every invalid field of one form, as ``{field: FieldError}``."""

    def __init__(self, errors: Mapping[str, FieldError]) -> None:
        self.errors: dict[str, FieldError] = dict(errors)
        super().__init__(
            "; ".join(
                f"{name}: {err.message.format(**err.params)}"
                for name, err in self.errors.items()
            )
        )


class _Collector:
    """Gathers field errors so that a form reports all of them at once."""

    def __init__(self) -> None:
        self.errors: dict[str, FieldError] = {}

    def add(self, name: str, error: FieldError | None) -> None:
        if error is not None and name not in self.errors:
            self.errors[name] = error

    def raise_if_any(self) -> None:
        if self.errors:
            raise TopicInputError(self.errors)


def _has_control(text: str, *, multiline: bool) -> bool:
    # Unicode category Cc is exactly U+0000–U+001F and U+007F–U+009F.
    allowed = "\n\t" if multiline else ""
    return any(
        (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F) and ch not in allowed for ch in text
    )


def _text(
    value: object,
    length: tuple[int, int],
    *,
    multiline: bool,
    required: bool = True,
) -> tuple[str, FieldError | None]:
    """Strip and check one text field. Browsers send CRLF from a textarea: count it
    as one newline."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        return "", _error("required")
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    low, high = length
    if not text:
        return "", (_error("required") if required and low > 0 else None)
    if _has_control(text, multiline=multiline):
        return text, _error("control_characters")
    if len(text) < low:
        return text, _error("too_short", min=low, max=high)
    if len(text) > high:
        return text, _error("too_long", min=low, max=high)
    return text, None


_DIGITS = frozenset("0123456789")
MAX_ID = 2**31 - 1  # row ids are 32-bit (serial) on PostgreSQL: a larger number names no row


def _integer(value: object) -> tuple[int | None, FieldError | None]:
    """A whole number from an int or a string of ASCII digits (optional leading '-')."""
    if isinstance(value, bool):
        return None, _error("not_integer")
    if isinstance(value, int):
        return value, None
    if value is None:
        return None, _error("required")
    if not isinstance(value, str):
        return None, _error("not_integer")
    text = value.strip()
    if not text:
        return None, _error("required")
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if not digits or not set(digits) <= _DIGITS:
        return None, _error("not_integer")
    digits = digits.lstrip("0") or "0"
    # Beyond every limit here; stand in a bound so int() stays cheap on long input.
    number = int(digits) if len(digits) <= 30 else 10**31
    return (-number if negative else number), None


def _date(value: object) -> tuple[date | None, FieldError | None]:
    """A date from a ``date`` (a ``datetime`` is cut to its date) or ISO text."""
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, _error("required")
    if not isinstance(value, str):
        return None, _error("invalid_date")
    try:
        return date.fromisoformat(value.strip()), None
    except ValueError:
        return None, _error("invalid_date")


def _future_date(
    value: object, today: date, *, default_days: int | None = None, max_days: int | None = None
) -> tuple[date | None, FieldError | None]:
    """A date strictly after ``today``; empty input takes today + ``default_days``."""
    empty = value is None or (isinstance(value, str) and not value.strip())
    if empty and default_days is not None:
        return today + timedelta(days=default_days), None
    day, error = _date(value)
    if error is not None or day is None:
        return None, error
    if day <= today:
        return day, _error("not_in_future", today=today.isoformat())
    if max_days is not None and day > today + timedelta(days=max_days):
        return day, _error("too_far", today=today.isoformat(), max_days=max_days)
    return day, None


def _choice(value: object, allowed: Collection[Any]) -> tuple[Any, FieldError | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, _error("required")
    cleaned = value.strip() if isinstance(value, str) else value
    if cleaned in allowed:
        return cleaned, None
    return None, _error("not_a_choice")


def _id(value: object) -> tuple[int | None, FieldError | None]:
    number, error = _integer(value)
    if error is not None:
        return None, error if error.code == "required" else _error("not_a_choice")
    if number is None or number <= 0 or number > MAX_ID:
        return None, _error("not_a_choice")
    return number, None


@dataclass(frozen=True)
class ProposalInput:
    title: str
    description: str
    category: str
    grid_id: int


def validate_proposal(
    title: object,
    description: object,
    category: object,
    grid_id: object,
    allowed_categories: Collection[str],
    allowed_grid_ids: Collection[int],
) -> ProposalInput:
    """A new topic: title 4–80, description 10–5000 characters, a listed category and
    grid. ``grid_id`` may be the form's string."""
    errors = _Collector()
    clean_title, err = _text(title, TITLE_LENGTH, multiline=False)
    errors.add("title", err)
    clean_description, err = _text(description, DESCRIPTION_LENGTH, multiline=True)
    errors.add("description", err)
    clean_category, err = _choice(category, set(allowed_categories))
    errors.add("category", err)
    clean_grid, err = _id(grid_id)
    if err is None and clean_grid not in set(allowed_grid_ids):
        err = _error("not_a_choice")
    errors.add("grid_id", err)
    errors.raise_if_any()
    return ProposalInput(clean_title, clean_description, clean_category, clean_grid)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ScreeningInput:
    """What a screening decision carries; fields not used by the action are None."""

    action: Action
    end_date: date | None = None
    reason: str | None = None
    department: str | None = None
    reference_number: str | None = None
    target_id: int | None = None


SCREENING_ACTIONS: frozenset[Action] = frozenset(
    {Action.open_discussion, Action.reject, Action.refer, Action.merge}
)


def validate_screening(
    action: Action | str,
    *,
    today: date,
    end_date: object = None,
    reason: object = None,
    department: object = None,
    reference_number: object = None,
    target_id: object = None,
    topic_id: int | None = None,
    target_state: TopicState | str | None = None,
) -> ScreeningInput:
    """The input of one screening action (also ``reject`` from ``discussing``).

    * open_discussion: ``end_date`` after ``today`` and within a year; empty means
      today + 14 days.
    * reject: public ``reason``, 4–1000 characters.
    * refer: ``department`` (2–100) and ``reference_number`` (1–50).
    * merge: ``target_id`` of another topic; the service loads it and passes its
      state as ``target_state`` (None when there is no such topic); it must be
      proposed or discussing.
    """
    action = _as_action(action)
    if action not in SCREENING_ACTIONS:
        raise ValueError(f"{action} is not a screening action")
    errors = _Collector()
    result: dict[str, Any] = {}
    if action is Action.open_discussion:
        result["end_date"], err = _future_date(
            end_date, today, default_days=DISCUSSION_DEFAULT_DAYS, max_days=DISCUSSION_MAX_DAYS
        )
        errors.add("end_date", err)
    elif action is Action.reject:
        result["reason"], err = _text(reason, REASON_LENGTH, multiline=True)
        errors.add("reason", err)
    elif action is Action.refer:
        result["department"], err = _text(department, DEPARTMENT_LENGTH, multiline=False)
        errors.add("department", err)
        result["reference_number"], err = _text(
            reference_number, REFERENCE_LENGTH, multiline=False
        )
        errors.add("reference_number", err)
    else:  # merge
        target, err = _id(target_id)
        if err is not None and err.code == "not_a_choice":
            err = _error("target_not_found", target_id=target_id)
        if err is None and topic_id is not None and target == topic_id:
            err = _error("same_topic")
        if err is None and target_state is None:
            err = _error("target_not_found", target_id=target)
        if err is None and TopicState(target_state) not in MERGE_TARGET_STATES:  # type: ignore[arg-type]
            err = _error("target_wrong_state", target_id=target, state=TopicState(target_state))  # type: ignore[arg-type]
        errors.add("target_id", err)
        result["target_id"] = target
    errors.raise_if_any()
    return ScreeningInput(action=action, **result)


def validate_evaluation_window(end_date: object, today: date) -> date:
    """The end of the evaluation window: after today, within a year; empty = +14 days."""
    errors = _Collector()
    day, err = _future_date(
        end_date, today, default_days=EVALUATION_DEFAULT_DAYS, max_days=EVALUATION_MAX_DAYS
    )
    errors.add("end_date", err)
    errors.raise_if_any()
    return day  # type: ignore[return-value]


def extended_window_end(ends_on: date, today: date) -> date:
    """Where a once-extended evaluation window ends: 14 days after the later of its
    old end and today."""
    return max(ends_on, today) + timedelta(days=EVALUATION_EXTENSION_DAYS)


@dataclass(frozen=True)
class ProjectSheet:
    """问题清单 + 责任清单, with the committee's consensus summary."""

    title: str
    scope: str
    estimated_cost: int  # whole yuan
    responsible_unit: str
    responsible_person: str
    deadline: date
    funding_route: FundingRoute
    consensus_summary: str


def _cost(value: object) -> tuple[int | None, FieldError | None]:
    number, err = _integer(value)
    if err is not None:
        return None, err
    assert number is not None
    if number < 0:
        return None, _error("negative")
    if number > MAX_COST_YUAN:
        return None, _error("too_large", max=MAX_COST_YUAN)
    return number, None


def validate_project_sheet(
    title: object,
    scope: object,
    estimated_cost: object,
    responsible_unit: object,
    responsible_person: object,
    deadline: object,
    funding_route: object,
    consensus_summary: object,
    today: date,
) -> ProjectSheet:
    """The project sheet that closes a discussion. Cost: whole yuan 0–10^10 from a
    string of digits (no sign, decimals or separators); deadline after today."""
    errors = _Collector()
    values: dict[str, Any] = {}
    values["title"], err = _text(title, TITLE_LENGTH, multiline=False)
    errors.add("title", err)
    values["scope"], err = _text(scope, SCOPE_LENGTH, multiline=True)
    errors.add("scope", err)
    values["estimated_cost"], err = _cost(estimated_cost)
    errors.add("estimated_cost", err)
    values["responsible_unit"], err = _text(responsible_unit, UNIT_LENGTH, multiline=False)
    errors.add("responsible_unit", err)
    values["responsible_person"], err = _text(
        responsible_person, PERSON_LENGTH, multiline=False
    )
    errors.add("responsible_person", err)
    values["deadline"], err = _future_date(deadline, today)
    errors.add("deadline", err)
    route, err = _choice(funding_route, {r.value for r in FundingRoute})
    errors.add("funding_route", err)
    values["funding_route"] = FundingRoute(route) if err is None else None
    values["consensus_summary"], err = _text(
        consensus_summary, SUMMARY_LENGTH, multiline=True
    )
    errors.add("consensus_summary", err)
    errors.raise_if_any()
    return ProjectSheet(**values)


@dataclass(frozen=True)
class ProgressInput:
    percent: int
    note: str
    date: date


def validate_progress(
    percent: object, note: object, date: object, today: date
) -> ProgressInput:
    """A progress update: percent a whole number 0–100, a note (1–2000 characters),
    a date not after ``today`` (empty = today)."""
    errors = _Collector()
    clean_percent, err = _integer(percent)
    if err is None and clean_percent is not None and not 0 <= clean_percent <= 100:
        err = _error("out_of_range", min=0, max=100)
    errors.add("percent", err)
    clean_note, err = _text(note, PROGRESS_NOTE_LENGTH, multiline=True)
    errors.add("note", err)
    if date is None or (isinstance(date, str) and not date.strip()):
        day, err = today, None
    else:
        day, err = _date(date)
        if err is None and day is not None and day > today:
            err = _error("in_future", today=today.isoformat())
    errors.add("date", err)
    errors.raise_if_any()
    return ProgressInput(clean_percent, clean_note, day)  # type: ignore[arg-type]


def validate_comment(body: object) -> str:
    """A comment or reply: 1–2000 characters, newlines and tabs allowed."""
    errors = _Collector()
    text, err = _text(body, COMMENT_LENGTH, multiline=True)
    errors.add("body", err)
    errors.raise_if_any()
    return text


def validate_reason(reason: object, field_name: str = "reason") -> str:
    """A public reason (hiding a comment): 4–1000 characters, like a rejection's."""
    errors = _Collector()
    text, err = _text(reason, REASON_LENGTH, multiline=True)
    errors.add(field_name, err)
    errors.raise_if_any()
    return text


def validate_supervision_note(body: object) -> str:
    """A supervision note (监督意见): same limits as a comment."""
    errors = _Collector()
    text, err = _text(body, COMMENT_LENGTH, multiline=True)
    errors.add("body", err)
    errors.raise_if_any()
    return text


def validate_stance(value: object) -> Stance:
    errors = _Collector()
    choice, err = _choice(value, {s.value for s in Stance})
    errors.add("stance", err)
    errors.raise_if_any()
    return Stance(choice)


@dataclass(frozen=True)
class RatingInput:
    value: Rating
    comment: str  # "" when none was given


def validate_rating(value: object, comment: object = None) -> RatingInput:
    """A rating: one of ``Rating``; an optional comment of at most 500 characters."""
    errors = _Collector()
    choice, err = _choice(value, {r.value for r in Rating})
    errors.add("value", err)
    text, err = _text(comment, (0, RATING_COMMENT_MAX), multiline=True, required=False)
    errors.add("comment", err)
    errors.raise_if_any()
    return RatingInput(Rating(choice), text)


# --------------------------------------------------------------------------- evaluation


class EvaluationOutcome(StrEnum):
    close = "close"
    second_handling = "second_handling"
    extend = "extend"


# The transition the service takes for each outcome (extend changes no state).
OUTCOME_ACTIONS: dict[EvaluationOutcome, Action] = {
    EvaluationOutcome.close: Action.close_satisfied,
    EvaluationOutcome.second_handling: Action.second_handling,
}

DEFAULT_THRESHOLD = Fraction(4, 5)
DEFAULT_MIN_RATINGS = 5


def _counts(*counts: int) -> None:
    for count in counts:
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"a rating count must be a non-negative int, not {count!r}")


def satisfaction_rate(satisfied: int, basic: int, unsatisfied: int) -> Fraction | None:
    """(满意 + 基本满意) / all ratings, exactly; None when there are no ratings."""
    _counts(satisfied, basic, unsatisfied)
    total = satisfied + basic + unsatisfied
    if total == 0:
        return None
    return Fraction(satisfied + basic, total)


def _fraction(threshold: Fraction | Decimal | int | str) -> Fraction:
    if isinstance(threshold, float):
        raise TypeError("give the threshold as a Fraction, Decimal, int or str, not float")
    value = Fraction(threshold) if not isinstance(threshold, str) else Fraction(threshold.strip())
    if not 0 <= value <= 1:
        raise ValueError(f"threshold must lie in [0, 1], not {threshold!r}")
    return value


def decide_evaluation(
    satisfied: int,
    basic: int,
    unsatisfied: int,
    *,
    already_extended: bool,
    threshold: Fraction | Decimal | int | str = DEFAULT_THRESHOLD,
    min_ratings: int = DEFAULT_MIN_RATINGS,
) -> EvaluationOutcome:
    """What happens when an evaluation window ends (see the module doc)."""
    if isinstance(min_ratings, bool) or not isinstance(min_ratings, int) or min_ratings < 0:
        raise ValueError(f"min_ratings must be a non-negative int, not {min_ratings!r}")
    rate = satisfaction_rate(satisfied, basic, unsatisfied)
    limit = _fraction(threshold)
    total = satisfied + basic + unsatisfied
    if total < min_ratings and not already_extended:
        return EvaluationOutcome.extend
    if rate is not None and rate >= limit:
        return EvaluationOutcome.close
    return EvaluationOutcome.second_handling


# --------------------------------------------------------------------------- flags


def is_overdue(state: TopicState, deadline: date | None, today: date) -> bool:
    """督办: a project (project, implementing, evaluating) whose deadline has passed
    (the deadline day itself is not yet overdue)."""
    if deadline is None:
        return False
    return TopicState(state) in OPEN_PROJECT_STATES and today > deadline


def is_unanswered(
    state: TopicState, proposed_at: datetime, now: datetime, hours: int = RESPONSE_HOURS
) -> bool:
    """接诉即办: still ``proposed`` more than ``hours`` (default 48) after proposal."""
    return TopicState(state) is TopicState.proposed and now - proposed_at > timedelta(
        hours=hours
    )


# --------------------------------------------------------------------------- labels
# What people read for each state, action, activity and choice (translated by the web
# layer). One name per concept: these are the words the UI, the timeline and the
# refusal messages use.

STATE_LABELS: dict[TopicState, str] = {
    TopicState.proposed: N_("proposed"),
    TopicState.discussing: N_("under discussion"),
    TopicState.rejected: N_("not accepted"),
    TopicState.referred: N_("referred"),
    TopicState.merged: N_("merged"),
    TopicState.project: N_("project formed"),
    TopicState.implementing: N_("being implemented"),
    TopicState.not_elected: N_("not elected"),
    TopicState.evaluating: N_("under evaluation"),
    TopicState.closed: N_("completed"),
}

ACTION_LABELS: dict[str, str] = {
    Action.open_discussion: N_("open the discussion"),
    Action.reject: N_("reject"),
    Action.refer: N_("refer"),
    Action.merge: N_("merge"),
    Action.form_project: N_("form a project"),
    Action.start_implementation: N_("start implementation"),
    Action.elect: N_("elected in the vote"),
    Action.mark_not_elected: N_("not elected in the vote"),
    Action.open_evaluation: N_("open the evaluation"),
    Action.close_satisfied: N_("close as satisfied"),
    Action.second_handling: N_("second handling"),
    "propose": N_("propose"),
    "extend_evaluation": N_("extend the evaluation window"),
    "absorb": N_("take in a merged topic"),
    Activity.second: N_("second"),
    Activity.comment: N_("comment"),
    Activity.reply: N_("reply"),
    Activity.stance: N_("state a stance"),
    Activity.flag: N_("flag"),
    Activity.pin: N_("pin"),
    Activity.hide: N_("hide"),
    Activity.mark_guidance: N_("mark as guidance"),
    Activity.progress: N_("post progress"),
    Activity.supervision_note: N_("post a supervision note"),
    Activity.rate: N_("rate"),
}

STANCE_LABELS: dict[Stance, str] = {
    Stance.support: N_("support"),
    Stance.oppose: N_("oppose"),
    Stance.neutral: N_("neutral"),
}

RATING_LABELS: dict[Rating, str] = {
    Rating.satisfied: N_("satisfied"),
    Rating.basically_satisfied: N_("basically satisfied"),
    Rating.unsatisfied: N_("unsatisfied"),
}

FUNDING_LABELS: dict[FundingRoute, str] = {
    FundingRoute.community: N_("community (decided by the committee)"),
    FundingRoute.annual_vote: N_("annual vote (candidate for the next vote)"),
}
