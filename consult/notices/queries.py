"""Reads for the printed notices (公示): public data only, the same for every viewer."""

from __future__ import annotations

from datetime import date

from consult.messages import N_, NotFound
from consult.places.queries import subtree_sql, tree
from consult.places.tree import Kind, PlaceNode
from consult.topics.evaluation import is_overdue
from consult.topics.lifecycle import OPEN_PROJECT_STATES, TopicState
from consult.topics.tables import Topic

NO_PLACE = N_("There is no place number {place_id}.")

# A project on the notice: formed, being built, being evaluated or done. A project that was
# not elected in the annual vote will not be built, so it has nothing to publish.
LISTED_STATES = tuple(sorted(s.value for s in (*OPEN_PROJECT_STATES, TopicState.closed)))

# The project sheet's public fields, the topic's state and the latest progress of its round.
_PROJECTS_SQL = """
SELECT t.id, t.state, t.title AS topic_title, s.title, s.responsible_unit, s.responsible_person, s.deadline,
       g.name AS grid_name,
       (SELECT p.percent FROM progress_update p WHERE p.topic = t.id AND p.round = t.round
        ORDER BY p.on_date DESC, p.id DESC LIMIT 1) AS percent
FROM topic t
JOIN project_sheet s ON s.id = (SELECT MAX(s2.id) FROM project_sheet s2 WHERE s2.topic = t.id)
JOIN place g ON g.id = t.grid
WHERE {where} AND t.state IN ({states})
ORDER BY s.deadline, t.id
"""


async def place_of(place_id: int) -> tuple[PlaceNode, list[PlaceNode]]:
    """The place and its ancestors from the root down (NotFound for an unknown place)."""
    places = await tree()
    node = places.get(place_id)
    if node is None:
        raise NotFound(NO_PLACE, place_id=place_id)
    return node, places.ancestors(place_id)


async def community_of(grid_id: int) -> PlaceNode | None:
    """The community a topic's grid lies in (its list of projects is the one to link to)."""
    return (await tree()).of_kind_above(grid_id, Kind.community)


async def place_projects(place: PlaceNode, today: date) -> list[dict]:
    """Every listed project of a grid at or below ``place``, by deadline, each marked overdue (督办)."""
    where, bounds = subtree_sql("t.grid", place.path)
    sql = _PROJECTS_SQL.format(where=where, states=", ".join("{}" for _ in LISTED_STATES))
    rows = await Topic.raw(sql, *bounds, *LISTED_STATES)
    for row in rows:
        deadline = row["deadline"]
        if isinstance(deadline, str):  # SQLite hands dates back as text
            deadline = row["deadline"] = date.fromisoformat(deadline)
        row["overdue"] = is_overdue(TopicState(row["state"]), deadline, today)
    return rows
