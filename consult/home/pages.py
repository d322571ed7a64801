"""The home page (what is happening now, public) and the task view (after sign-in)."""

from __future__ import annotations

from litestar import Request, get
from litestar.params import FromQuery
from litestar.response import Template

from consult.accounts.guards import requires, viewer_of
from consult.fields import row_id
import consult.home.queries as queries
from consult.home.presentation import home_view
from consult.home.tasks import ENDING_DAYS, TASK_ROLES, holds_task_role, tasks_for
from consult.messages import NotFound
from consult.places.commands import NO_PLACE
from consult.places.queries import tree
from consult.places.tree import WHOLE_INSTALL
from consult.roles import ROLE_LABELS
from consult.topics.clock import local_today
from consult.web.fragments import cached_block
from consult.web.i18n import gettext as _
from consult.web.templating import render
from consult.workorders.views import row_view

async def place_path(place: str) -> tuple[int | None, str]:
    """The place a page is about, from ``?place=ID`` (none: the whole install)."""
    if not place:
        return None, WHOLE_INSTALL
    place_id, _error = row_id(place)
    path = (await tree()).path_of(place_id)
    if path is None:
        raise NotFound(NO_PLACE)
    return place_id, path


@get("/", name="web:home")
async def home(request: Request, place: FromQuery[str] = "") -> Template:
    place_id, path = await place_path(place)
    today = local_today()
    view = home_view(await queries.now_happening(path, today), today)
    return render(request, "home.html", {
        "now_html": cached_block(request, "home/_now.html", "now", view),
        "place_name": (await tree()).label(place_id, "district") if place_id else "",
        "has_task_role": holds_task_role(viewer_of(request)),
    })


@get("/tasks", name="home:tasks", guards=[requires(*TASK_ROLES)], opt={"no_store": True})
async def show_tasks(request: Request) -> Template:
    tasks = await tasks_for(viewer_of(request))
    if tasks.work_orders:
        tasks.work_orders.rows = [row_view(r) for r in tasks.work_orders.rows]
    return render(request, "home/tasks.html", {
        "tasks": tasks, "ending_days": ENDING_DAYS,
        "role_labels": {role.value: _(label) for role, label in ROLE_LABELS.items()},
    })


route_handlers = [home, show_tasks]
