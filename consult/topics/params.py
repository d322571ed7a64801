"""Request parameters shared by the topics' pages, JSON API and CSV: the list's filters."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from litestar import Request
from litestar.di import Provide
from litestar.params import FromQuery, QueryParameter

from consult.accounts.guards import viewer_of
from consult.topics.queries import TopicFilters
from consult.web.forms import id_text_or_blank


def topic_filters(
    q: FromQuery[str] = "",
    topic_state: Annotated[str, QueryParameter(name="state", description="a topic state")] = "",
    category: FromQuery[str] = "",
    place: Annotated[str, QueryParameter(description="a place id at any level (see /api/v1/places): its "
                                         "topics and those of every place below it")] = "",
    grid: Annotated[str, QueryParameter(description="the old name of place (a grid id still works)")] = "",
    flag: FromQuery[str] = "",
    sort: FromQuery[str] = "",
) -> TopicFilters:
    """The public list's filters from the query string, as a dependency: the same
    parameters for /topics, /api/v1/topics and /topics.csv. ``place`` is the one spelling;
    ``grid`` (what the list took before places were a tree) is read when ``place`` is absent."""
    return TopicFilters.parse(q, topic_state, category, id_text_or_blank(place or grid), flag, sort, None)


TOPIC_FILTERS = {"filters": Provide(topic_filters, sync_to_thread=False)}


def only_mine(request: Request, filters: TopicFilters, mine: str) -> TopicFilters:
    """``mine=1`` narrows the list to the signed-in viewer's own topics (ignored for visitors)."""
    viewer = viewer_of(request)
    return dataclasses.replace(filters, mine=viewer.id) if mine and viewer.signed_in else filters
