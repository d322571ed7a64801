"""Dashboard page: ``/dashboard`` (filters by year and grid, htmx swaps the figures and
pushes the URL; a plain GET form without JavaScript). The same figures as JSON are
``consult.dashboard.api``; the topic list as CSV is the topics feature's (``/topics.csv``)."""

from __future__ import annotations

import asyncio
from datetime import date

from litestar import Request, get
from litestar.params import FromQuery
from litestar.response import Template

from consult.cache import at, content_revision
import consult.dashboard.domain as domain
import consult.dashboard.queries as svc
from consult.dashboard.domain import Stats, StatsFilters
from consult.places import queries as places
from consult.places.settings import settings_at
from consult.topics.labels import STATE_LABELS
from consult.topics.lifecycle import TopicState
from consult.web.i18n import gettext as _
from consult.web.i18n import get_locale
from consult.topics.clock import local_today
from consult.web.fragments import cached_load
from consult.web.templating import render


def _state_label(state: str) -> str:
    try:
        return _(STATE_LABELS[TopicState(state)])
    except ValueError:
        return state


def _name(zh: str, en: str) -> str:
    return zh if get_locale() == "zh_CN" else en


async def _threshold_at(place_id: int | None) -> float | None:
    """The satisfaction threshold the figures mark: the chosen place's (inherited), else the
    root's when the install has one root, else the built-in default."""
    tree = await places.tree()
    roots = tree.roots()
    if place_id not in tree:
        place_id = roots[0].id if len(roots) == 1 else None
    return domain.percent(settings_at(tree, place_id).threshold)


# Charts drawn at a phone's width (at least 280 px on screen: their 12 px text never shrinks below
# 12 px at 360 px); a bar's label sits above it, so long category names stay whole.
PHONE_LINE = {"width": 280, "height": 180, "left": 30, "right": 22, "top": 14, "bottom": 30, "max_ticks": 4}
PHONE_BARS = {"width": 280, "label_width": 0, "value_width": 70, "row_h": 44, "bar_h": 16}


def _figures(stats: Stats, categories: list[dict], grids: list[dict], threshold: float | None) -> dict:
    """What the template draws: tables, and the SVG geometry from the domain."""
    matrix = domain.category_grid_matrix(categories, grids, stats.topics_by_category_grid)
    for row in matrix.rows:
        row["name"] = _name(row["name_zh"], row["name_en"])
    rounds = stats.satisfaction_by_round
    by_category = stats.satisfaction_by_category
    return {
        "matrix": matrix,
        "heat": domain.heat_map(matrix, **domain.heat_map_fit(matrix)) if matrix.total else None,
        "months": stats.opened_per_month,
        "line": domain.line_chart(stats.opened_per_month, **PHONE_LINE) if any(m.topics for m in stats.opened_per_month) else None,
        "threshold": threshold,
        "round_bars": domain.percent_bars(
            [(_("Round {n}", n=r.round), r.rate_percent) for r in rounds], threshold=threshold, **PHONE_BARS
        ) if rounds else None,
        "category_bars": domain.percent_bars(
            [(_name(c.category_zh, c.category_en), c.rate_percent) for c in by_category], threshold=threshold, **PHONE_BARS
        ) if by_category else None,
        "overdue_bar": domain.percent_bars(
            [(_("Overdue"), stats.overdue.share_percent)], **PHONE_BARS
        ) if stats.overdue.open_projects else None,
        "top": [{**t.__dict__, "state_label": _state_label(t.state)} for t in stats.most_seconded_open],
    }


@get("/dashboard", name="dashboard:index")
async def show_dashboard(
    request: Request, year: FromQuery[str] = "", place: FromQuery[str] = "", grid: FromQuery[str] = ""
) -> Template:
    """The public data dashboard (数据驱动分析), for a place at any level (``grid``: the old
    name of ``place``). A street's or district's (and the whole install's) compares its
    communities side by side.

    The filter form and the figures are the same for every viewer: rendered once per
    language, content revision, day and filters (at 100,000 topics a street's page is
    128 KB of HTML, a place select of 259 options and a heat map of 372 cells, and its
    rendering was most of the time of a request)."""
    filters = await svc.resolved(StatsFilters.parse(year, place or grid))  # an unknown place: 404
    today = local_today()
    key = at(await content_revision(), filters, today)
    filters_html, figures_html = await cached_load(
        "dashboard/_figures.html", ("filters", "figures"), key, lambda: _page(filters, today))
    return render(request, "dashboard/index.html", {"filters_html": filters_html, "figures_html": figures_html},
                  block="figures")


async def _page(filters: StatsFilters, today: date) -> dict:
    """The context of the filter form and the figures for ``filters`` on ``today``."""
    stats, choices, categories = await asyncio.gather(
        svc.stats(filters, today), svc.choices(filters.place), svc.categories())
    chosen = next((p for p in choices["places"] if p["id"] == filters.place), None)
    return {
        "stats": stats,
        "filters": filters,
        "params": filters.params(),
        "years": choices["years"],
        "places": choices["places"],
        "place_name": chosen["name"] if chosen else None,
        **_figures(stats, categories, choices["grids"], await _threshold_at(chosen["id"] if chosen else None)),
    }


route_handlers = [show_dashboard]
