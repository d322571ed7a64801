"""The order page's forms for a follow-up (回访), a proposal that the order is unreasonable
and the decision on it (诉求不合理). Each posts, redirects back to the order, and on bad
input re-renders the order page with the error beside the field."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.params import FromPath

from consult.accounts.guards import requires, viewer_of
from consult.roles import Role
from consult.web.forms import field_errors, form_data
from consult.web.i18n import gettext as _
from consult.web.templating import flash, redirect, render, url
from consult.workorders import review_commands as commands
from consult.workorders.pages import _context
from consult.workorders.review import ReviewInputError

STAFF = (Role.staff.value,)


async def _run(request: Request, order_id: int, name: str, command, done: str) -> Any:
    form = await form_data(request)
    try:
        await command(viewer_of(request), order_id, form)
    except ReviewInputError as exc:
        ctx = await _context(request, order_id, name, form, field_errors(exc.errors))
        return render(request, "workorders/detail.html", ctx, status_code=400)
    flash(request, done)
    return redirect(url("workorders:detail", order_id=order_id))


@post("/work-orders/{order_id:int}/follow-ups", name="workorders:follow_up", guards=[requires(*STAFF)])
async def record_follow_up(request: Request, order_id: FromPath[int]) -> Any:
    """Staff of the order's level record a call or a visit (codes only)."""
    return await _run(request, order_id, "follow_up", commands.record_follow_up, _("The follow-up is recorded."))


@post("/work-orders/{order_id:int}/unreasonable", name="workorders:unreasonable", guards=[requires(*STAFF)])
async def propose_unreasonable(request: Request, order_id: FromPath[int]) -> Any:
    """Staff of the order's level propose that it is unreasonable; the level above decides."""
    return await _run(request, order_id, "unreasonable", commands.propose_unreasonable,
                      _("The proposal is recorded: staff of the level above decide."))


@post("/work-orders/{order_id:int}/unreasonable/decide", name="workorders:unreasonable_decide",
      guards=[requires(*STAFF)])
async def decide_unreasonable(request: Request, order_id: FromPath[int]) -> Any:
    """Staff of the level above (not the proposer) approve or decline, after ticking the confirmation."""
    return await _run(request, order_id, "decide", commands.decide_unreasonable, _("The decision is recorded."))


route_handlers = [record_follow_up, propose_unreasonable, decide_unreasonable]
