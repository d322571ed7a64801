"""The settings pages: which places a staff member may configure, and one place's
settings, each with its value and where it comes from (set here, inherited from a place
above, or the built-in default). Staff of the place or above it, and administrators."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from consult.accounts.guards import requires, viewer_of
from consult.places import queries
from consult.places.calendar_days import KIND_LABELS as DAY_KIND_LABELS
from consult.places.setting_changes import check_reach, load_place, may_configure, save_settings
from consult.places.settings import BY_KEY, SETTINGS, SettingKind, SettingsInputError, form_value, resolve
from consult.places.tree import KIND_LABELS, Kind, Tree
from consult.roles import Role
from consult.web.forms import field_errors, form_data
from consult.web.i18n import gettext as _
from consult.web.templating import flash, redirect, render, url

STAFF = Role.staff.value
# The index lists the levels people run; grids and buildings are reached from their community.
INDEX_KINDS = (Kind.district, Kind.street, Kind.community)


def _shown(setting, value) -> str:
    if setting.kind is SettingKind.flag:
        return _("yes") if value else _("no")
    return f"{value}{_(setting.unit)}" if setting.unit == "%" else f"{value} {_(setting.unit)}"


def _source(tree: Tree, place_id: int, source: int | None) -> str:
    if source is None:
        return _("built-in default")
    if source == place_id:
        return _("set here")
    node = tree.get(source)
    return _("inherited from {place}", place=node.name if node else "?")


def _rows(tree: Tree, place: dict, form: dict | None) -> list[dict]:
    """One row per setting: what holds here, where it comes from, and the form's value."""
    here = resolve(tree, place["id"])
    above = resolve(tree, tree.get(place["id"]).parent) if tree.get(place["id"]) else here
    rows = []
    for setting in SETTINGS:
        value, source = here[setting.key]
        inherited, from_where = above[setting.key]
        own = place[setting.key]
        rows.append({
            "key": setting.key, "label": _(setting.label), "hint": _(setting.hint), "flag": setting.kind is SettingKind.flag,
            "unit": _(setting.unit), "low": setting.low, "high": setting.high,
            "now": _shown(setting, value), "source": _source(tree, place["id"], source), "set_here": source == place["id"],
            "inherit_text": _("Leave empty to inherit: {value} ({source})", value=_shown(setting, inherited),
                              source=_source(tree, place["id"], from_where)),
            "inherit_option": _("As the place above: {value}", value=_shown(setting, inherited)),
            "value": form.get(setting.key, "") if form is not None else form_value(setting, own),
        })
    return rows


async def _calendar(place_id: int, tree: Tree) -> dict:
    """The place's own days (with a remove button) and those it inherits from above."""
    own = await queries.own_calendar(place_id)
    held = await queries.calendar_days(place_id)
    own_days = {d.day for d in own}
    above = [d for day, d in sorted(held.items()) if day not in own_days]
    view = lambda d: {"day": d.day.isoformat(), "kind": _(DAY_KIND_LABELS[d.kind]), "name": d.name}  # noqa: E731
    return {"own": [view(d) for d in own], "inherited": [view(d) for d in above],
            "kinds": [(k.value, _(v)) for k, v in DAY_KIND_LABELS.items()]}


async def settings_context(request: Request, place_id: int, form: dict | None = None, errors: dict | None = None,
                   **calendar: Any) -> dict:
    place = await load_place(place_id)
    check_reach(viewer_of(request), place)
    tree = await queries.tree()
    node = tree.get(place_id)
    children = tree.children(place_id) if node else []
    return {
        "place": place, "kind_label": _(KIND_LABELS[Kind(place["kind"])]),
        "chain": [{"id": n.id, "name": n.name} for n in tree.ancestors(place_id)[:-1]],
        "children": [{"id": c.id, "name": c.name, "kind": _(KIND_LABELS[c.kind]),
                      "own": sum(1 for k in BY_KEY if c.settings.get(k) is not None)} for c in children],
        "rows": _rows(tree, place, form), "errors": errors or {},
        "flag_choices": [("yes", _("yes")), ("no", _("no"))],
        "calendar": await _calendar(place_id, tree), "day_form": calendar.get("day_form") or {},
        "day_errors": calendar.get("day_errors") or {}, "file_problems": calendar.get("file_problems") or [],
    }


@get("/staff/settings", name="places:settings_index", guards=[requires(STAFF)])
async def settings_index(request: Request) -> Template:
    """The places whose settings the viewer may change, the tree down to communities."""
    viewer = viewer_of(request)
    tree = await queries.tree()
    depth = {k: i for i, k in enumerate(Kind)}
    places = [
        {"id": n.id, "name": n.name, "kind": _(KIND_LABELS[n.kind]), "depth": depth[n.kind],
         "own": sum(1 for k in BY_KEY if n.settings.get(k) is not None), "active": n.active}
        for n in tree.ordered() if n.kind in INDEX_KINDS and may_configure(viewer, n.path)
    ]
    return render(request, "places/settings_index.html", {"places": places})


@get("/staff/places/{place_id:int}/settings", name="places:settings", guards=[requires(STAFF)])
async def show_settings(request: Request, place_id: FromPath[int]) -> Template:
    return render(request, "places/settings.html", await settings_context(request, place_id))


@post("/staff/places/{place_id:int}/settings", name="places:save_settings", guards=[requires(STAFF)])
async def change_settings(request: Request, place_id: FromPath[int]) -> Any:
    form = await form_data(request)
    try:
        changes = await save_settings(viewer_of(request), place_id, form)
    except SettingsInputError as exc:
        ctx = await settings_context(request, place_id, form, field_errors(exc.errors))
        return render(request, "places/settings.html", ctx, status_code=400)
    flash(request, _("Settings saved.") if changes else _("Nothing changed."))
    return redirect(url("places:settings", place_id=place_id))


route_handlers = [settings_index, show_settings, change_settings]

__all__ = ["route_handlers", "settings_context"]
