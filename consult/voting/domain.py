"""The annual vote's input rules: settings, the roll, ballots and receipts. Standard library only.

Refusals are `consult.voting.lifecycle.VoteRuleError`s (templates in its `MESSAGES`).

Receipt codes: the first 20 hex digits (80 bits) of SHA-256 over the canonical JSON
of the ballot content (sorted keys, no spaces, UTF-8), a newline, and a 16-byte random
nonce, written in groups of four joined by dashes: "3f2a-9c1b-07de-55aa-e410".
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from consult.fields import has_control, money
from consult.messages import N_
from consult.voting.lifecycle import (
    MESSAGES,
    MIN_WEIGHT_CLASS,
    Basis,
    Choice,
    Completion,
    Rule,
    Secrecy,
    VoteRuleError,
)

# Field messages (no placeholders needed).
TITLE_MESSAGE = N_("The title must be 4 to 120 characters long.")
CONTROL_MESSAGE = N_("Must not contain control characters.")
YEAR_MESSAGE = N_("The year must be between 2000 and 2100.")
SEATS_MESSAGE = N_("Seats must be a whole number from 1 to {max}.")
BUDGET_MESSAGE = N_("The budget must be empty or a whole number of yuan from 0 to {max}.")
BUDGET_REQUIRED_MESSAGE = N_("The equal shares rule needs a budget.")
BASIS_MESSAGE = N_("Choose the basis from the list.")
THRESHOLD_MESSAGE = N_("The threshold must be a fraction such as 1/2 or 0.5, more than 0 and less than 1.")
SECRECY_MESSAGE = N_("Choose secret or recorded.")
PUBLIC_WEIGHT_MESSAGE = N_("The public weight must be between 0 and 0.5.")
FRACTION_LENGTH_MESSAGE = N_("Write it with fewer digits: at most {max} characters as a fraction such as 1/3.")
RULE_MESSAGE = N_("Choose the counting rule from the list.")
COMPLETION_MESSAGE = N_("Choose the completion from the list.")
COMPLETION_RULE_MESSAGE = N_("A completion applies only to the equal shares rule.")


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class VoteSettings:
    title: str
    year: int
    seats: int
    budget: int | None
    basis: Basis
    threshold: Fraction
    secrecy: Secrecy
    public_weight: Fraction
    rule: Rule = Rule.majority
    completion: Completion | None = None  # equal_shares only


# Upper bounds every engine stores (PostgreSQL refuses past a column's range; SQLite would
# take it): seats is an Integer column, the budget a BigInt, fractions a Varchar(20).
MAX_SEATS = 1000
MAX_MONEY = 10**12  # yuan, for a budget and a candidate's cost (BigInt holds 9.2e18)
FRACTION_MAX_CHARS = 20  # the threshold and public_weight columns: Varchar(20), "n/d"

_INT_RE = re.compile(r"^\d{1,18}$")  # more digits than any bound here: not read at all
_DECIMAL_RE = re.compile(r"^\d+(\.\d+)?$")
_FRACTION_RE = re.compile(r"^\d+/\d+$")


def _to_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT_RE.match(value.strip()):
        return int(value.strip())
    return None


def parse_fraction(value: object) -> Fraction | None:
    """"1/2", "0.5", 0, Fraction or Decimal as an exact non-negative Fraction; None if malformed."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if isinstance(value, Decimal):
        return Fraction(value) if value.is_finite() else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) > FRACTION_MAX_CHARS:  # never stored as it is; and int() of 5000 digits is refused
        return None
    if _FRACTION_RE.match(text):
        num, den = text.split("/")
        return Fraction(int(num), int(den)) if int(den) else None
    if _DECIMAL_RE.match(text):
        return Fraction(Decimal(text))
    return None


def validate_vote_settings(
    title: str,
    year: object,
    seats: object,
    budget: object,
    basis: str,
    threshold: object,
    secrecy: str,
    public_weight: object,
    rule: str = Rule.majority,
    completion: object = None,
) -> VoteSettings:
    """Clean a vote's settings (form strings or typed values); VoteRuleError("invalid_settings",
    errors={field: (template, params)}) lists every bad field."""
    errors: dict[str, tuple[str, dict]] = {}
    title = (title or "").strip()
    if not 4 <= len(title) <= 120:
        errors["title"] = (TITLE_MESSAGE, {})
    elif has_control(title, multiline=False):
        errors["title"] = (CONTROL_MESSAGE, {})
    year_value = _to_int(year)
    if year_value is None or not 2000 <= year_value <= 2100:
        errors["year"] = (YEAR_MESSAGE, {})
    seats_value = _to_int(seats)
    if seats_value is None or not 1 <= seats_value <= MAX_SEATS:
        errors["seats"] = (SEATS_MESSAGE, {"max": MAX_SEATS})
    budget_value = _budget(budget, errors)
    if not isinstance(basis, str) or basis not in Basis.__members__:
        errors["basis"] = (BASIS_MESSAGE, {})
    threshold_value, weight_value = _shares(threshold, public_weight, errors)
    if not isinstance(secrecy, str) or secrecy not in Secrecy.__members__:
        errors["secrecy"] = (SECRECY_MESSAGE, {})
    if not isinstance(rule, str) or rule not in Rule.__members__:
        errors["rule"] = (RULE_MESSAGE, {})
    elif rule == Rule.equal_shares and budget_value is None and "budget" not in errors:
        errors["budget"] = (BUDGET_REQUIRED_MESSAGE, {})
    completion_value = _completion(completion, rule, errors)
    if errors:
        raise VoteRuleError("invalid_settings", errors=errors)
    return VoteSettings(
        title=title,
        year=year_value,
        seats=seats_value,
        budget=budget_value,
        basis=Basis(basis),
        threshold=threshold_value,
        secrecy=Secrecy(secrecy),
        public_weight=weight_value,
        rule=Rule(rule),
        completion=completion_value,
    )


