"""The public scoreboard of work orders (issue 15 point 5): ``/work-orders/scoreboard``
(HTML, a plain GET form), the same figures as CSV and at ``/api/v1/stats/departments``,
and every order's public fields at ``/api/v1/work-orders`` (no person) so anyone can
recompute the figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from litestar import Request, Response, get
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template

from consult.fields import MAX_ID, a_date, choice, row_id
from consult.places import queries as places
from consult.places.lookup import place_options
from consult.places.tree import KIND_LABELS
from consult.web.csvfile import MEDIA_TYPE, csv_response
from consult.web.i18n import gettext as _


def _t(template: str, **params) -> str:
    """Translate a template named by a table (already marked with ``N_`` there)."""
    return _(template, **params)
from consult.web.templating import render
from consult.workorders import scoreboard
from consult.workorders.calendar import LOCAL
from consult.workorders.queries import department_names
from consult.workorders.rates import FORMULAS, PERIODS, Figures
from consult.workorders.scoreboard import Board, Scope

PlaceParam = Annotated[int | None, QueryParameter(
    ge=1, le=MAX_ID, description="a place id at any level (see /api/v1/places): its orders and those below it")]
PeriodParam = Annotated[Literal["all", "month", "quarter", "year"], QueryParameter(
    description="the current month, quarter or year (Asia/Shanghai) the orders were opened in; "
                "or all (then from/to)")]
FromParam = Annotated[date | None, QueryParameter(name="from", description="first day the orders were opened (inclusive)")]
ToParam = Annotated[date | None, QueryParameter(name="to", description="last day the orders were opened (inclusive)")]


def lenient_scope(place: str, period: str, start: str, end: str) -> Scope:
    """A scope from a page's query string: anything unusable is ignored (an unknown place is a 404)."""
    def usable(parsed):
        return None if parsed[1] is not None else parsed[0]

    return Scope(place=usable(row_id(place)) if place else None,
                 period=usable(choice(period, set(PERIODS))) or "all",
                 start=usable(a_date(start)) if start else None, end=usable(a_date(end)) if end else None)


def _params(scope: Scope) -> dict:
    return {"place": scope.place or "", "period": scope.period, "from": scope.start or "", "to": scope.end or ""}


FIGURE_COLUMNS = (  # (figure key, attribute, percent?)
    ("response", "response_rate", True), ("resolution", "resolution_rate", True),
    ("satisfaction", "satisfaction_rate", True), ("ack_median", "median_hours_to_acknowledge", False),
    ("resolve_median", "median_hours_to_resolve", False), ("overdue", "overdue", False),
    ("returned", "returned", False),
)


@get("/work-orders/scoreboard", name="workorders:scoreboard")
async def show_scoreboard(request: Request, place: FromQuery[str] = "", period: FromQuery[str] = "",
                          start: Annotated[str, QueryParameter(name="from")] = "",
                          end: Annotated[str, QueryParameter(name="to")] = "") -> Template:
    """Public: per department and per place below the chosen one, each formula beside its figure."""
    scope = lenient_scope(place, period, start, end)
    board = await scoreboard.board(scope)
    tree = await places.tree()
    node = tree.get(scope.place)
    return render(request, "workorders/scoreboard.html", {
        "board": board, "scope": scope, "params": _params(scope), "place_name": tree.label(node.id) if node else "",
        "places": place_options(tree, scope.place), "kind_labels": _kind_labels(), "periods": [(k, _(v)) for k, v in PERIODS.items()],
        "formulas": [(key, attr, pct, _t(FORMULAS[key][0]), _t(FORMULAS[key][1])) for key, attr, pct in FIGURE_COLUMNS],
    })


def _kind_labels() -> dict[str, str]:
    return {str(kind): _t(KIND_LABELS[kind]) for kind in KIND_LABELS}


def _csv_header() -> list[str]:
    return [_("Kind"), _("Name"), _("Level"), _("Orders"), _("Dispatched"), _("Acknowledged in time"),
            _t(FORMULAS["response"][0]), _("Due"), _("Replied by the deadline"),
            _t(FORMULAS["resolution"][0]), _("Rated"), _("Satisfied or basically satisfied"),
            _t(FORMULAS["satisfaction"][0]), _t(FORMULAS["ack_median"][0]), _t(FORMULAS["resolve_median"][0]),
            _t(FORMULAS["overdue"][0]), _t(FORMULAS["returned"][0])]


