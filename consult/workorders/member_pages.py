"""The administrator's page of a department's people: attach a person (by user name) to a
department, which gives them the ``department`` role there, or detach them."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from consult.accounts.guards import requires, viewer_of
from consult.fields import row_id
from consult.messages import N_, NotFound
from consult.places.tables import Department
from consult.web.forms import field_errors, form_data
from consult.web.i18n import gettext as _
from consult.web.templating import flash, redirect, render, url
from consult.workorders.forms import OrderInputError
from consult.workorders.members import add_member, members, remove_member

ADMIN = "admin"


async def _context(department_id: int, form: dict | None = None, errors: dict | None = None) -> dict:
    department = await Department.select().where(Department.id == department_id).first()
    if department is None:
        raise NotFound(N_("There is no such department."))
    return {"department": department, "members": await members(department_id), "form": form or {},
            "errors": errors or {}}


@get("/admin/departments/{department_id:int}/members", name="workorders:members", guards=[requires(ADMIN)],
     opt={"no_store": True})
async def members_page(request: Request, department_id: FromPath[int]) -> Template:
    return render(request, "workorders/members.html", await _context(department_id))


@post("/admin/departments/{department_id:int}/members", name="workorders:add_member", guards=[requires(ADMIN)])
async def add(request: Request, department_id: FromPath[int]) -> Any:
    form = await form_data(request)
    try:
        added = await add_member(viewer_of(request), department_id, form.get("username"))
    except OrderInputError as exc:
        ctx = await _context(department_id, form, field_errors(exc.errors))
        return render(request, "workorders/members.html", ctx, status_code=400)
    flash(request, _("Attached to the department.") if added else _("Nothing changed."))
    return redirect(url("workorders:members", department_id=department_id))


@post("/admin/departments/{department_id:int}/members/remove", name="workorders:remove_member",
      guards=[requires(ADMIN)])
async def remove(request: Request, department_id: FromPath[int]) -> Any:
    form = await form_data(request)
    user, _error = row_id(form.get("user"))
    removed = user is not None and await remove_member(viewer_of(request), department_id, user)
    flash(request, _("Detached from the department.") if removed else _("Nothing changed."))
    return redirect(url("workorders:members", department_id=department_id))


route_handlers = [members_page, add, remove]
