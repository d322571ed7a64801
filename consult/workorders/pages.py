"""Work-order pages: an order's public page (its clock, its timeline and the forms of the
moves the viewer may take, drawn from ``ACTION_INPUTS``), a department's queue sorted by
time left, the list of orders a level holds, a plain service request entered by staff,
and opening an order from a topic."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from consult.accounts.guards import requires, signed_in, viewer_of
from consult.accounts.tables import Category
from consult.intake import queries as intake_queries
from consult.messages import N_, NotFound
from consult.places import queries as places
from consult.places.tree import Kind
from consult.roles import Role
from consult.web.forms import field_errors, form_data
from consult.web.i18n import gettext as _, get_locale
from consult.web.templating import flash, redirect, render, url
from consult.workorders import commands, queries, review_panel
from consult.workorders.views import row_view
from consult.workorders.forms import OrderInputError
from consult.workorders.labels import ACTION_LABELS, EVENT_WORDS, INPUT_LABELS, RATING_LABELS
from consult.workorders.lifecycle import ACTION_INPUTS, OrderAction, allowed_actions
from consult.photos import commands as photos_commands
from consult.photos.commands import MAX_REQUEST_BYTES, PhotoInputError
from consult.photos.owners import OwnerType, PhotoKind
from consult.photos.queries import photos_of
from consult.photos.routes import read_uploads
from consult.workorders.steps import departments_of, load_order, roles_on, utcnow

LEVEL = (Role.committee.value, Role.staff.value)
PHOTO_FIELD = "photos"  # a reply's evidence
NO_DEPARTMENT = N_("You do not work in a department: an administrator attaches people to departments.")


def _hop_view(hop: dict) -> dict:
    template = EVENT_WORDS.get(hop["action"], hop["action"])
    words = _(template, **{"from": hop["from_name"], "to": hop["to_name"]})
    return {**hop, "words": words}


def _inputs(action, choices: dict[int, dict], ratings: list) -> list[dict]:
    out = []
    for spec in ACTION_INPUTS[action]:
        options = ([(i, d["name"]) for i, d in choices.items()] if spec.kind == "department"
                   else ratings if spec.kind == "choice" else [])
        out.append({"name": spec.name, "kind": spec.kind, "label": _(INPUT_LABELS[spec.name]),
                    "required": spec.required, "options": options})
    return out


async def _context(request: Request, order_id: int, failed: str = "", form: dict | None = None,
                   errors: dict | None = None) -> dict:
    now = utcnow()
    row = await queries.order(order_id, now)
    if row is None:
        raise NotFound(N_("There is no work order number {order_id}."), order_id=order_id)
    viewer = viewer_of(request)
    actions = []
    if viewer.signed_in:
        full, tree = await load_order(order_id), await places.tree()
        roles = roles_on(viewer, full, tree, await departments_of(viewer.id))
        choices = await commands.department_choices(full, tree)
        ratings = [(k, _(v)) for k, v in RATING_LABELS.items()]
        actions = [{"name": a.value, "label": _(ACTION_LABELS[a.value]), "inputs": _inputs(a, choices, ratings),
                    "photos": a is OrderAction.reply}
                   for a in allowed_actions(row["state"], roles)]
    hops = [_hop_view(h) for h in await queries.timeline(order_id)]
    photos = await photos_of(OwnerType.work_order_reply, [h["id"] for h in hops if h["action"] == OrderAction.reply])
    return {"order": row_view(row), "hops": review_panel.merged(hops, await review_panel.timeline_lines(order_id)),
            "review": await review_panel.panel(viewer, order_id), "reply_photos": photos, "photo_field": PHOTO_FIELD,
            "actions": actions, "failed": failed, "form": form or {}, "errors": errors or {},
            "rating_label": _(RATING_LABELS.get(row["rating"], "")) if row["rating"] else "",
            "intake": await intake_queries.public_of_order(order_id)}  # the channel when entered for a resident


@get("/work-orders/{order_id:int}", name="workorders:detail")
async def order_page(request: Request, order_id: FromPath[int]) -> Template:
    """Public: what the order is, who holds it, its clock and every hop."""
    return render(request, "workorders/detail.html", await _context(request, order_id))


@post("/work-orders/{order_id:int}/act/{action:str}", name="workorders:act", guards=[signed_in],
      request_max_body_size=MAX_REQUEST_BYTES)
async def take_action(request: Request, order_id: FromPath[int], action: FromPath[str]) -> Any:
    """A move; a reply's form is multipart and may carry photos (evidence)."""
    if action == OrderAction.reply.value:
        form, uploads = await read_uploads(request, {PHOTO_FIELD: PhotoKind.plain})
    else:
        form, uploads = await form_data(request), []
    try:
        batch = await photos_commands.prepare(uploads, [PHOTO_FIELD]) if uploads else None
        await commands.act(viewer_of(request), order_id, action, form, photos=batch)
    except (OrderInputError, PhotoInputError) as exc:
        ctx = await _context(request, order_id, action, form, field_errors(exc.errors))
        return render(request, "workorders/detail.html", ctx, status_code=400)
    flash(request, _("Done: {action}.", action=_(ACTION_LABELS[action])))
    return redirect(url("workorders:detail", order_id=order_id))


