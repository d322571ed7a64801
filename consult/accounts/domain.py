"""Accounts: roles, what each role implies, and input rules. Standard library only."""

from __future__ import annotations

import re
import unicodedata
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
    Role.staff: frozenset({Role.resident, Role.party_member, Role.committee, Role.representative, Role.grid_worker}),
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
    Role.grid_worker: frozenset({Kind.grid}),
    Role.admin: frozenset(),
}


def can_grant(granter_roles: frozenset[str], role: str) -> bool:
    allowed: set[str] = set()
    for r in granter_roles:
        allowed |= GRANTABLE_BY.get(Role(r) if r in Role.__members__ else r, frozenset())
    return role in allowed


# Every account form's messages, by error code.
ACCOUNT_MESSAGES = {
    "username": N_("User name: your 11-digit mobile number, or 2 to 32 characters: Chinese characters, "
                   "letters a-z, digits, dot, dash, underscore or middle dot (·), with at least one Chinese "
                   "character or letter."),
    "username_length": N_("User name: 2 to 32 characters (this one has {n})."),
    "username_char": N_("User name: the character {char} (U+{hex}) is not allowed. Use Chinese characters, "
                        "letters a-z, digits, dot, dash, underscore or middle dot (·)."),
    "username_digits": N_("User name: a name of digits only must be an 11-digit mobile number, such as "
                          "138 1234 5678."),
    "display_name_phone": N_("Your display name is shown to everyone: do not put a phone number in it."),
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
    "reason": N_("Give the reason in 2 to 300 characters: the newcomer reads it."),
}


def account_error(code: str, **params) -> FieldError:
    return field_error(code, ACCOUNT_MESSAGES, **params)


class AccountInputError(InputError):
    """Bad input for an account form: `errors` maps field -> FieldError."""


USERNAME_MIN, USERNAME_MAX = 2, 32
PASSWORD_MIN, PASSWORD_MAX = 8, 128


def has_control_chars(text: str) -> bool:
    """A control character other than newline, tab or carriage return."""
    return has_control(text.replace("\r", ""), multiline=True)


def check_password(password: str, errors: FormErrors, field_name: str = "password", username: str = "") -> None:
    """A password one may choose: 8 to 128 characters, not on the list of the most common
    passwords (case-insensitive), not containing the user name (case-insensitive) of 3 or
    more characters."""
    if not (PASSWORD_MIN <= len(password) <= PASSWORD_MAX):
        errors.add(field_name, account_error("password_length", min=PASSWORD_MIN, max=PASSWORD_MAX))
    elif is_common(password):
        errors.add(field_name, account_error("password_common"))
    elif len(username) >= 3 and username.strip().lower() in password.lower():  # "ab" in a password is no weakness
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


# ---------------------------------------------------------------- sign-in names
# A sign-in name is stored (and unique) in its normal form: NFKC (full-width letters and
# digits become ASCII), no spaces at all, Latin letters lower-case; a mobile number typed
# with spaces, dashes, brackets or the +86 / 0086 prefix becomes its 11 digits. Sign-in
# normalises what is typed the same way, so 王奶奶, ＷＡＮＧ and ＋86 138-1234-5678 all find
# their account.

MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_MOBILE_IN_TEXT_RE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_PHONE_TYPED_RE = re.compile(r"(?:(?:\+|00)?86)?(1[3-9][0-9]{9})")
_PHONE_SEPARATORS = dict.fromkeys(map(ord, "-()\u2010\u2011\u2012\u2013\u2014\u2212"), None)
_MIDDLE_DOTS = dict.fromkeys(map(ord, "\u30fb\u2022\u2027\u2219\u22c5"), "\u00b7")
MIDDLE_DOT = "\u00b7"
_LATIN = frozenset("abcdefghijklmnopqrstuvwxyz")
_OTHER = frozenset("0123456789._-" + MIDDLE_DOT)


def is_han(ch: str) -> bool:
    """A CJK unified ideograph (the basic block and extensions A to G). Kana, hangul,
    radicals and symbols are not: katakana カ and ロ look like 力 and 口."""
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x3134F


def normalize_username(value: str | None) -> str:
    """The stored form of a typed sign-in name (never refuses: see check_username)."""
    text = "".join(unicodedata.normalize("NFKC", value or "").split())
    phone = _PHONE_TYPED_RE.fullmatch(text.translate(_PHONE_SEPARATORS))
    if phone:
        return phone.group(1)
    return text.translate(_MIDDLE_DOTS).lower()


def is_mobile(username: str) -> bool:
    """A sign-in name that is a mobile number: private, never shown publicly."""
    return bool(MOBILE_RE.fullmatch(username or ""))


def check_username(name: str) -> FieldError | None:
    """What a new sign-in name may be (``name`` already normalised). Refused besides the
    length: control and invisible characters (zero-width, bidirectional overrides, soft
    hyphen), combining marks, letters of other scripts that pass for Latin ones (Cyrillic
    а, Greek ο), kana and hangul, symbols and emoji; a middle dot at either end or twice in
    a row; a name of digits only that is not a mobile number (a mistyped number would take
    a name nobody remembers, and digit names read as record numbers in staff lists)."""
    if is_mobile(name):
        return None
    if not (USERNAME_MIN <= len(name) <= USERNAME_MAX):
        return account_error("username_length", n=len(name))
    for ch in name:
        if ch not in _LATIN and ch not in _OTHER and not is_han(ch):
            shown = ch if unicodedata.category(ch)[0] in "LNPS" else " "
            return account_error("username_char", char=f"\u201c{shown}\u201d", hex=f"{ord(ch):04X}")
    if name.isdigit():
        return account_error("username_digits")
    if (name.startswith(MIDDLE_DOT) or name.endswith(MIDDLE_DOT) or MIDDLE_DOT * 2 in name
            or not any(ch in _LATIN or is_han(ch) for ch in name)):
        return account_error("username")
    return None


def username_field(value: str | None) -> tuple[str, FieldError | None]:
    """The user name as stored, and what is wrong with it as a new name."""
    username = normalize_username(value)
    return username, check_username(username)


def display_name_error(display_name: str) -> FieldError | None:
    """The display name is public: 1 to 40 characters, no control characters, and no
    mobile number in it (a phone number used to sign in stays private)."""
    if not (1 <= len(display_name) <= 40) or has_control_chars(display_name):
        return account_error("display_name")
    packed = "".join(unicodedata.normalize("NFKC", display_name).split()).translate(_PHONE_SEPARATORS)
    if _MOBILE_IN_TEXT_RE.search(packed):
        return account_error("display_name_phone")
    return None


def public_name(username: str, display_name: str | None) -> str:
    """The name an account goes by where others see it: the display name, or, lacking one,
    the user name with a mobile number masked (138****5678)."""
    if display_name:
        return display_name
    return username[:3] + "****" + username[7:] if is_mobile(username) else username


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
    errors.add("display_name", display_name_error(display_name))
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


DECLINE_REASON_MIN, DECLINE_REASON_MAX = 2, 300


def validate_decline_reason(reason: str | None) -> str:
    """Why staff decline a registration: the newcomer reads it on their account page."""
    reason = (reason or "").replace("\r\n", "\n").strip()
    if not (DECLINE_REASON_MIN <= len(reason) <= DECLINE_REASON_MAX) or has_control_chars(reason):
        raise AccountInputError({"reason": account_error("reason")})
    return reason


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
    # works in a department (consult.workorders: the ``department`` role, scoped to departments
    # rather than places): an administrator attached them, so they are not waiting for verification
    in_department: bool = False

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
        return bool(self.granted) or self.in_department

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))
