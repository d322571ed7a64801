"""The dashboard's figures as JSON at ``/api/v1/stats`` (open data)."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.params import QueryParameter

import consult.dashboard.domain as domain
import consult.dashboard.queries as svc
from consult.dashboard.domain import Stats, StatsFilters
from consult.fields import MAX_ID

YearParam = Annotated[
    int | None,
    QueryParameter(ge=domain.MIN_YEAR, le=domain.MAX_YEAR, description="year the topics were proposed (Asia/Shanghai)"),
]
PlaceParam = Annotated[int | None, QueryParameter(
    ge=1, le=MAX_ID, description="a place id at any level (see /api/v1/places): its topics and those below it")]
GridParam = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID, description="the old name of place")]


@get("/api/v1/stats", name="api:stats", tags=["dashboard"])
async def api_stats(year: YearParam = None, place: PlaceParam = None, grid: GridParam = None) -> Stats:
    """The dashboard's figures for the topics proposed in ``year`` (Asia/Shanghai) at or
    below ``place`` (both optional; an unknown place is a 404). Above a community,
    ``communities`` compares the communities below side by side. Percentages are rounded
    to 0.1; medians are in days."""
    return await svc.stats(StatsFilters(year=year, place=place or grid))


route_handlers = [api_stats]
