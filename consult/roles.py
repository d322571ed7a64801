"""Who holds which role, and what each role implies (SPEC §1). Standard library only.

* ``admin`` may do everything any other person may: it implies every human role. It does
  NOT imply the ``system`` pseudo-role: automatic steps (the vote result, the end of an
  evaluation window) are taken only by the application itself, never by a person.
* ``party_member`` implies ``resident`` ("everything a resident may").
* ``committee``, ``representative``, ``staff`` and ``grid_worker`` (网格员, granted at a
  grid) do NOT imply ``resident``: one account
  can hold several roles, and acts as a resident only if it holds ``resident`` too.
* Unknown strings are ignored; an unverified account or a visitor holds no role.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from consult.messages import N_


class Role(StrEnum):
    resident = "resident"
    party_member = "party_member"
    committee = "committee"
    representative = "representative"
    staff = "staff"
    grid_worker = "grid_worker"  # 网格员: a grid's own; enters topics for residents met at home
    admin = "admin"


SYSTEM = "system"  # pseudo-role: the application acting on its own

HUMAN_ROLES: frozenset[str] = frozenset(Role)
KNOWN_ROLES: frozenset[str] = HUMAN_ROLES | {SYSTEM}

ROLE_LABELS = {
    Role.resident: N_("Resident"),
    Role.party_member: N_("Party member"),
    Role.committee: N_("Committee member"),
    Role.representative: N_("Representative"),
    Role.staff: N_("Community staff"),
    Role.grid_worker: N_("Grid worker"),
    Role.admin: N_("Administrator"),
}


class RolesHere(frozenset):
    """The roles that reach one place, remembering the ``elsewhere`` ones the same person
    holds at other places: a refusal can then say "not here" rather than "not your role"."""

    elsewhere: frozenset[str] = frozenset()

    @classmethod
    def of(cls, here: Iterable[str], elsewhere: Iterable[str]) -> "RolesHere":
        roles = cls(here)
        roles.elsewhere = frozenset(elsewhere) - roles
        return roles


def elsewhere_of(roles: Iterable[str]) -> frozenset[str]:
    return getattr(roles, "elsewhere", frozenset())


def effective_roles(roles: Iterable[str]) -> frozenset[str]:
    """The roles an account acts with, after the implications in the module doc."""
    held = {str(role) for role in roles} & KNOWN_ROLES
    if Role.admin in held:
        held |= HUMAN_ROLES
    if Role.party_member in held:
        held.add(Role.resident)
    return frozenset(held)
