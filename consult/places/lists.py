"""The administrator's two lists beside the tree: departments (职能部门, each attached to a
place) and topic categories (Chinese and English names, order, active). Admin only."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Template

import consult.accounts.categories as categories
from consult.accounts.demo import CATEGORIES as DEFAULT_CATEGORIES
from consult.accounts.guards import viewer_of
from consult.fields import row_id
from consult.places import departments
from consult.places import queries as places
from consult.places.domain import PlaceInputError
from consult.places.pages import ADMIN, kind_label
from consult.places.tree import Kind
from consult.web.forms import field_errors, form_data
from consult.web.i18n import gettext as _
from consult.web.templating import flash, redirect, render, url


async def _place_options() -> list[tuple[int, str]]:
    tree = await places.tree()
    return [(n.id, f"{tree.label(n.id, Kind.district)} ({kind_label(n.kind)})") for n in tree.ordered()
            if n.kind != Kind.building]


async def _departments_page(request: Request, form: dict | None = None, errors: dict | None = None,
                            editing: int | None = None, status_code: int = 200) -> Template:
    tree = await places.tree()
    return render(request, "places/departments.html", {
        "departments": await departments.departments(), "place_options": await _place_options(), "tree": tree,
        "form": form or {}, "errors": errors or {}, "editing": editing,
    }, status_code=status_code)


@get("/admin/departments", name="places:departments", guards=[ADMIN])
async def list_departments(request: Request) -> Template:
    return await _departments_page(request)


def _place_id(form: dict) -> int | None:
    return row_id(form.get("place"))[0]


@post("/admin/departments", name="places:create_department", guards=[ADMIN])
async def create_department(request: Request) -> Any:
    form = await form_data(request)
    try:
        await departments.create_department(viewer_of(request).id, form.get("name"), _place_id(form))
    except PlaceInputError as exc:
        return await _departments_page(request, form, field_errors(exc.errors), status_code=400)
    flash(request, _("Department created."))
    return redirect(url("places:departments"))


@post("/admin/departments/{department_id:int}", name="places:update_department", guards=[ADMIN])
async def update_department(request: Request, department_id: FromPath[int]) -> Any:
    form = await form_data(request)
    try:
        if "active" in form:
            changed = await departments.set_department_active(viewer_of(request).id, department_id,
                                                              form["active"] == "1")
            flash(request, (_("Department reactivated.") if form["active"] == "1" else _("Department deactivated."))
                  if changed else _("Nothing changed."))
        else:
            await departments.update_department(viewer_of(request).id, department_id, form.get("name"),
                                                _place_id(form))
            flash(request, _("Department saved."))
    except PlaceInputError as exc:
        return await _departments_page(request, form, field_errors(exc.errors), editing=department_id,
                                       status_code=400)
    return redirect(url("places:departments"))


async def _categories_page(request: Request, form: dict | None = None, errors: dict | None = None,
                           editing: int | None = None, status_code: int = 200) -> Template:
    rows = await categories.categories()
    have = {r["slug"] for r in rows}
    return render(request, "places/categories.html", {
        "categories": rows, "form": form or {}, "errors": errors or {}, "editing": editing,
        "missing_defaults": [d for d in DEFAULT_CATEGORIES if d[0] not in have],
    }, status_code=status_code)


@get("/admin/categories", name="places:categories", guards=[ADMIN])
async def list_categories(request: Request) -> Template:
    return await _categories_page(request)


@post("/admin/categories", name="places:create_category", guards=[ADMIN])
async def create_category(request: Request) -> Any:
    form = await form_data(request)
    try:
        await categories.create_category(viewer_of(request).id, form.get("name_zh"), form.get("name_en"),
                                         form.get("position"))
    except PlaceInputError as exc:
        return await _categories_page(request, form, field_errors(exc.errors), status_code=400)
    flash(request, _("Category created."))
    return redirect(url("places:categories"))


@post("/admin/categories/defaults", name="places:default_categories", guards=[ADMIN])
async def add_default_categories(request: Request) -> Any:
    form = await form_data(request)
    added = await categories.add_default_categories(viewer_of(request).id, DEFAULT_CATEGORIES)
    flash(request, _("Added {n} categories.", n=added) if added else _("Every default category is there already."))
    return redirect(url("places:setup") if form.get("next") == "setup" else url("places:categories"))


@post("/admin/categories/{category_id:int}", name="places:update_category", guards=[ADMIN])
async def update_category(request: Request, category_id: FromPath[int]) -> Any:
    form = await form_data(request)
    try:
        await categories.update_category(viewer_of(request).id, category_id, form.get("name_zh"),
                                         form.get("name_en"), form.get("position"), form.get("active") == "1")
    except PlaceInputError as exc:
        return await _categories_page(request, form, field_errors(exc.errors), editing=category_id,
                                      status_code=400)
    flash(request, _("Category saved."))
    return redirect(url("places:categories"))


route_handlers = [list_departments, create_department, update_department, list_categories, create_category,
                  add_default_categories, update_category]
