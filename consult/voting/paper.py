"""Paper ballots (纸质票, issue 16 point 4): the rules of the desk and of double entry.
Standard library and the leaves only.

A representative votes online or on paper, never both. At the desk staff sign a
representative in: that writes their participation record with the channel "paper", so
online casting is refused from then on (and a representative who has voted online cannot
be signed in: the unique index on participation refuses a second record). The paper
ballot goes into the box and carries no voter; it bears a serial number (its receipt on
the bulletin board, ``paper_receipt``) and the weight class printed on the paper form.

When the desk is done, staff open the box (no more sign-ins). Each paper ballot is then
entered twice, by two different staff accounts, without either seeing the other's
reading. Two readings that agree make the ballot count. Two that disagree are listed side
by side and count only once a third staff account, who entered neither, reads the paper
and records a resolution. The vote closes only when every entered paper ballot counts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from enum import StrEnum

from consult.fields import FieldError, FormErrors, InputError, bounded_integer, field_error
from consult.messages import N_, Refusal
from consult.numbers import cents_text

MAX_SERIAL = 999_999
PAPER_CHANNEL = "paper"
ONLINE_CHANNEL = "online"


class Kind(StrEnum):
    entry = "entry"  # one of the two readings
    resolution = "resolution"  # a third staff member's reading of a disputed ballot


class Reading(StrEnum):
    once = "once"  # entered by one staff member: waits for the second entry
    agreed = "agreed"  # two readings agree: counted
    disputed = "disputed"  # two readings differ: listed side by side, not counted
    resolved = "resolved"  # a disputed ballot read again by a third staff member: counted


COUNTED = frozenset({Reading.agreed, Reading.resolved})

MESSAGES: dict[str, str] = {
    "recorded_vote": N_("Paper ballots carry no voter, so a recorded (记名) vote takes no paper ballots."),
    "not_open": N_("The paper ballot desk works only while the vote is open."),
    "not_on_roll": N_("{name} is not on the roll of this vote."),
    "voted_online": N_("{name} has already voted online in this vote and cannot vote on paper as well."),
    "signed_in_already": N_("{name} has already been signed in at the desk of this vote."),
    "manager": N_("{name} holds a staff or administrator role and cannot vote."),
    "box_opened": N_("The box of this vote has been opened: no one can be signed in at the desk any more."),
    "box_not_opened": N_("Open the box first: paper ballots are entered after the desk has stopped signing people in."),
    "box_empty": N_("Nobody has been signed in at the desk: there is no paper ballot to count."),
    "box_already_opened": N_("The box of this vote is already open."),
    "small_paper_class": N_(
        "The box cannot be opened yet: each weight among the paper voters must be held by at least {min} of them, "
        "and these weights are held by fewer: {weights}. A paper ballot is published with its weight and its serial "
        "number, and the people who signed in at the desk are known, so such a ballot would show how that person "
        "voted. Sign in the other representatives of that weight who vote on paper before opening the box."
    ),
    "entered_twice": N_("You have already entered paper ballot No. {serial}: the second entry must come from another "
                        "staff account."),
    "complete": N_("Paper ballot No. {serial} has been entered twice already."),
    "too_many_ballots": N_("There are more paper ballots than people signed in at the desk ({n}): check the serial "
                           "number."),
    "too_many_of_weight": N_("More paper ballots of weight {weight} would count than representatives of that weight "
                             "signed in at the desk ({n}): check the weight printed on the ballot."),
    "not_disputed": N_("Paper ballot No. {serial} is not disputed: there is nothing to reconcile."),
    "entrant_reconciles": N_("You entered paper ballot No. {serial} yourself: a staff member who entered neither "
                             "reading reconciles it."),
    "pending": N_("The vote cannot close while paper ballots do not count yet: {once} entered only once, {disputed} "
                  "disputed. Enter each ballot a second time and reconcile the disputed ones first."),
    "box_left_closed": N_("The vote cannot close while people signed in at the desk ({n}) and the box is not "
                          "opened: open the box and enter the paper ballots first."),
}
_STATUS = {"manager": 403}

FIELD_MESSAGES: dict[str, str] = {
    "weight_not_on_roll": N_("Choose a weight from the list (the weights of the representatives who voted on paper)."),
}


class PaperRefused(Refusal):
    MESSAGES = MESSAGES

    def __init__(self, code: str, /, **params):
        if code not in MESSAGES:
            raise KeyError(code)
        super().__init__(code, status_code=_STATUS.get(code, 409), **params)


class PaperInputError(InputError):
    """A paper ballot's form with bad fields: the desk page shows them beside the fields."""


def paper_receipt(vote_id: int, serial: int) -> str:
    """The receipt of a paper ballot on the bulletin board: its vote and serial number ("P-12-000034").
    A receipt code of an online ballot is 20 hex digits in groups of four: the two never meet."""
    return f"P-{vote_id}-{serial:06d}"


