"""Dashboard web: the public page ``/dashboard`` (filters by year and grid, htmx swaps the
figures and pushes the URL; a plain GET form without JavaScript), the same figures as
JSON at ``/api/v1/stats``, and the public topic list as CSV at ``/topics.csv``."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime, timezone
from typing import Annotated

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template

import consult.dashboard.domain as domain
import consult.dashboard.queries as svc
from consult.dashboard.domain import Stats, StatsFilters
from consult.fields import MAX_ID
import consult.topics.services as topics_svc
from consult.topics.controllers import TOPIC_FILTERS, only_mine
from consult.topics.domain import DEFAULT_THRESHOLD, STATE_LABELS, TopicState
from consult.topics.services import TopicFilters
from consult.web.i18n import gettext as _
from consult.web.i18n import get_locale
from consult.web.templating import render

CSV_MAX_ROWS = 100_000


def _state_label(state: str) -> str:
    try:
        return _(STATE_LABELS[TopicState(state)])
    except ValueError:
        return state


def _name(zh: str, en: str) -> str:
    return zh if get_locale() == "zh_CN" else en


def _figures(stats: Stats, categories: list[dict], grids: list[dict]) -> dict:
    """What the template draws: tables, and the SVG geometry from the domain."""
    matrix = domain.category_grid_matrix(categories, grids, stats.topics_by_category_grid)
    for row in matrix.rows:
        row["name"] = _name(row["name_zh"], row["name_en"])
    threshold = domain.percent(DEFAULT_THRESHOLD)
    rounds = stats.satisfaction_by_round
    by_category = stats.satisfaction_by_category
    return {
        "matrix": matrix,
        "heat": domain.heat_map(matrix) if matrix.total else None,
        "months": stats.opened_per_month,
        "line": domain.line_chart(stats.opened_per_month) if any(m.topics for m in stats.opened_per_month) else None,
        "threshold": threshold,
        "round_bars": domain.percent_bars(
            [(_("Round {n}", n=r.round), r.rate_percent) for r in rounds], threshold=threshold
        ) if rounds else None,
        "category_bars": domain.percent_bars(
            [(_name(c.category_zh, c.category_en), c.rate_percent) for c in by_category], threshold=threshold
        ) if by_category else None,
        "overdue_bar": domain.percent_bars(
            [(_("Overdue"), stats.overdue.share_percent)]
        ) if stats.overdue.open_projects else None,
        "top": [{**t.__dict__, "state_label": _state_label(t.state)} for t in stats.most_seconded_open],
    }


@get("/dashboard", name="dashboard:index")
async def show_dashboard(request: Request, year: FromQuery[str] = "", grid: FromQuery[str] = "") -> Template:
    """The public data dashboard (数据驱动分析)."""
    filters = StatsFilters.parse(year, grid)
    stats, choices, categories = await asyncio.gather(svc.stats(filters), svc.choices(), svc.categories())
    return render(
        request,
        "dashboard/index.html",
        {
            "stats": stats,
            "filters": filters,
            "params": filters.params(),
            "years": choices["years"],
            "grids": choices["grids"],
            "grid_name": next((g["name"] for g in choices["grids"] if g["id"] == filters.grid), None),
            **_figures(stats, categories, choices["grids"]),
        },
        block="figures",
    )


YearParam = Annotated[
    int | None,
    QueryParameter(ge=domain.MIN_YEAR, le=domain.MAX_YEAR, description="year the topics were proposed (Asia/Shanghai)"),
]
GridParam = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID, description="grid id")]


@get("/api/v1/stats", name="api:stats", tags=["dashboard"])
async def api_stats(year: YearParam = None, grid: GridParam = None) -> Stats:
    """The dashboard's figures for the topics proposed in ``year`` (Asia/Shanghai) and
    ``grid`` (both optional). Percentages are rounded to 0.1; medians are in days."""
    return await svc.stats(StatsFilters(year=year, grid=grid))


@get("/topics.csv", name="dashboard:topics_csv", tags=["topics"], media_type="text/csv; charset=utf-8",
     dependencies=TOPIC_FILTERS)
async def topics_csv(
    request: Request, filters: NamedDependency[TopicFilters], mine: FromQuery[str] = ""
) -> Response[bytes]:
    """The public topic list (问题清单) as CSV (UTF-8 with BOM, for Excel), with the same
    filters and sort as ``/topics``; every matching topic, not one page."""
    filters = only_mine(request, filters, mine)
    result = await topics_svc.list_topics(filters, page=1, per_page=CSV_MAX_ROWS)
    base = str(request.base_url).rstrip("/")
    yes, no = _("yes"), _("no")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([
        _("ID"), _("Title"), _("State"), _("Category"), _("Grid"), _("Proposed at"), _("Seconds"),
        _("Support"), _("Oppose"), _("Neutral"), _("Comments"), _("Project deadline"), _("Overdue"),
        _("Not screened in 2 days"), _("Link"),
    ])
    for row in result["rows"]:
        created = row["created_at"]
        if created.tzinfo is None:
            created = created.replace(tzinfo=timezone.utc)
        writer.writerow([domain.csv_cell(v) for v in (
            row["id"], row["title"], _state_label(row["state"]), _name(row["name_zh"], row["name_en"]),
            row["grid_name"], created.astimezone(domain.SHANGHAI).strftime("%Y-%m-%d %H:%M"), row["seconds"],
            row["support"], row["oppose"], row["neutral"], row["comments"], row["deadline"],
            yes if row["overdue"] else no, yes if row["unanswered"] else no, f"{base}/topics/{row['id']}",
        )])
    stamp = datetime.now(domain.SHANGHAI).strftime("%Y%m%d")
    return Response(
        out.getvalue().encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="topics-{stamp}.csv"'},
    )


route_handlers = [show_dashboard, api_stats, topics_csv]
