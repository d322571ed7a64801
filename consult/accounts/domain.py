"""Accounts: roles, what each role implies, and input rules. Standard library only."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from consult.accounts.common_passwords import is_common
from consult.fields import FieldError, FormErrors, InputError, field_error, has_control, row_id
from consult.messages import N_
from consult.places.tree import Kind, covers
from consult.roles import Role, RolesHere, effective_roles


# Roles a user may ask for; admin is only ever granted by an admin.
REQUESTABLE_ROLES = (Role.resident, Role.party_member, Role.committee, Role.representative, Role.staff)

# Who may grant which role: staff manage the everyday roles, only an admin grants staff or admin.
GRANTABLE_BY = {
    Role.staff: frozenset({Role.resident, Role.party_member, Role.committee, Role.representative}),
    Role.admin: frozenset(Role),
}


# The kinds of place each role is granted at (it then reaches everything below). An
# administrator's grant has no place: it is the whole install's.
GRANT_KINDS = {
    Role.resident: frozenset({Kind.community}),
    Role.party_member: frozenset({Kind.community}),
    Role.committee: frozenset({Kind.community}),
    Role.representative: frozenset({Kind.district, Kind.street, Kind.community}),
    Role.staff: frozenset({Kind.district, Kind.street, Kind.community}),
    Role.admin: frozenset(),
}


def can_grant(granter_roles: frozenset[str], role: str) -> bool:
    allowed: set[str] = set()
    for r in granter_roles:
        allowed |= GRANTABLE_BY.get(Role(r) if r in Role.__members__ else r, frozenset())
    return role in allowed


# Every account form's messages, by error code.
ACCOUNT_MESSAGES = {
    "username": N_("User name: 3 to 32 letters, digits, dot, dash or underscore."),
    "username_taken": N_("This user name is taken."),
    "display_name": N_("Display name must be 1 to 40 characters."),
    "password_length": N_("Password must be {min} to {max} characters long."),
    "passwords_differ": N_("The two passwords do not match."),
    "password_common": N_("This password is one of the 10,000 most used ones, which attackers try first: choose another."),
    "password_username": N_("The password must not contain your user name."),
    "password_unchanged": N_("The new password must differ from the current one."),
    "wrong_password": N_("The current password is not right."),
    "grid": N_("Choose your grid from the list."),
    "role": N_("Choose a role from the list."),
    "place": N_("Choose a place from the list."),
    "note": N_("The note may be at most 500 characters."),
}


def account_error(code: str, **params) -> FieldError:
    return field_error(code, ACCOUNT_MESSAGES, **params)


class AccountInputError(InputError):
    """Bad input for an account form: `errors` maps field -> FieldError."""


USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")
PASSWORD_MIN, PASSWORD_MAX = 8, 128


def has_control_chars(text: str) -> bool:
    """A control character other than newline, tab or carriage return."""
    return has_control(text.replace("\r", ""), multiline=True)


def check_password(password: str, errors: FormErrors, field_name: str = "password", username: str = "") -> None:
    """A password one may choose: 8 to 128 characters, not on the list of the most common
    passwords (case-insensitive), not containing the user name (case-insensitive)."""
    if not (PASSWORD_MIN <= len(password) <= PASSWORD_MAX):
        errors.add(field_name, account_error("password_length", min=PASSWORD_MIN, max=PASSWORD_MAX))
    elif is_common(password):
        errors.add(field_name, account_error("password_common"))
    elif username and username.strip().lower() in password.lower():
        errors.add(field_name, account_error("password_username"))


def check_new_password(password: str, again: str, errors: FormErrors, name: str = "password",
                       again_name: str = "password2", *, username: str = "", current: str | None = None) -> None:
    """A new password: one may choose it, it is not the current one, and it is typed the
    same way twice (the one-time password an administrator was given cannot be kept)."""
    check_password(password or "", errors, name, username)
    if current is not None and name not in errors.errors and password == current:
        errors.add(name, account_error("password_unchanged"))
    if password != again and name not in errors.errors:
        errors.add(again_name, account_error("passwords_differ"))


def username_field(value: str | None) -> tuple[str, FieldError | None]:
    """The user name as stored (user names are case-insensitive: stored lower-case)."""
    username = (value or "").strip().lower()
    return username, None if USERNAME_RE.match(username) else account_error("username")


@dataclass(frozen=True)
class Registration:
    username: str
    display_name: str
    password: str
    grid_id: int


def validate_registration(
    username: str, display_name: str, password: str, password2: str, grid_id: str, grid_ids: set[int]
) -> Registration:
    errors = FormErrors()
    username, error = username_field(username)
    errors.add("username", error)
    display_name = (display_name or "").strip()
    if not (1 <= len(display_name) <= 40) or has_control_chars(display_name):
        errors.add("display_name", account_error("display_name"))
    check_new_password(password, password2, errors, username=username)
    gid, _error = row_id(grid_id)
    if gid not in grid_ids:
        errors.add("grid_id", account_error("grid"))
    errors.raise_if_any(AccountInputError)
    return Registration(username, display_name, password, gid)


def validate_role_request(role: str, note: str) -> tuple[str, str]:
    errors = FormErrors()
    if role not in {r.value for r in REQUESTABLE_ROLES}:
        errors.add("role", account_error("role"))
    note = (note or "").strip()
    if len(note) > 500 or has_control_chars(note):
        errors.add("note", account_error("note"))
    errors.raise_if_any(AccountInputError)
    return role, note


@dataclass
class Viewer:
    """Who is making a request; `roles` are the effective roles."""

    id: int | None = None
    username: str = ""
    display_name: str = ""
    grid_id: int | None = None
    granted: frozenset[str] = field(default_factory=frozenset)  # the roles held, at any place
    must_change_password: bool = False
    session_epoch: int = 0
    # (role, scope): each role with the path of the place it reaches (consult.places.tree;
    # WHOLE_INSTALL for an administrator's). A role counts at a place only if its scope
    # covers it: the committee of community A holds nothing in community B.
    grants: tuple[tuple[str, str], ...] = ()

    def granted_at(self, path: str | None) -> frozenset[str]:
        """The roles (as granted, before implications) that reach the place at ``path``."""
        here = frozenset() if path is None else frozenset(role for role, scope in self.grants if covers(scope, path))
        return RolesHere.of(here, self.granted)

    def roles_at(self, path: str | None) -> frozenset[str]:
        return effective_roles(self.granted_at(path))

    def has_at(self, path: str | None, *roles: str) -> bool:
        return bool(self.roles_at(path) & set(roles))

    def scopes_of(self, *roles: str) -> tuple[str, ...]:
        """The paths where the viewer holds any of ``roles`` (an administrator: the whole install)."""
        return tuple(sorted({scope for role, scope in self.grants if effective_roles((role,)) & set(roles)}))

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
