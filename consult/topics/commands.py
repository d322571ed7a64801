"""Topic commands: proposing, and every transition a person takes (screening, merge,
project, implementation, evaluation) plus the vote's outcome. Each is one transaction
with its timeline entry, notices and audit entry; the rules come from the lifecycle.

Decisions where the spec is silent:

* On a merge the merged topic's seconders *and its author* become seconders of the
  target (unless they already second it or wrote it), and its followers follow the
  target; the merged topic keeps its own rows as history. A merge notifies the merged
  topic's followers (the target does not change state).
* Staff may end an evaluation window early; the same rule decides (``projects``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from consult import audit, db
from consult.accounts.domain import Viewer
from consult.cache import content_revision
from consult.fields import row_id
from consult.photos import commands as photos_commands
from consult.photos.owners import OwnerType
from consult.places import queries as places
import consult.topics.forms as forms
from consult.topics.clock import local_today, utcnow
from consult.topics.lifecycle import (
    ACTION_INPUTS,
    SCREENING_ACTIONS,
    Action,
    Activity,
    TopicState,
    TransitionRefused,
    check,
    next_state,
)
from consult.topics.queries import filter_choices
from consult.topics.tables import ProjectSheet, Topic, TopicFollower, TopicSecond
from consult.topics.timeline import (
    EVALUATION_OPEN_NOTICE,
    SYSTEM_ROLES,
    event,
    load_topic,
    roles_here,
    topic_columns,
    notify_raters,
    transition,
)

log = logging.getLogger("consult.topics")


async def propose_topic(viewer: Viewer, title: Any, description: Any, category: Any, grid_id: Any,
                        photos: photos_commands.Batch | None = None) -> int:
    """A resident proposes a topic; ``category`` is the category slug; ``photos`` prepared
    by ``consult.photos.commands.prepare``, saved with the topic or not at all."""
    check(Activity.propose, None, viewer.granted)
    choices = await filter_choices(await content_revision())
    categories = {c["slug"]: c["id"] for c in choices["categories"]}
    grids = {g["id"] for g in choices["grids"]}
    data = forms.validate_proposal(title, description, category, grid_id, categories, grids)
    # A resident proposes in the community they belong to, not in any grid of the install.
    check(Activity.propose, None, viewer.granted_at((await places.tree()).path_of(data.grid_id)))
    async with photos_commands.stored(photos), db.transaction():
        topic = Topic(
            title=data.title, description=data.description, category=categories[data.category],
            grid=data.grid_id, author=viewer.id, state=TopicState.proposed.value,
        )
        await topic.save()
        await TopicFollower.insert(TopicFollower(topic=topic.id, user=viewer.id))
        await event(topic.id, viewer.id, "propose", "", TopicState.proposed, 1)
        await audit.record(viewer.id, "topic.propose", "topic", topic.id, title=data.title)
        await photos_commands.attach(photos, OwnerType.topic, topic.id, viewer.id)
    return topic.id


async def take_action(viewer: Viewer, topic_id: int, action: str, values: Mapping[str, Any],
                      today: date | None = None) -> TopicState:
    """The one entry for every transition a person takes; ``values`` are the fields
    ``ACTION_INPUTS`` names for it."""
    if action in SCREENING_ACTIONS:
        return await screen_topic(viewer, topic_id, action, values, today)
    if action == Action.form_project:
        return await form_project(viewer, topic_id, values, today)
    if action == Action.start_implementation:
        return await start_implementation(viewer, topic_id)
    if action == Action.open_evaluation:
        return await open_evaluation(viewer, topic_id, values.get("end_date"), today)
    raise TransitionRefused("unknown_action", action=action)


async def _merge_target(form: Mapping[str, Any]) -> dict | None:
    target_id, err = row_id(form.get("target_id"))
    if err is not None:
        return None
    return await Topic.select(*topic_columns()).where(Topic.id == target_id).first()


async def screen_topic(viewer: Viewer, topic_id: int, action: Any, form: Mapping[str, Any],
                       today: date | None = None) -> TopicState:
    """open_discussion / reject / refer / merge (reject also ends a discussion)."""
    today = today or local_today()
    async with db.transaction():
        topic = await load_topic(topic_id)
        next_state(topic["state"], action, roles_here(viewer, topic))  # refuse before judging the input
        act = Action(action)
        target_row = await _merge_target(form) if act is Action.merge else None
        data = forms.validate_screening(
            act, today=today, topic_id=topic_id, target_state=target_row["state"] if target_row else None,
            settings=await places.settings_of(topic["grid"]),
            **{spec.name: form.get(spec.name) for spec in ACTION_INPUTS[act]},
        )
        values: dict = {}
        if topic["state"] == TopicState.proposed:
            values[Topic.screened_at] = utcnow()
        if act is Action.open_discussion:
            values[Topic.discussion_ends_on] = data.end_date
            return await transition(topic, act, roles_here(viewer, topic), viewer.id, values=values, end_date=data.end_date)
        if act is Action.reject:
            values[Topic.reject_reason] = data.reason
            return await transition(topic, act, roles_here(viewer, topic), viewer.id, note=data.reason or "", values=values)
        if act is Action.refer:
            values[Topic.department] = data.department
            values[Topic.reference_number] = data.reference_number
            return await transition(
                topic, act, roles_here(viewer, topic), viewer.id, values=values,
                department=data.department, reference_number=data.reference_number,
            )
        assert target_row is not None and data.target_id is not None
        return await _merge(viewer, topic, target_row, values)


async def _merge(viewer: Viewer, topic: dict, target_row: dict, values: dict) -> TopicState:
    values[Topic.merged_into] = target_row["id"]
    # The merge reaches into the target too: the viewer must be able to merge there as well
    # (a committee member of one community cannot fold a topic into another's).
    next_state(topic["state"], Action.merge, roles_here(viewer, target_row))
    state = await transition(topic, Action.merge, roles_here(viewer, topic), viewer.id, values=values, merged_into=target_row["id"])
    carried = await _carry_over(topic, target_row)
    await event(
        target_row["id"], viewer.id, "absorb", target_row["state"], target_row["state"], target_row["round"],
        source_id=topic["id"], seconds=carried["seconds"], followers=carried["followers"],
    )
    await audit.record(viewer.id, "topic.absorb", "topic", target_row["id"], source_id=topic["id"], **carried)
    return state


async def _carry_over(source: dict, target: dict) -> dict:
    """Seconds and followers of ``source`` (and its author) go to ``target``."""
    source_id, target_id = source["id"], target["id"]
    seconders = [r["user"] for r in await TopicSecond.select(TopicSecond.user).where(TopicSecond.topic == source_id)]
    already = {r["user"] for r in await TopicSecond.select(TopicSecond.user).where(TopicSecond.topic == target_id)}
    carried = 0
    for user in [source["author"], *seconders]:
        if user == target["author"] or user in already:
            continue
        await TopicSecond.insert(TopicSecond(topic=target_id, user=user, carried_from=source_id))
        already.add(user)
        carried += 1
    followers = [r["user"] for r in await TopicFollower.select(TopicFollower.user).where(TopicFollower.topic == source_id)]
    following = {r["user"] for r in await TopicFollower.select(TopicFollower.user).where(TopicFollower.topic == target_id)}
    added = 0
    for user in followers:
        if user not in following:
            await TopicFollower.insert(TopicFollower(topic=target_id, user=user))
            following.add(user)
            added += 1
    return {"seconds": carried, "followers": added}


async def form_project(viewer: Viewer, topic_id: int, form: Mapping[str, Any], today: date | None = None) -> TopicState:
    """Close the discussion with a consensus summary and the project sheet."""
    today = today or local_today()
    async with db.transaction():
        topic = await load_topic(topic_id)
        next_state(topic["state"], Action.form_project, roles_here(viewer, topic))
        sheet = forms.project_sheet(form, today)
        await ProjectSheet.insert(
            ProjectSheet(
                topic=topic_id, title=sheet.title, scope=sheet.scope, estimated_cost=sheet.estimated_cost,
                responsible_unit=sheet.responsible_unit, responsible_person=sheet.responsible_person,
                deadline=sheet.deadline, funding_route=sheet.funding_route.value,
            )
        )
        return await transition(
            topic, Action.form_project, roles_here(viewer, topic), viewer.id,
            note=sheet.consensus_summary, values={Topic.consensus_summary: sheet.consensus_summary},
            project=sheet.title, estimated_cost=sheet.estimated_cost, deadline=sheet.deadline,
            funding_route=sheet.funding_route.value,
        )


async def start_implementation(viewer: Viewer, topic_id: int) -> TopicState:
    async with db.transaction():
        topic = await load_topic(topic_id)
        return await transition(topic, Action.start_implementation, roles_here(viewer, topic), viewer.id)


async def open_evaluation(viewer: Viewer, topic_id: int, end_date: Any, today: date | None = None) -> TopicState:
    today = today or local_today()
    async with db.transaction():
        topic = await load_topic(topic_id)
        next_state(topic["state"], Action.open_evaluation, roles_here(viewer, topic))
        settings = await places.settings_of(topic["grid"])
        ends_on = forms.validate_evaluation_window(end_date, today, settings)
        state = await transition(
            topic, Action.open_evaluation, roles_here(viewer, topic), viewer.id,
            values={Topic.evaluation_ends_on: ends_on, Topic.evaluation_extended: False}, end_date=ends_on,
        )
        await notify_raters(topic, EVALUATION_OPEN_NOTICE, ends_on, viewer.id, settings)
        return state


# ---------------------------------------------------------------- the annual vote's outcome


async def apply_vote_outcome(
    elected_topic_ids: list[int], not_elected_topic_ids: list[int], vote_id: int, actor_id: int | None
) -> None:
    """Elected projects → implementing, the others → not_elected. Joins the caller's
    transaction if there is one. Topics not in state ``project`` are skipped and noted
    in the audit log."""
    async with db.transaction():
        for ids, action in ((elected_topic_ids, Action.elect), (not_elected_topic_ids, Action.mark_not_elected)):
            for topic_id in ids:
                await _vote_step(topic_id, action, vote_id, actor_id)


async def _vote_step(topic_id: int, action: Action, vote_id: int, actor_id: int | None) -> None:
    topic = await Topic.select().where(Topic.id == topic_id).first()
    if topic is None or topic["state"] != TopicState.project:
        log.warning("vote %s: topic %s skipped (not a project)", vote_id, topic_id)
        await audit.record(
            actor_id, "topic.vote_outcome_skipped", "topic", topic_id, vote_id=vote_id,
            step=action.value, state=topic["state"] if topic else None,
        )
        return
    await transition(topic, action, SYSTEM_ROLES, actor_id, values={Topic.vote_id: vote_id}, vote_id=vote_id)


__all__: list[str] = [
    "apply_vote_outcome", "form_project", "open_evaluation", "propose_topic", "screen_topic",
    "start_implementation", "take_action",
]
