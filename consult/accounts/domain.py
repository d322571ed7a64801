"""Accounts: roles, what each role implies, and input rules. Standard library only."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from consult.messages import N_
from consult.roles import Role, effective_roles


# Roles a user may ask for; admin is only ever granted by an admin.
REQUESTABLE_ROLES = (Role.resident, Role.party_member, Role.committee, Role.representative, Role.staff)

# Who may grant which role: staff manage the everyday roles, only an admin grants staff or admin.
GRANTABLE_BY = {
    Role.staff: frozenset({Role.resident, Role.party_member, Role.committee, Role.representative}),
    Role.admin: frozenset(Role),
}


def can_grant(granter_roles: frozenset[str], role: str) -> bool:
    allowed: set[str] = set()
    for r in granter_roles:
        allowed |= GRANTABLE_BY.get(Role(r) if r in Role.__members__ else r, frozenset())
    return role in allowed


class AccountInputError(ValueError):
    """Bad input for an account form: `errors` maps field -> (message template, params)."""

    def __init__(self, errors: dict[str, tuple[str, dict]]):
        super().__init__("; ".join(m for m, _ in errors.values()))
        self.errors = errors


USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")
PASSWORD_MIN, PASSWORD_MAX = 8, 128


def has_control_chars(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\t\r" for ch in text)


def check_password(password: str, errors: dict, field_name: str = "password") -> None:
    if not (PASSWORD_MIN <= len(password) <= PASSWORD_MAX):
        errors[field_name] = (
            N_("Password must be {min} to {max} characters long."),
            {"min": PASSWORD_MIN, "max": PASSWORD_MAX},
        )


@dataclass(frozen=True)
class Registration:
    username: str
    display_name: str
    password: str
    grid_id: int


def validate_registration(
    username: str, display_name: str, password: str, password2: str, grid_id: str, grid_ids: set[int]
) -> Registration:
    errors: dict[str, tuple[str, dict]] = {}
    username = (username or "").strip().lower()  # user names are case-insensitive: stored lower-case
    display_name = (display_name or "").strip()
    if not USERNAME_RE.match(username):
        errors["username"] = (
            N_("User name: 3 to 32 letters, digits, dot, dash or underscore."),
            {},
        )
    if not (1 <= len(display_name) <= 40) or has_control_chars(display_name):
        errors["display_name"] = (N_("Display name must be 1 to 40 characters."), {})
    check_password(password or "", errors)
    if password != password2 and "password" not in errors:
        errors["password2"] = (N_("The two passwords do not match."), {})
    try:
        gid = int(grid_id)
    except (TypeError, ValueError):
        gid = -1
    if gid not in grid_ids:
        errors["grid_id"] = (N_("Choose your grid from the list."), {})
    if errors:
        raise AccountInputError(errors)
    return Registration(username, display_name, password, gid)


def validate_role_request(role: str, note: str) -> tuple[str, str]:
    errors: dict[str, tuple[str, dict]] = {}
    if role not in {r.value for r in REQUESTABLE_ROLES}:
        errors["role"] = (N_("Choose a role from the list."), {})
    note = (note or "").strip()
    if len(note) > 500 or has_control_chars(note):
        errors["note"] = (N_("The note may be at most 500 characters."), {})
    if errors:
        raise AccountInputError(errors)
    return role, note


@dataclass
class Viewer:
    """Who is making a request; `roles` are the effective roles."""

    id: int | None = None
    username: str = ""
    display_name: str = ""
    grid_id: int | None = None
    granted: frozenset[str] = field(default_factory=frozenset)
    must_change_password: bool = False

    @property
    def roles(self) -> frozenset[str]:
        return effective_roles(self.granted)

    @property
    def signed_in(self) -> bool:
        return self.id is not None

    @property
    def verified(self) -> bool:
        return bool(self.granted)

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))
