"""The staff forms of a vote, checked: settings, a candidate, a roll weight. Standard library only.

Each check reports every bad field at once as `VoteRuleError("invalid_settings",
errors={field: (message template, params)})`; nothing is written.
"""

from __future__ import annotations

from fractions import Fraction

from consult.fields import bounded_integer, has_control, money
from consult.messages import N_
from consult.voting.domain import CONTROL_MESSAGE, MAX_MONEY, VoteSettings, parse_weight, validate_vote_settings
from consult.voting.lifecycle import VoteRuleError

CANDIDATE_TITLE_MESSAGE = N_("The title must be 4 to 200 characters long.")
CANDIDATE_DESCRIPTION_MESSAGE = N_("The description must be at most 5000 characters long.")
CANDIDATE_COST_MESSAGE = N_("The cost must be a whole number of yuan from 0 to {max}.")
CANDIDATE_SUPPORT_MESSAGE = N_("The support index must be a whole number from 0 to {max}.")
EQUAL_NUMBER_REASON_MESSAGE = N_("Give the reason for an equal-number vote (as many candidates as seats).")
MAX_COST = MAX_MONEY  # Candidate.cost is a BigInt
MAX_SUPPORT = 2**31 - 1  # Candidate.support is an Integer


def is_ticked(value: object) -> bool:
    """A checkbox's value as a browser (or a test) sends it."""
    return value in ("1", "on", "true")


def fraction_text(value: Fraction) -> str:
    """A fraction setting as stored ("1/2"; 0 is "0"); `domain.parse_fraction` reads it back."""
    return "0" if value == 0 else f"{value.numerator}/{value.denominator}"


def settings_from(form: dict) -> tuple[VoteSettings, bool, str]:
    """(settings, equal number ticked, its reason) of the settings form."""
    settings = None
    errors: dict = {}
    try:
        settings = validate_vote_settings(
            form.get("title", ""), form.get("year", ""), form.get("seats", ""), form.get("budget", ""),
            form.get("basis", ""), form.get("threshold", ""), form.get("secrecy", ""),
            form.get("public_weight", ""), form.get("rule", "majority") or "majority",
            completion=form.get("completion") or None,
        )
    except VoteRuleError as exc:
        errors.update(exc.field_errors)
    equal_number = is_ticked(form.get("equal_number"))
    reason = (form.get("equal_number_reason") or "").strip()
    if equal_number and not 4 <= len(reason) <= 500:
        errors["equal_number_reason"] = (EQUAL_NUMBER_REASON_MESSAGE, {})
    if errors:
        raise VoteRuleError("invalid_settings", errors=errors)
    return settings, equal_number, reason if equal_number else ""


def settings_values(form: dict) -> dict:
    """The vote row's settings columns from the settings form (checked)."""
    settings, equal_number, reason = settings_from(form)
    return {
        "title": settings.title,
        "year": settings.year,
        "seats": settings.seats,
        "budget": settings.budget,
        "basis": settings.basis.value,
        "threshold": fraction_text(settings.threshold),
        "secrecy": settings.secrecy.value,
        "public_weight": fraction_text(settings.public_weight),
        "rule": settings.rule.value,
        "completion": settings.completion.value if settings.completion else None,
        "equal_number": equal_number,
        "equal_number_reason": reason,
        "tie_break_support": is_ticked(form.get("tie_break_support")),
    }


def candidate_fields(form: dict) -> dict:
    errors: dict = {}
    title = (form.get("title") or "").strip()
    if not 4 <= len(title) <= 200:
        errors["title"] = (CANDIDATE_TITLE_MESSAGE, {})
    elif has_control(title, multiline=False):
        errors["title"] = (CONTROL_MESSAGE, {})
    description = (form.get("description") or "").strip()
    if len(description) > 5000:
        errors["description"] = (CANDIDATE_DESCRIPTION_MESSAGE, {})
    elif has_control(description.replace("\r", ""), multiline=True):
        errors["description"] = (CONTROL_MESSAGE, {})
    values = {}
    for name, message, high, parse in (("cost", CANDIDATE_COST_MESSAGE, MAX_COST, money),
                                       ("support", CANDIDATE_SUPPORT_MESSAGE, MAX_SUPPORT, bounded_integer)):
        number, error = parse((form.get(name) or "0").strip() or "0", 0, high)
        if error is not None:
            errors[name] = (message, {"max": high})
        else:
            values[name] = number
    if errors:
        raise VoteRuleError("invalid_settings", errors=errors)
    return {"title": title, "description": description, **values}


def roll_weight(text: str | None):
    """A roll entry's weight field (empty is 1), as the Decimal the table stores."""
    try:
        return parse_weight((text or "1").strip() or "1")
    except VoteRuleError as exc:
        raise VoteRuleError("invalid_settings", errors={"weight": (exc.message, exc.params)}) from None