def _csv_line(kind: str, name: str, level: str, f: Figures) -> list[object]:
    return [kind, name, level, f.orders, f.dispatched, f.acknowledged_in_time, f.response_rate, f.due,
            f.resolved_in_time, f.resolution_rate, f.rated, f.satisfied, f.satisfaction_rate,
            f.median_hours_to_acknowledge, f.median_hours_to_resolve, f.overdue, f.returned]


@get("/work-orders/scoreboard.csv", name="workorders:scoreboard_csv", media_type=MEDIA_TYPE)
async def scoreboard_csv(place: FromQuery[str] = "", period: FromQuery[str] = "",
                         start: Annotated[str, QueryParameter(name="from")] = "",
                         end: Annotated[str, QueryParameter(name="to")] = "") -> Response[bytes]:
    """The scoreboard as CSV (UTF-8 with BOM): the total, each department, each place."""
    board = await scoreboard.board(lenient_scope(place, period, start, end))
    rows = [_csv_line(_("All"), _("All orders"), "", board.total)]
    rows += [_csv_line(_("Department"), r.name, r.level, r.figures) for r in board.departments]
    kinds = _kind_labels()
    rows += [_csv_line(_("Place"), r.name, kinds.get(r.level, r.level), r.figures) for r in board.places]
    stamp = datetime.now(LOCAL).strftime("%Y%m%d")
    return csv_response(f"work-order-scoreboard-{stamp}.csv", _csv_header(), rows)


@get("/api/v1/stats/departments", name="api:stats_departments", tags=["work orders"])
async def api_scoreboard(place: PlaceParam = None, period: PeriodParam = "all", start: FromParam = None,
                         end: ToParam = None) -> Board:
    """The work-order scoreboard: the total, per department and per place below ``place``,
    for orders opened in ``period`` (or ``from``..``to``); orders judged unreasonable are
    left out. Rates are percentages as text to 0.1 ("—": nothing counted), with their
    counts; medians in hours. Recompute them from ``/api/v1/work-orders``."""
    return await scoreboard.board(Scope(place=place, period=period, start=start, end=end))


@dataclass(frozen=True)
class PublicOrder:
    """An order's public fields: no requester, no actor, no resident's words."""

    id: int
    topic: int | None
    state: str
    round: int
    place: int  # the grid the order comes from
    place_name: str
    department: int | None  # the department it was last dispatched to
    department_name: str
    created_at: datetime
    dispatched_at: datetime | None
    ack_due_at: datetime | None
    acknowledged_at: datetime | None
    deadline: datetime | None
    resolved_at: datetime | None  # the reply (of the current round)
    closed_at: datetime | None
    returned: int  # times sent back
    rating: str  # satisfied, basically_satisfied, unsatisfied, or "" (not rated)
    excluded: bool  # judged unreasonable: left out of the rates


@get("/api/v1/work-orders", name="api:work_orders", tags=["work orders"])
async def api_work_orders(place: PlaceParam = None, period: PeriodParam = "all", start: FromParam = None,
                          end: ToParam = None) -> list[PublicOrder]:
    """Every work order's public fields (the open data behind the scoreboard), oldest first."""
    rows = await scoreboard.order_rows(Scope(place=place, period=period, start=start, end=end))
    tree, deps = await places.tree(), await department_names()
    return [PublicOrder(
        id=r["id"], topic=r["topic"], state=r["state"], round=r["round"], place=r["grid"],
        place_name=tree.label(r["grid"]), department=r["department"],
        department_name=deps[r["department"]]["name"] if r["department"] in deps else "",
        created_at=r["created_at"], dispatched_at=r["dispatched_at"], ack_due_at=r["ack_due_at"],
        acknowledged_at=r["acknowledged_at"], deadline=r["deadline"], resolved_at=r["replied_at"],
        closed_at=r["closed_at"], returned=r["returned"], rating=r["rating"], excluded=r["excluded"],
    ) for r in rows]


route_handlers = [show_scoreboard, scoreboard_csv, api_scoreboard, api_work_orders]