@get("/department/orders", name="workorders:queue", guards=[signed_in], opt={"no_store": True})
async def department_queue(request: Request) -> Template:
    """A department's people work their queue: the least time left first."""
    departments = await departments_of(viewer_of(request).id)
    rows = await queries.queue(departments, utcnow())
    names = await queries.department_names()
    return render(request, "workorders/queue.html", {
        "rows": [row_view(r) for r in rows], "departments": [names[d]["name"] for d in sorted(departments) if d in names],
        "no_department": _(NO_DEPARTMENT) if not departments else ""})


@get("/work-orders", name="workorders:level", guards=[requires(*LEVEL)], opt={"no_store": True})
async def level_list(request: Request) -> Template:
    """The orders the viewer's levels hold or sent, the least time left first."""
    viewer = viewer_of(request)
    rows = await queries.held_by_levels(viewer.scopes_of(*LEVEL), utcnow())
    return render(request, "workorders/level.html", {"rows": [row_view(r) for r in rows],
                                                     "may_enter": viewer.has(Role.staff)})


async def _request_context(request: Request, form: dict | None = None, errors: dict | None = None) -> dict:
    viewer = viewer_of(request)
    tree = await places.tree()
    grids = [(n.id, tree.label(n.id)) for n in tree.below(None, Kind.grid, active_only=True)
             if viewer.has_at(n.path, Role.staff)]
    zh = get_locale() == "zh_CN"
    categories = [(c["id"], c["name_zh"] if zh else c["name_en"]) for c in await Category.select().where(
        Category.active == True).order_by(Category.position)]  # noqa: E712
    return {"grids": grids, "categories": categories, "form": form or {}, "errors": errors or {}}


@get("/work-orders/new", name="workorders:new", guards=[requires(Role.staff.value)])
async def new_request(request: Request) -> Template:
    return render(request, "workorders/new.html", await _request_context(request))


@post("/work-orders/new", name="workorders:create", guards=[requires(Role.staff.value)])
async def create_request(request: Request) -> Any:
    form = await form_data(request)
    try:
        order_id = await commands.create_request(viewer_of(request), form)
    except OrderInputError as exc:
        ctx = await _request_context(request, form, field_errors(exc.errors))
        return render(request, "workorders/new.html", ctx, status_code=400)
    flash(request, _("The work order is open."))
    return redirect(url("workorders:detail", order_id=order_id))


@post("/topics/{topic_id:int}/work-order", name="workorders:from_topic", guards=[requires(*LEVEL)])
async def from_topic(request: Request, topic_id: FromPath[int]) -> Any:
    order_id = await commands.create_from_topic(viewer_of(request), topic_id)
    flash(request, _("The work order is open."))
    return redirect(url("workorders:detail", order_id=order_id))


route_handlers = [order_page, take_action, department_queue, level_list, new_request, create_request, from_topic]
