"""The install itself: its name, and first-run setup (SPEC §1, issue 13 point 5).

Until ``Install.setup_done_at`` is set, a signed-in administrator is told on every page
what to do next, and everybody else sees a "being set up" page. The steps: name the
install, create or import the places, the categories, the first staff account, then
"finish setup" (which needs a name, an active grid and an active category: without
them nobody could register or propose a topic)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from consult import audit, db
from consult.accounts.domain import GRANT_KINDS, AccountInputError, account_error, has_control_chars
from consult.accounts.services import create_user
from consult.accounts.tables import Category, UserRole
from consult.cache import RevisionCache, content_revision
from consult.fields import FieldError, FormErrors
from consult.messages import N_
from consult.places import queries as places
from consult.places.domain import PlaceInputError
from consult.places.forms import validate_install_name
from consult.places.tables import Install
from consult.places.tree import Kind
from consult.roles import Role

SETUP_MESSAGES = {
    "name": N_("Give the install its name first."),
    "grids": N_("Create or import at least one grid: residents register in a grid."),
    "categories": N_("Add at least one category: every topic has one."),
}

# The steps, in order; the banner names the first one not done yet.
STEPS = ("name", "places", "categories", "staff", "finish")


@dataclass(frozen=True)
class InstallState:
    name: str
    set_up: bool
    grids: int = 0
    categories: int = 0
    staff: int = 0

    @property
    def next_step(self) -> str | None:
        if self.set_up:
            return None
        done = {"name": bool(self.name), "places": self.grids > 0, "categories": self.categories > 0,
                "staff": self.staff > 0}
        return next((s for s in STEPS if not done.get(s, False)), "finish")


_states = RevisionCache("places.install", size=4)


async def _counted(row: dict) -> InstallState:
    tree = await places.tree()
    return InstallState(
        name=row["name"] or "", set_up=False,
        grids=len(tree.below(None, Kind.grid, active_only=True)),
        categories=await Category.count().where(Category.active == True),  # noqa: E712
        staff=await UserRole.count().where(UserRole.role == Role.staff.value),
    )


async def install_state() -> InstallState:
    """The name and whether setup is done: one cached read per content revision once set
    up (every page shows the name); read fresh, with the counts of each step, while not."""
    revision = await content_revision()
    cached = _states.get(revision) if revision is not None else None
    if cached is not None:
        return cached
    row = await places.install_row()
    if row["setup_done_at"] is None:
        return await _counted(row)
    state = InstallState(name=row["name"] or "", set_up=True)
    if revision is not None:
        _states.put(revision, state)
    return state


async def _ensure_row() -> None:
    if not await Install.exists().where(Install.id == 1):
        await Install.insert(Install(id=1, name=""))


async def name_install(actor_id: int | None, name) -> None:
    clean = validate_install_name(name)
    async with db.transaction():
        await _ensure_row()
        old = (await places.install_row())["name"]
        if old == clean:
            return
        await Install.update({Install.name: clean}).where(Install.id == 1)
        await audit.record(actor_id, "install.named", "install", 1, name=clean, old_name=old)


async def finish_setup(actor_id: int | None) -> bool:
    """Mark setup done (False: it already was). Refused while a needed step is missing."""
    async with db.transaction():
        row = await places.install_row()
        if row["setup_done_at"] is not None:
            return False
        state = await _counted(row)
        errors = FormErrors()
        for step, missing in (("name", not state.name), ("grids", not state.grids),
                              ("categories", not state.categories)):
            if missing:
                errors.add(step, FieldError(step, SETUP_MESSAGES[step], {}))
        errors.raise_if_any(PlaceInputError)
        await Install.update({Install.setup_done_at: datetime.now(timezone.utc)}).where(Install.id == 1)
        await audit.record(actor_id, "install.setup_finished", "install", 1, name=state.name)
        return True


async def staff_places() -> list[tuple[int, str]]:
    """The places a staff member can be granted at (a community, street or district)."""
    tree = await places.tree()
    kinds = GRANT_KINDS[Role.staff]
    return [(n.id, tree.label(n.id, Kind.district)) for n in tree.ordered() if n.kind in kinds and n.active]


async def create_staff(actor_id: int | None, username, display_name, place_id) -> tuple[str, str]:
    """A staff account at ``place_id`` with a one-time password (changed at first sign-in).
    Returns (user name, the password, to show once)."""
    if place_id not in {pid for pid, _label in await staff_places()}:
        raise AccountInputError({"place": account_error("place")})
    display = " ".join(str(display_name or "").split())
    if not (1 <= len(display) <= 40) or has_control_chars(display):
        raise AccountInputError({"display_name": account_error("display_name")})
    password = secrets.token_urlsafe(12)
    await create_user(str(username or ""), password, [Role.staff.value], display_name=display,
                      must_change_password=True, actor_id=actor_id, place_id=place_id)
    return str(username or "").strip().lower(), password


__all__ = ["InstallState", "install_state", "name_install", "finish_setup", "create_staff", "staff_places"]