def _budget(budget: object, errors: dict) -> int | None:
    """An empty budget is no limit; else a whole number of yuan (may be grouped: "500,000")."""
    if budget is None or (isinstance(budget, str) and not budget.strip()):
        return None
    value, error = money(budget, 0, MAX_MONEY)
    if error is not None or value is None:
        errors["budget"] = (BUDGET_MESSAGE, {"max": MAX_MONEY})
    return value


def _shares(threshold: object, public_weight: object, errors: dict) -> tuple[Fraction | None, Fraction | None]:
    """The threshold (0 < t < 1) and the public weight (0..1/2, empty is 0)."""
    threshold_value = parse_fraction(threshold)
    if threshold_value is None or not 0 < threshold_value < 1:
        errors["threshold"] = (THRESHOLD_MESSAGE, {})
    elif not _fraction_fits(threshold_value):
        errors["threshold"] = (FRACTION_LENGTH_MESSAGE, {"max": FRACTION_MAX_CHARS})
    if public_weight is None or (isinstance(public_weight, str) and not public_weight.strip()):
        public_weight = 0
    weight_value = parse_fraction(public_weight)
    if weight_value is None or not 0 <= weight_value <= Fraction(1, 2):
        errors["public_weight"] = (PUBLIC_WEIGHT_MESSAGE, {})
    elif not _fraction_fits(weight_value):
        errors["public_weight"] = (FRACTION_LENGTH_MESSAGE, {"max": FRACTION_MAX_CHARS})
    return threshold_value, weight_value


def _fraction_fits(value: Fraction) -> bool:
    """Stored as "numerator/denominator" ("0.123456789" is 123456789/1000000000): in the column?"""
    return len(f"{value.numerator}/{value.denominator}") <= FRACTION_MAX_CHARS


def _completion(completion: object, rule: object, errors: dict) -> Completion | None:
    if completion is None or completion == "":
        return None
    if not isinstance(completion, str) or completion not in Completion.__members__:
        errors["completion"] = (COMPLETION_MESSAGE, {})
    elif rule != Rule.equal_shares:
        errors["completion"] = (COMPLETION_RULE_MESSAGE, {})
    else:
        return Completion(completion)
    return None


# --------------------------------------------------------------------------- roll

WEIGHT_MAX = Decimal("9999.99")


def _weight_or_none(text: object) -> Decimal | None:
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, int) and not isinstance(text, bool):
        value = Decimal(text)
    elif isinstance(text, str) and _DECIMAL_RE.match(text.strip()):
        value = Decimal(text.strip())
    else:
        return None
    if not value.is_finite() or value <= 0 or value > WEIGHT_MAX:
        return None
    try:
        cents = value.quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
    return cents if cents == value else None


def parse_weight(text: object) -> Decimal:
    """A roll weight: positive, at most 2 decimals (by value: "1.500" is 1.50), at most 9999.99.

    Returned with exactly 2 decimals (Decimal("1.50")), the database's Numeric(6, 2)."""
    value = _weight_or_none(text)
    if value is None:
        raise VoteRuleError("invalid_weight", value=str(text))
    return value


# The header line a roll CSV may start with, in each language the page is shown in.
ROLL_CSV_HEADERS = (["username", "weight"], ["用户名", "权重"])


