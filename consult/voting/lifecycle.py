"""A vote's lifecycle and its refusals: states, actions, who may take them. Standard library only.

Every refusal by the vote's rules raises `VoteRuleError(code, **params)`, a
`consult.messages.Refusal`: `MESSAGES[code]` is the English message template (the
gettext message id, with {placeholders}); `consult.web.errors` shows it translated,
with the labels of an action or a state. Warnings are `(code, params)` pairs that use
the same table.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from consult.messages import N_, Refusal
from consult.roles import Role
from consult.voting.labels import ACTION_LABELS, STATE_LABELS


class VoteState(StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"
    published = "published"


class Basis(StrEnum):
    enrolled = "enrolled"  # 应到: total weight of the roll
    present = "present"  # 实到: total weight of those who voted


class Secrecy(StrEnum):
    secret = "secret"  # 无记名
    recorded = "recorded"  # 记名


class Choice(StrEnum):
    approve = "approve"
    oppose = "oppose"
    abstain = "abstain"


class Rule(StrEnum):
    majority = "majority"
    equal_shares = "equal_shares"


class Completion(StrEnum):
    add_one = "add_one"  # equal shares, iterated: raise every share by 1 yuan per unit of weight per step


class Action(StrEnum):
    edit = "edit"  # change settings, candidates or the roll
    open = "open"
    cast = "cast"
    close = "close"
    publish = "publish"
    delete = "delete"  # a draft that should not have been made: its candidates and roll go with it
    desk = "desk"  # the paper ballot desk: sign in, open the box, enter and reconcile (consult.voting.paper)


# The lifecycle, in one table: (state, action) -> next state. A pair not listed is refused.
TRANSITIONS: dict[tuple[VoteState, Action], VoteState] = {
    (VoteState.draft, Action.edit): VoteState.draft,
    (VoteState.draft, Action.open): VoteState.open,
    (VoteState.draft, Action.delete): VoteState.draft,  # the row is removed: no state follows
    (VoteState.open, Action.cast): VoteState.open,
    (VoteState.open, Action.desk): VoteState.open,
    (VoteState.open, Action.close): VoteState.closed,
    (VoteState.closed, Action.publish): VoteState.published,
}

STAFF = (Role.staff, Role.admin)  # in this order in "needs one of these roles"
STAFF_ROLES = frozenset(STAFF)

# Separation of duties: the people who manage votes (a granted staff or admin role) are
# never on a roll and never cast. Checked when the roll is set, when the vote opens and
# at each cast, because roles can change in between.
ROLL_EXCLUDED_ROLES = STAFF_ROLES

# A secret vote publishes every ballot with its weight, and the roll with names and
# weights: a weight held by one or two people on the roll would name their ballots. A
# secret vote opens only when every distinct weight on its roll is held by at least this
# many representatives (a "weight class"). Recorded votes publish the names anyway.
MIN_WEIGHT_CLASS = 3
ACTION_ROLES: dict[Action, frozenset[str]] = {
    Action.edit: STAFF_ROLES,
    Action.open: STAFF_ROLES,
    Action.close: STAFF_ROLES,
    Action.publish: STAFF_ROLES,
    Action.delete: STAFF_ROLES,
    Action.desk: STAFF_ROLES,
    # Casting also needs a place on the roll; the service checks that.
    Action.cast: frozenset({Role.representative}),
}

MESSAGES: dict[str, str] = {
    "action_not_allowed": N_("You cannot {action} this vote while it is {state}."),
    "role_not_allowed": N_("Your role does not allow you to {action} this vote."),
    "not_here": N_("Your role does not reach {place}, the place this vote belongs to, so you may not {action} it."),
    "invalid_settings": N_("Please correct the highlighted fields."),
    "invalid_weight": N_("A weight is a positive number up to 9999.99 with at most 2 decimals."),
    "invalid_roll_csv": N_("Nothing was imported: lines with problems: {count}."),
    "empty_roll_csv": N_("The roll file has no rows; nothing was imported."),
    "unknown_candidate": N_("There is no candidate {candidate} in this vote."),
    "invalid_choice": N_("Choose approve, oppose or abstain for each candidate."),
    "too_many_approvals": N_("You approved {approvals} candidates, but at most {seats} are allowed."),
    # roll CSV lines
    "csv_columns": N_("Line {line}: expected 2 columns (username,weight), found {found}."),
    "csv_unknown_user": N_("Line {line}: there is no representative with the user name {username}."),
    "csv_bad_weight": N_("Line {line}: {weight} is not a valid weight (positive, at most 9999.99, 2 decimals)."),
    "csv_duplicate_user": N_("Line {line}: {username} is already on line {first_line}."),
    # warnings
    "fewer_candidates_than_seats": N_(
        "There are {candidates} candidates for {seats} seats: some seats will stay vacant."
    ),
    "too_few_candidates": N_(
        "A contested vote needs at least {needed} candidates for {seats} seats; there are {candidates}. "
        "Add candidates or tick “equal number” and give a reason."
    ),
    "empty_roll": N_("The roll is empty."),
    # refusals when the roll is set or the vote opens (also shown before, as warnings)
    "small_weight_class": N_(
        "A secret vote cannot open: each weight on the roll must be held by at least {min} representatives, "
        "and these weights are held by fewer: {weights}. Every ballot is published with its weight and the roll "
        "is public, so such a ballot would show how that person voted. Group the weights into classes of at "
        "least {min} (for example, round household counts into bands), or choose a recorded ballot."
    ),
    "manager_on_roll": N_(
        "Staff and administrators manage votes and cannot be on a roll or cast a ballot: {names}. "
        "Remove them from the roll, or have an administrator take away their staff role first."
    ),
    "has_ballots": N_("Ballots have been cast in this vote: it cannot be deleted."),
    "manager_cannot_cast": N_(
        "You hold a staff or administrator role: the people who manage votes cannot cast a ballot."
    ),
    "voted_on_paper": N_(
        "You were signed in at the paper ballot desk of this vote: you vote on paper and cannot vote online as well."
    ),
}


# The HTTP status of a refusal by code; any other code is a bad request (400).
_STATUS = {"role_not_allowed": 403, "not_here": 403, "has_ballots": 409, "action_not_allowed": 409, "small_weight_class": 409, "manager_on_roll": 409,
           "manager_cannot_cast": 403, "voted_on_paper": 409}


class VoteRuleError(Refusal, ValueError):
    """A refusal by the vote's rules: `code`, `params`, and `message` (the English template)."""

    MESSAGES = MESSAGES
    PARAM_LABELS = {"action": ACTION_LABELS, "state": STATE_LABELS}

    def __init__(self, code: str, /, **params):
        if code not in MESSAGES:
            raise KeyError(code)
        super().__init__(code, status_code=_STATUS.get(code, 400), **params)

    @property
    def field_errors(self) -> dict[str, tuple[str, dict]]:
        """For invalid_settings: field -> (message template, params)."""
        return self.params.get("errors", {})

    @property
    def lines(self) -> list[tuple[int, str, dict]]:
        """For invalid_roll_csv: (line number, message template, params), in line order."""
        return self.params.get("lines", [])


# --------------------------------------------------------------------------- lifecycle


def allowed_actions(state: str, roles: Iterable[str]) -> list[Action]:
    """The actions these roles may take on a vote in this state (in lifecycle order)."""
    roles = frozenset(roles)
    return [
        action
        for action in Action
        if (VoteState(state), action) in TRANSITIONS and roles & ACTION_ROLES[action]
    ]


def next_state(state: str, action: str, roles: Iterable[str]) -> VoteState:
    """The state after `action`, or VoteRuleError if the state or the roles forbid it."""
    state, action = VoteState(state), Action(action)
    if (state, action) not in TRANSITIONS:
        raise VoteRuleError("action_not_allowed", action=action.value, state=state.value)
    if not frozenset(roles) & ACTION_ROLES[action]:
        raise VoteRuleError("role_not_allowed", action=action.value)
    return TRANSITIONS[(state, action)]


def is_fixed(round_number: int) -> bool:
    """A runoff round keeps the tied candidates, the roll and the rules of its vote."""
    return round_number > 1


def casting_open(state: str) -> bool:
    """Ballots may be cast in this state (by a representative on the roll who has not yet)."""
    return (VoteState(state), Action.cast) in TRANSITIONS