_PAPER_RE = re.compile(r"^P-?(\d{1,10})-(\d{1,6})$")


def is_paper_receipt(receipt: str) -> bool:
    return receipt.startswith("P-")


def normalise_paper_receipt(text: str) -> str | None:
    """A paper receipt as a person may type it ("p-12-34", "P 12 000034"), canonical, or None."""
    compact = re.sub(r"\s+", "-", (text or "").strip()).upper()
    match = _PAPER_RE.match(compact)
    if not match or int(match.group(2)) < 1:
        return None
    return paper_receipt(int(match.group(1)), int(match.group(2)))


def entry_fields(form: Mapping[str, str], weights: Iterable[int]) -> tuple[int, int]:
    """(serial, weight in cents) of a paper ballot's form; PaperInputError lists every bad field.
    ``weights``: the weights (cents) the ballot may carry (those of the paper voters)."""
    errors = FormErrors()
    serial, error = bounded_integer(form.get("serial"), 1, MAX_SERIAL)
    errors.add("serial", error)
    allowed = {cents_text(w): w for w in weights}
    raw = (form.get("weight") or "").strip()
    if not raw:
        errors.add("weight", field_error("required"))
    elif raw not in allowed:
        errors.add("weight", FieldError("weight_not_on_roll", FIELD_MESSAGES["weight_not_on_roll"], {}))
    errors.raise_if_any(PaperInputError)
    return serial, allowed[raw]


def same_reading(a: Mapping, b: Mapping) -> bool:
    return a["weight_cents"] == b["weight_cents"] and dict(a["choices"]) == dict(b["choices"])


def reading_of(entries: list[Mapping]) -> Reading:
    """Where one serial number stands, from its entries (kind, weight_cents, choices)."""
    if any(e["kind"] == Kind.resolution for e in entries):
        return Reading.resolved
    readings = [e for e in entries if e["kind"] == Kind.entry]
    if len(readings) < 2:
        return Reading.once
    return Reading.agreed if same_reading(readings[0], readings[1]) else Reading.disputed


def counted_content(entries: list[Mapping]) -> tuple[int, dict] | None:
    """(weight in cents, choices) that count for this serial number, or None while it does not count."""
    state = reading_of(entries)
    if state not in COUNTED:
        return None
    chosen = next(e for e in entries if e["kind"] == (Kind.resolution if state == Reading.resolved else Kind.entry))
    return chosen["weight_cents"], dict(chosen["choices"])


def refuse_entry(serial: int, entries: list[Mapping], staff_id: int, serials_known: int, signed_in: int) -> None:
    """A new reading of ``serial`` by ``staff_id``: PaperRefused when it may not be entered."""
    if any(e["entered_by"] == staff_id for e in entries):
        raise PaperRefused("entered_twice", serial=serial)
    if len([e for e in entries if e["kind"] == Kind.entry]) >= 2:
        raise PaperRefused("complete", serial=serial)
    if not entries and serials_known >= signed_in:
        raise PaperRefused("too_many_ballots", n=signed_in)


def refuse_resolution(serial: int, entries: list[Mapping], staff_id: int) -> None:
    if reading_of(entries) != Reading.disputed:
        raise PaperRefused("not_disputed", serial=serial)
    if any(e["entered_by"] == staff_id for e in entries):
        raise PaperRefused("entrant_reconciles", serial=serial)


def refuse_weight(weight_cents: int, signed_in_weights: Counter, counted_weights: Counter) -> None:
    """A ballot of this weight may count only while fewer of that weight count than signed in."""
    if counted_weights[weight_cents] >= signed_in_weights[weight_cents]:
        raise PaperRefused("too_many_of_weight", weight=cents_text(weight_cents), n=signed_in_weights[weight_cents])


def small_paper_classes(weights: Iterable[int], minimum: int) -> list[int]:
    """The weights (cents) held by fewer than ``minimum`` of the paper voters."""
    return sorted(w for w, n in Counter(weights).items() if n < minimum)


def refuse_small_classes(weights: Iterable[int], minimum: int) -> None:
    """A secret vote's box opens only when every weight among the paper voters is held by
    at least ``minimum`` of them (the rule the roll follows, for the paper ballots alone)."""
    small = small_paper_classes(weights, minimum)
    if small:
        raise PaperRefused("small_paper_class", min=minimum, weights=", ".join(cents_text(w) for w in small))


def refuse_close(signed_in: int, box_opened: bool, states: Iterable[Reading]) -> None:
    """The vote may close only when every paper ballot entered counts (and the box was opened)."""
    if signed_in and not box_opened:
        raise PaperRefused("box_left_closed", n=signed_in)
    tally = Counter(states)
    if tally[Reading.once] or tally[Reading.disputed]:
        raise PaperRefused("pending", once=tally[Reading.once], disputed=tally[Reading.disputed])