def parse_roll_csv(text: str, known_usernames: set[str]) -> list[tuple[str, Decimal]]:
    """Parse `username,weight` lines into (username, weight), all or nothing.

    The header `username,weight` (or `用户名,权重`, as the Chinese page names the
    columns; either comma) is optional; blank lines are ignored; a leading BOM is
    dropped. Every problem of every line is reported in one VoteRuleError("invalid_roll_csv",
    count=<bad lines>, lines=[(line, template, params), ...]); an empty file gives
    VoteRuleError("empty_roll_csv").
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    rows: list[tuple[str, Decimal]] = []
    problems: list[tuple[int, str, dict]] = []
    first_line: dict[str, int] = {}
    seen_row = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = [f.strip() for f in next(csv.reader([line]))]
        if not seen_row:
            seen_row = True
            header = [f.strip().lower() for f in line.replace("，", ",").split(",")]
            if header in ROLL_CSV_HEADERS:
                continue
        if len(fields) != 2:
            problems.append((number, MESSAGES["csv_columns"], {"line": number, "found": len(fields)}))
            continue
        username, weight_text = fields
        weight = _weight_or_none(weight_text)
        if username in first_line:
            problems.append(
                (
                    number,
                    MESSAGES["csv_duplicate_user"],
                    {"line": number, "username": username, "first_line": first_line[username]},
                )
            )
        elif username not in known_usernames:
            problems.append((number, MESSAGES["csv_unknown_user"], {"line": number, "username": username}))
        else:
            first_line[username] = number
        if weight is None:
            problems.append((number, MESSAGES["csv_bad_weight"], {"line": number, "weight": weight_text}))
        rows.append((username, weight))
    if problems:
        raise VoteRuleError("invalid_roll_csv", count=len({p[0] for p in problems}), lines=problems)
    if not rows:
        raise VoteRuleError("empty_roll_csv")
    return rows


def small_weight_classes(roll_weights: Iterable[Decimal]) -> list[Decimal]:
    """The weight values (compared by value: 1 = 1.00) held by fewer than MIN_WEIGHT_CLASS
    people on the roll, ascending."""
    held = Counter(Decimal(w) for w in roll_weights)
    return sorted(w for w, n in held.items() if n < MIN_WEIGHT_CLASS)


def weights_text(weights: Iterable[Decimal]) -> str:
    return ", ".join(format(Decimal(w).normalize(), "f") for w in weights)


def check_weight_classes(secrecy: str, roll_weights: Iterable[Decimal]) -> None:
    """A secret vote opens only when every weight on its roll is held by at least
    MIN_WEIGHT_CLASS representatives; else VoteRuleError("small_weight_class")."""
    if secrecy != Secrecy.secret:
        return
    small = small_weight_classes(roll_weights)
    if small:
        raise VoteRuleError("small_weight_class", weights=weights_text(small), min=MIN_WEIGHT_CLASS)


def warnings(
    seats: int, n_candidates: int, equal_number: bool, secrecy: str, roll_weights: list[Decimal]
) -> list[tuple[str, dict]]:
    """Advice shown to staff before opening: (code, params) pairs, templates in MESSAGES.

    `equal_number` is the staff's "equal number" (等额) tick, which the caller accepts only
    with a recorded reason; it silences the K+1 advice but not fewer candidates than seats.
    """
    result: list[tuple[str, dict]] = []
    if n_candidates < seats:
        result.append(("fewer_candidates_than_seats", {"candidates": n_candidates, "seats": seats}))
    elif n_candidates < seats + 1 and not equal_number:
        result.append(("too_few_candidates", {"candidates": n_candidates, "seats": seats, "needed": seats + 1}))
    if not roll_weights:
        result.append(("empty_roll", {}))
    elif secrecy == Secrecy.secret:
        small = small_weight_classes(roll_weights)
        if small:
            result.append(("small_weight_class", {"weights": weights_text(small), "min": MIN_WEIGHT_CLASS}))
    return result


# --------------------------------------------------------------------------- ballots


def validate_ballot(choices: dict[str, str], candidate_ids: Iterable[str], seats: int) -> dict[str, str]:
    """The full ballot: every candidate id (in the given order) -> "approve" | "oppose" | "abstain".

    Unmarked candidates (missing, None or "") abstain. Unknown ids, other values and more
    than `seats` approvals raise VoteRuleError."""
    ids = list(candidate_ids)
    known = set(ids)
    for cid in choices:
        if cid not in known:
            raise VoteRuleError("unknown_candidate", candidate=str(cid))
    ballot = {}
    for cid in ids:
        value = choices.get(cid)
        if value is None or value == "":
            value = Choice.abstain
        if not isinstance(value, str) or value not in Choice.__members__:
            raise VoteRuleError("invalid_choice", candidate=cid, value=str(value))
        ballot[cid] = Choice(value).value
    approvals = sum(1 for v in ballot.values() if v == Choice.approve)
    if approvals > seats:
        raise VoteRuleError("too_many_approvals", approvals=approvals, seats=seats)
    return ballot


def new_nonce() -> bytes:
    return secrets.token_bytes(16)


def canonical_json(content: dict) -> bytes:
    """Sorted keys, no spaces, UTF-8; Decimals and other values as their str()."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def receipt_code(ballot_content: dict, nonce: bytes) -> str:
    """First 20 hex digits of SHA-256(canonical JSON + b"\\n" + nonce), in dash-joined groups of 4."""
    digest = hashlib.sha256(canonical_json(ballot_content) + b"\n" + nonce).hexdigest()[:20]
    return "-".join(digest[i : i + 4] for i in range(0, 20, 4))


_RECEIPT_RE = re.compile(r"^[0-9a-f]{20}$")


def normalise_receipt(text: str) -> str | None:
    """A receipt code as a person may type it (any case, spaces or dashes) in canonical form,
    or None when it cannot be one."""
    compact = re.sub(r"[\s\-]", "", text or "").lower()
    if not _RECEIPT_RE.match(compact):
        return None
    return "-".join(compact[i : i + 4] for i in range(0, 20, 4))
