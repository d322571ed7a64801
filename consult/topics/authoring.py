"""The author's own steps on a topic not yet screened: correcting it and withdrawing it.
Each is one transaction with its timeline entry and audit entry; the rules come from the
lifecycle (``Activity.edit``, ``Action.withdraw`` in ``AUTHOR_ACTIONS``).

Decisions where the issue is silent:

* Only the author edits or withdraws, and only while the topic is ``proposed``: once the
  committee has screened it, what residents seconded must stay what they read.
* The grid may move to another grid of the topic's own community (where the author's
  resident role reaches), never to another community: that would be a new topic for
  another committee.
* An edit that changes nothing is not recorded. The timeline says which fields changed
  and, for the title, the old and the new one; the old description is kept in the audit
  log only (a topic page should not show two descriptions).
* Withdrawing is final (a new terminal state ``withdrawn``); the topic stays on the
  public list and its page, as seconds and the timeline are public history. Seconders
  hear of it like any other change of state.
"""

from __future__ import annotations

from typing import Any

from consult import audit, db
from consult.accounts.domain import Viewer
from consult.cache import content_revision
from consult.places import queries as places
from consult.places.tree import Kind
from consult.roles import Role
import consult.topics.forms as forms
from consult.topics.clock import utcnow
from consult.topics.lifecycle import Action, Activity, TopicState, TransitionRefused, check, next_state
from consult.topics.queries import filter_choices
from consult.topics.tables import Topic
from consult.topics.timeline import event, load_topic, roles_here, transition

EDITABLE = ("title", "description", "category", "grid_id")


def _refuse_unless_author(viewer: Viewer, topic: dict, action: Activity | Action) -> None:
    if topic["author"] != viewer.id:
        raise TransitionRefused("not_own_topic", status_code=403, action=action)


def check_may_edit(viewer: Viewer, topic: dict) -> None:
    """The state first (409: screened already), then the role here, then authorship (403)."""
    check(Activity.edit, topic["state"], roles_here(viewer, topic), is_author=True)
    _refuse_unless_author(viewer, topic, Activity.edit)


def check_may_withdraw(viewer: Viewer, topic: dict) -> None:
    """As for an edit: the state (409), the role here, then authorship (403)."""
    next_state(topic["state"], Action.withdraw, roles_here(viewer, topic))
    _refuse_unless_author(viewer, topic, Action.withdraw)


async def grid_options(viewer: Viewer, topic: dict) -> list[dict]:
    """The grids the topic may move to: the active grids of its community where the
    viewer's resident role reaches (``id``, ``name``)."""
    tree = await places.tree()
    community = tree.of_kind_above(topic["grid"], Kind.community)
    grids = await places.grid_choices(community.id if community else None)
    return [g for g in grids if Role.resident in viewer.roles_at(tree.path_of(g["id"])) or g["id"] == topic["grid"]]


async def edit_topic(viewer: Viewer, topic_id: int, form: dict[str, Any]) -> list[str]:
    """Save the author's corrections; returns the names of the fields that changed."""
    choices = await filter_choices(await content_revision())
    categories = {c["slug"]: c["id"] for c in choices["categories"]}
    async with db.transaction():
        topic = await load_topic(topic_id)
        check_may_edit(viewer, topic)
        grids = {g["id"] for g in await grid_options(viewer, topic)}
        data = forms.validate_proposal(form.get("title"), form.get("description"), form.get("category"),
                                       form.get("grid_id"), categories, grids)
        new = {"title": data.title, "description": data.description, "category": categories[data.category],
               "grid_id": data.grid_id}
        old = {"title": topic["title"], "description": topic["description"], "category": topic["category"],
               "grid_id": topic["grid"]}
        changed = [name for name in EDITABLE if new[name] != old[name]]
        if not changed:
            return []
        # only while still proposed: a screening at the same moment wins and the edit is refused
        updated = await Topic.update({
            Topic.title: data.title, Topic.description: data.description, Topic.category: new["category"],
            Topic.grid: data.grid_id, Topic.updated_at: utcnow(),
        }).where((Topic.id == topic_id) & (Topic.state == TopicState.proposed.value)).returning(Topic.id)
        if not updated:
            raise TransitionRefused("wrong_state", action=Activity.edit, state=TopicState((await load_topic(topic_id))["state"]))
        title_change = {"old_title": old["title"], "new_title": data.title} if "title" in changed else {}
        await event(topic_id, viewer.id, "edit", topic["state"], topic["state"], topic["round"],
                    changed=changed, **title_change)
        await audit.record(viewer.id, "topic.edit", "topic", topic_id, changed=changed,
                           before={k: old[k] for k in changed}, after={k: new[k] for k in changed})
    return changed


async def withdraw_topic(viewer: Viewer, topic_id: int) -> TopicState:
    """The author takes their topic back before screening (asked to confirm first, by the page)."""
    async with db.transaction():
        topic = await load_topic(topic_id)
        check_may_withdraw(viewer, topic)
        return await transition(topic, Action.withdraw, roles_here(viewer, topic), viewer.id)
