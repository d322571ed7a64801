"""The administrator's pages for the tree of places: the tree, one place (rename, household
count, add a place under it, move, deactivate / reactivate) and the CSV import upload.
Admin only (the whole install); every change goes through consult.places.changes or
consult.places.commands (one transaction each, audited)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from consult.accounts.guards import requires, viewer_of
from consult.fields import row_id
from consult.messages import N_, NotFound
from consult.places import changes, commands
from consult.places import queries as places
from consult.places.domain import PlaceInputError, place_error
from consult.places.importer import ImportRefused, import_places
from consult.places.tree import CHILD_KIND, KIND_LABELS, ROOT_KINDS, Kind, may_hold
from consult.roles import Role
from consult.web.forms import confirmed, field_errors, form_data
from consult.web.i18n import gettext as _
from consult.web.templating import flash, redirect, render, url

ADMIN = requires(Role.admin.value)
MAX_UPLOAD = 5 * 1024 * 1024  # bytes of a places CSV


def kind_label(kind) -> str:
    return _(KIND_LABELS[Kind(kind)])


def place_errors(errors: dict) -> dict[str, str]:
    """Translated field errors, a kind of place in them shown by its label (区, 网格…)."""
    kinds = {k.value for k in Kind}
    return field_errors({name: error._replace(params={k: kind_label(v) if k in ("kind", "parent") and v in kinds
                                                       else v for k, v in error.params.items()})
                         for name, error in errors.items()})


async def _tree_page(request: Request, form: dict | None = None, errors: dict | None = None,
                     import_problems: list[str] | None = None, status_code: int = 200) -> Template:
    tree = await places.tree()
    return render(request, "places/tree.html", {
        "tree": tree, "roots": tree.roots(), "children": tree.children, "kind_label": kind_label,
        "root_kinds": [(k.value, kind_label(k)) for k in Kind if k in ROOT_KINDS],
        "form": form or {}, "errors": errors or {}, "import_problems": import_problems or [],
    }, status_code=status_code)


@get("/admin/places", name="places:tree", guards=[ADMIN])
async def show_tree(request: Request) -> Template:
    return await _tree_page(request)


def _move_targets(tree, node) -> list[tuple[str, str]]:
    """Where the place may move: a parent that may hold its kind, outside its own subtree."""
    options = [("", _("(top of the tree)"))] if may_hold(None, node.kind) else []
    return options + [(str(n.id), tree.label(n.id, Kind.district)) for n in tree.ordered()
                      if may_hold(n.kind, node.kind) and not n.path.startswith(node.path) and n.id != node.parent]


async def _place_page(request: Request, place_id: int, form: dict | None = None, errors: dict | None = None,
                      status_code: int = 200) -> Template:
    tree = await places.tree()
    node = tree.get(place_id)
    if node is None:
        raise NotFound(commands.NO_PLACE)
    child = CHILD_KIND.get(node.kind)
    return render(request, "places/place.html", {
        "node": node, "tree": tree, "ancestors": tree.ancestors(place_id)[:-1], "children": tree.children(place_id),
        "below": len(tree.below(place_id)) - 1, "kind_label": kind_label,
        "child_kind": child.value if child else None, "moves": _move_targets(tree, node),
        "parent_active": node.parent is None or tree.get(node.parent).active,
        "form": form or {}, "errors": errors or {},
    }, status_code=status_code)


@get("/admin/places/{place_id:int}", name="places:edit", guards=[ADMIN])
async def edit_place(request: Request, place_id: FromPath[int]) -> Template:
    return await _place_page(request, place_id)


@post("/admin/places", name="places:create", guards=[ADMIN])
async def create_place(request: Request) -> Any:
    """A place at the top (kind from the form) or under ``parent`` (the kind that may sit there)."""
    form = await form_data(request)
    parent_id = None
    if form.get("parent"):
        parent_id, _error = row_id(form.get("parent"))
        node = (await places.tree()).get(parent_id)
        if node is None:
            raise NotFound(commands.NO_PLACE)
        kind = CHILD_KIND.get(node.kind)
        if kind is None:
            raise PlaceInputError({"kind": place_error("kind")})
    else:
        kind = form.get("kind", "")
        if kind not in {k.value for k in ROOT_KINDS}:
            return await _tree_page(request, form, field_errors({"kind": place_error("kind")}), status_code=400)
    try:
        new_id = await commands.create_place(viewer_of(request).id, parent_id, form.get("name"), kind,
                                             form.get("households") or 0)
    except PlaceInputError as exc:
        errors = place_errors(exc.errors)
        if parent_id is not None:
            return await _place_page(request, parent_id, form, errors, status_code=400)
        return await _tree_page(request, form, errors, status_code=400)
    flash(request, _("Place created."))
    return redirect(url("places:edit", place_id=new_id))


@post("/admin/places/{place_id:int}", name="places:update", guards=[ADMIN])
async def update_place(request: Request, place_id: FromPath[int]) -> Any:
    form = await form_data(request)
    try:
        await changes.update_place(viewer_of(request).id, place_id, form.get("name"), form.get("households"))
    except PlaceInputError as exc:
        return await _place_page(request, place_id, {**form, "edit": True}, place_errors(exc.errors), status_code=400)
    flash(request, _("Place saved."))
    return redirect(url("places:edit", place_id=place_id))


def _parent_choice(text: str | None) -> tuple[int | None, bool]:
    """(parent id or None for the top, whether the value was valid)."""
    if not text:
        return None, True
    parent_id, error = row_id(text)
    return parent_id, error is None


@get("/admin/places/{place_id:int}/move", name="places:move_confirm", guards=[ADMIN])
async def confirm_move(request: Request, place_id: FromPath[int], parent: FromQuery[str] = "") -> Template:
    tree = await places.tree()
    node = tree.get(place_id)
    if node is None:
        raise NotFound(commands.NO_PLACE)
    parent_id, ok = _parent_choice(parent)
    if not ok or (parent_id is not None and parent_id not in tree):
        return await _place_page(request, place_id, {"parent": parent},
                                 field_errors({"parent": place_error("parent")}), status_code=400)
    target = tree.label(parent_id, Kind.district) if parent_id else _("(top of the tree)")
    moving = len(tree.below(place_id))
    action = url("places:move", place_id=place_id) + (f"?parent={parent_id}" if parent_id else "")
    back = url("places:edit", place_id=place_id)
    return render(request, "confirm.html", {
        "heading": _("Move {name} under {target}?", name=node.name, target=target),
        "explanation": [
            _("{name} and the {n} places below it move together; their topics, people and roles stay with them.",
              name=node.name, n=moving - 1),
            _("Whoever holds a role at the old place above it no longer reaches {name}.", name=node.name),
        ],
        "warning": _("The move is recorded in the audit log and can be undone by moving it back."),
        "yes": _("Yes, move it"), "action": action, "cancel": back, "next": "",
    })


@post("/admin/places/{place_id:int}/move", name="places:move", guards=[ADMIN])
async def move_place(request: Request, place_id: FromPath[int], parent: FromQuery[str] = "") -> Any:
    form = await form_data(request)
    parent_text = parent or form.get("parent", "")
    if not confirmed(form):
        return redirect(url("places:move_confirm", place_id=place_id)
                        + (f"?parent={parent_text}" if parent_text.isdigit() else ""))
    parent_id, ok = _parent_choice(parent_text)
    try:
        if not ok:
            raise PlaceInputError({"parent": place_error("parent")})
        moved = await changes.move_place(viewer_of(request).id, place_id, parent_id)
    except PlaceInputError as exc:
        return await _place_page(request, place_id, {"parent": parent_text}, place_errors(exc.errors),
                                 status_code=400)
    flash(request, _("Moved {n} places.", n=moved) if moved else _("The place already sits there."))
    return redirect(url("places:edit", place_id=place_id))


@get("/admin/places/{place_id:int}/deactivate", name="places:deactivate_confirm", guards=[ADMIN])
async def confirm_deactivate(request: Request, place_id: FromPath[int]) -> Template:
    tree = await places.tree()
    node = tree.get(place_id)
    if node is None:
        raise NotFound(commands.NO_PLACE)
    back = url("places:edit", place_id=place_id)
    return render(request, "confirm.html", {
        "heading": _("Deactivate {name}?", name=node.name),
        "explanation": [
            _("{name} and the {n} places below it become inactive: their grids are no longer offered to newcomers "
              "or to people proposing a topic.", name=node.name, n=len(tree.below(place_id)) - 1),
            _("Nothing is deleted: topics, people and roles stay where they are, and you can reactivate it later."),
        ],
        "warning": _("The change is recorded in the audit log."),
        "yes": _("Yes, deactivate it"), "action": url("places:deactivate", place_id=place_id),
        "cancel": back, "next": "",
    })


@post("/admin/places/{place_id:int}/deactivate", name="places:deactivate", guards=[ADMIN])
async def deactivate_place(request: Request, place_id: FromPath[int]) -> Any:
    form = await form_data(request)
    if not confirmed(form):
        return redirect(url("places:deactivate_confirm", place_id=place_id))
    changed = await changes.set_active(viewer_of(request).id, place_id, False)
    flash(request, _("Deactivated {n} places.", n=changed) if changed else _("The place was already inactive."))
    return redirect(url("places:edit", place_id=place_id))


@post("/admin/places/{place_id:int}/reactivate", name="places:reactivate", guards=[ADMIN])
async def reactivate_place(request: Request, place_id: FromPath[int]) -> Any:
    try:
        changed = await changes.set_active(viewer_of(request).id, place_id, True)
    except PlaceInputError as exc:
        return await _place_page(request, place_id, {}, place_errors(exc.errors), status_code=400)
    flash(request, _("Reactivated {n} places.", n=changed) if changed else _("The place was already active."))
    return redirect(url("places:edit", place_id=place_id))


def _kinds_shown(params: dict) -> dict:
    return {k: kind_label(v) if k in ("found", "expected") else v for k, v in params.items()}


NO_FILE = N_("Choose a CSV file to import, or paste its rows.")


@post("/admin/places/import", name="places:import", guards=[ADMIN], request_max_body_size=MAX_UPLOAD + 65536)
async def import_csv(request: Request) -> Any:
    """The same import as `consult places import FILE.csv`, from an uploaded file or from
    the rows pasted into the text box."""
    form = await request.form()
    upload, pasted = form.get("file"), form.get("csv_text")
    data = await upload.read() if hasattr(upload, "read") else b""
    if not data and isinstance(pasted, str):
        data = pasted.encode("utf-8", "replace")
    try:
        if not data.strip():
            return await _tree_page(request, import_problems=[_(NO_FILE)], status_code=400)
        result = await import_places(viewer_of(request).id, data)
    except ImportRefused as exc:
        return await _tree_page(request, import_problems=[_(p.message, **_kinds_shown(p.params))
                                                          for p in exc.problems], status_code=400)
    flash(request, _("Imported: {created} places created, {updated} household counts changed.",
                     created=result.created, updated=result.updated))
    return redirect(url("places:tree"))


route_handlers = [show_tree, edit_place, create_place, update_place, confirm_move, move_place, confirm_deactivate,
                  deactivate_place, reactivate_place, import_csv]
