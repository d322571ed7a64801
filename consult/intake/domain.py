"""Intake on a resident's behalf (代办): the channels, what the intake form takes, the
tracking code and the assisted acts. Standard library and the leaves only.

Decisions where the issue is silent:

* Who enters: staff of the place (a community or above) or the grid worker (网格员) of the
  grid; an administrator too. The grid worker sees the name and phone of what they entered
  themselves; staff of the place see all of their places'.
* The resident's name is required (2-30 characters), the phone is optional (a neighbour
  may pass on a concern) but, when given, is a Chinese mobile (11 digits from 1) or a
  landline of 7-12 digits with an optional dash. The resident must have agreed to having
  it entered (a checkbox): without that nothing is stored.
* A 12345 intake carries the hotline's order number (4-30 letters, digits or dashes),
  shown publicly; no other channel takes one.
* The tracking code is 12 characters from an alphabet without look-alikes (no I, L, O, U,
  0, 1), printed in groups of four: about 58 bits, read out over the phone without
  spelling doubts. Lower case, spaces and dashes are accepted when it is typed back.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from consult.fields import FieldError, FormErrors, InputError, choice, field_error, text
from consult.messages import N_
from consult.roles import Role


class Channel(StrEnum):
    online = "online"
    phone = "phone"
    office = "office"
    home_visit = "home_visit"
    meeting = "meeting"
    hotline = "hotline"  # 12345


CHANNEL_LABELS = {
    Channel.online: N_("Online"),
    Channel.phone: N_("By phone"),
    Channel.office: N_("At the office"),
    Channel.home_visit: N_("Home visit"),
    Channel.meeting: N_("Residents' council meeting"),
    Channel.hotline: N_("12345 hotline"),
}


class IntakeKind(StrEnum):
    topic = "topic"  # a topic for the committee to screen
    request = "request"  # a service request: a work order at once (接诉即办)


KIND_LABELS = {IntakeKind.topic: N_("A topic"), IntakeKind.request: N_("A service request")}

# Who enters on a resident's behalf, at the place of the grid (admin implies every role).
INTAKE_ROLES = frozenset({Role.staff, Role.grid_worker})
# Who sees every intake's name and phone at their places (a grid worker: their own only).
CONTACT_ROLES = frozenset({Role.staff})
# Who records a second or a rating that a resident gave by phone or at the door.
ASSIST_ROLES = frozenset({Role.staff, Role.grid_worker})


class AssistedAct(StrEnum):
    second = "second"
    rating = "rating"


INTAKE_MESSAGES = {
    "phone": N_("Phone: a mobile number of 11 digits, or a landline of 7 to 12 digits."),
    "order_number": N_("The 12345 order number: 4 to 30 letters, digits or dashes."),
    "order_number_needed": N_("A 12345 intake needs the hotline's order number."),
    "order_number_unwanted": N_("Only a 12345 intake has an order number."),
    "consent": N_("Tick this only once the resident has agreed: nothing is entered without it."),
    "code": N_("A tracking code has 12 letters and digits, such as ABCD-EFGH-JKMN."),
    "username": N_("There is no account with this user name."),
}

NAME_LENGTH = (2, 30)
NOTE_LENGTH = (0, 500)
_PHONE = re.compile(r"1\d{10}|\d{3,4}-?\d{7,8}|\d{7,8}")
_ORDER = re.compile(r"[A-Za-z0-9-]{4,30}")

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U
CODE_LENGTH = 12


class IntakeInputError(InputError):
    """Bad input on an intake form: ``errors`` maps field -> FieldError."""


def _error(code: str) -> FieldError:
    return field_error(code, INTAKE_MESSAGES)


@dataclass(frozen=True)
class Contact:
    """Who the resident is: private, stored sealed (consult.intake.secrecy)."""

    name: str
    phone: str


@dataclass(frozen=True)
class IntakeDetails:
    kind: IntakeKind
    channel: Channel
    order_number: str
    contact: Contact


def _phone(raw: object) -> tuple[str, FieldError | None]:
    value = raw.strip().replace(" ", "") if isinstance(raw, str) else ""
    if not value:
        return "", None
    return value, None if _PHONE.fullmatch(value) else _error("phone")


def consented(raw: object) -> bool:
    return raw in ("yes", "1", "on", True)


def parse_intake(form: Mapping[str, object], errors: FormErrors | None = None) -> IntakeDetails:
    """The intake part of the form (the topic's own fields are the topics' forms); every
    field's error at once. ``errors`` may already hold the other part's."""
    errors = errors if errors is not None else FormErrors()
    kind, error = choice(form.get("kind") or IntakeKind.topic.value, {k.value for k in IntakeKind})
    errors.add("kind", error)
    channel, error = choice(form.get("channel"), {c.value for c in Channel})
    errors.add("channel", error)
    name, error = text(form.get("resident_name"), NAME_LENGTH, multiline=False)
    errors.add("resident_name", error)
    phone, error = _phone(form.get("resident_phone"))
    errors.add("resident_phone", error)
    raw_order = form.get("order_number")
    order = raw_order.strip() if isinstance(raw_order, str) else ""
    if channel == Channel.hotline and not order:
        errors.add("order_number", _error("order_number_needed"))
    elif order and channel is not None and channel != Channel.hotline:
        errors.add("order_number", _error("order_number_unwanted"))
    elif order and not _ORDER.fullmatch(order):
        errors.add("order_number", _error("order_number"))
    if not consented(form.get("consent")):
        errors.add("consent", _error("consent"))
    errors.raise_if_any(IntakeInputError)
    return IntakeDetails(IntakeKind(kind), Channel(channel), order, Contact(name, phone))


def parse_assisted_note(form: Mapping[str, object]) -> str:
    """The note of an assisted act (how the resident gave it) and their agreement."""
    errors = FormErrors()
    note, error = text(form.get("note"), NOTE_LENGTH, multiline=True, required=False)
    errors.add("note", error)
    if not consented(form.get("consent")):
        errors.add("consent", _error("consent"))
    errors.raise_if_any(IntakeInputError)
    return note


# ---------------------------------------------------------------- the tracking code


def new_code() -> str:
    """A fresh tracking code, normalized (no dashes)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: object) -> str | None:
    """The code as typed back (any case, spaces, dashes) or None if it cannot be one."""
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    value = re.sub(r"[\s-]", "", raw).upper()
    if len(value) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in value):
        return None
    return value


def printed_code(code: str) -> str:
    """ABCD-EFGH-JKMN: in groups of four, to read out or print."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def code_digest(key: bytes, code: str) -> str:
    """The keyed hash kept instead of the code (HMAC-SHA256, hex)."""
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()
