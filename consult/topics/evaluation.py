"""Evaluation of a finished project (评估) and the list's warning flags, as pure rules.

Evaluation decision (``decide_evaluation``): fewer than ``min_ratings`` ratings and
the window not yet extended → ``extend`` (once); otherwise satisfaction rate
(满意 + 基本满意) / all ≥ threshold → ``close``, else ``second_handling``. After the
extension the decision is taken on whatever ratings there are; with zero ratings
there is no evidence of satisfaction, so it is ``second_handling``.

An evaluation window ends at the end of its end date: it is due once
``today > evaluation_ends_on`` (``is_due``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from consult.places.settings import DEFAULTS
from consult.topics.lifecycle import OPEN_PROJECT_STATES, Action, TopicState


class Rating(StrEnum):
    satisfied = "satisfied"  # 满意
    basically_satisfied = "basically_satisfied"  # 基本满意
    unsatisfied = "unsatisfied"  # 不满意


class EvaluationOutcome(StrEnum):
    close = "close"
    second_handling = "second_handling"
    extend = "extend"


# The transition the command takes for each outcome (extend changes no state).
OUTCOME_ACTIONS: dict[EvaluationOutcome, Action] = {
    EvaluationOutcome.close: Action.close_satisfied,
    EvaluationOutcome.second_handling: Action.second_handling,
}

# The built-in defaults; each place may set its own (consult.places.settings).
DEFAULT_THRESHOLD = DEFAULTS.threshold
DEFAULT_MIN_RATINGS = DEFAULTS.min_ratings
EVALUATION_EXTENSION_DAYS = DEFAULTS.evaluation_days
RESPONSE_HOURS = DEFAULTS.screening_hours
RATING_COMMENT_MAX = 500


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


def extended_window_end(ends_on: date, today: date, days: int = EVALUATION_EXTENSION_DAYS) -> date:
    """Where a once-extended evaluation window ends: ``days`` (the place's evaluation
    window, by default 14) after the later of its old end and today."""
    return max(ends_on, today) + timedelta(days=days)


def is_overdue(state: TopicState, deadline: date | None, today: date) -> bool:
    """督办: a project (project, implementing, evaluating) whose deadline has passed
    (the deadline day itself is not yet overdue)."""
    if deadline is None:
        return False
    return TopicState(state) in OPEN_PROJECT_STATES and today > deadline


def is_unanswered(state: TopicState, proposed_at: datetime, now: datetime, hours: int = RESPONSE_HOURS) -> bool:
    """接诉即办: still ``proposed`` more than ``hours`` (default 48) after proposal."""
    return TopicState(state) is TopicState.proposed and now - proposed_at > timedelta(hours=hours)


def unanswered_since(now: datetime, hours: int = RESPONSE_HOURS) -> datetime:
    """A proposed topic created before this moment is unanswered (the SQL filter's bound)."""
    return now - timedelta(hours=hours)
