"""Where a vote belongs and who reaches it (issue 13): a community's 居民议事会, a street, or
a district people's congress. Its staff steps are taken only by staff or administrators
whose scope covers that place, and its candidates come from projects at or below it.
The roll still decides who casts: a representative on it votes whatever their own place.

Reads the tree once per content revision (consult.places.queries.tree): no query per place.
"""

from __future__ import annotations

from consult.messages import N_
from consult.places.queries import tree
from consult.places.tree import WHOLE_INSTALL, Kind, Tree, covers
from consult.voting.labels import BODY_LABELS
from consult.voting.lifecycle import ACTION_ROLES, STAFF, Action, VoteRuleError

# The kinds of place a vote may belong to, widest first.
VOTE_KINDS = (Kind.district, Kind.street, Kind.community)

PLACE_CHOICE = N_("Choose the place the vote belongs to from the list.")
PLACE_HAS_OTHERS = N_("Some candidates are projects outside this place: remove them first.")
PROJECT_ELSEWHERE = N_("Project #{topic_id} is not in {place}: a vote takes its candidates from projects at or "
                       "below its own place.")


def place_in(t: Tree, place_id: int | None) -> dict:
    """What the pages say about a vote's place: path, name, kind, the body that votes
    (a message id with {place}) and the chain of places from the district down."""
    node = t.get(place_id)
    if node is None:
        return {"id": None, "path": WHOLE_INSTALL, "name": "", "kind": "", "body": BODY_LABELS[""], "chain": ""}
    return {"id": node.id, "path": node.path, "name": node.name, "kind": node.kind.value,
            "body": BODY_LABELS.get(node.kind.value, BODY_LABELS["community"]), "chain": t.label(node.id, Kind.district)}


async def place_of(place_id: int | None) -> dict:
    return place_in(await tree(), place_id)


async def vote_path(vote: dict) -> str:
    """The path of the vote's place (a vote without one belongs to the whole install: administrators only)."""
    return (await place_of(vote.get("place")))["path"]


async def roles_for(actor, vote: dict, action: Action | str) -> frozenset[str]:
    """The actor's roles that reach the vote's place. Someone who holds the action's role
    only at other places is refused here with "not here" (403), naming the vote's place."""
    place = await place_of(vote.get("place"))
    here = actor.roles_at(place["path"])
    allowed = ACTION_ROLES[Action(action)]
    if not here & allowed and actor.roles & allowed:
        raise VoteRuleError("not_here", action=Action(action).value, place=place["name"] or "-")
    return here


def manages(viewer, place: dict) -> bool:
    """Whether the viewer may run (or see the draft of) a vote at this place."""
    return viewer.has_at(place["path"], *STAFF)


async def place_choices(actor) -> list[dict]:
    """The districts, streets and communities the actor serves as staff (an administrator:
    all of them), in tree order: where they may set a vote up."""
    t = await tree()
    scopes = actor.scopes_of(*STAFF)
    return [place_in(t, n.id) for n in t.ordered()
            if n.kind in VOTE_KINDS and n.active and any(covers(s, n.path) for s in scopes)]


async def chosen_place(actor, value) -> tuple[int | None, tuple | None]:
    """(place id, None) for the place chosen in a form, or (None, field error). No field
    at all (a script's form): the widest place the actor serves."""
    choices = await place_choices(actor)
    if value is None:
        return (choices[0]["id"], None) if choices else (None, (PLACE_CHOICE, {}))
    for c in choices:
        if str(c["id"]) == str(value).strip():
            return c["id"], None
    return None, (PLACE_CHOICE, {})


async def projects_under(path: str, projects: list[dict]) -> list[dict]:
    """The projects whose topic's grid lies at or below ``path``."""
    t = await tree()
    return [p for p in projects if (grid_path := t.path_of(p.get("grid"))) is not None and covers(path, grid_path)]
