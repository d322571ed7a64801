"""Project commands after the discussion: progress, supervision notes, ratings, and the
end of an evaluation window (by the periodic job, or staff ending it early: the same
rule decides). Each is one transaction with its timeline and audit entries.

An evaluation window ends at the end of its end date (Asia/Shanghai): it is due once
``today > evaluation_ends_on``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

from consult import audit, db
from consult.accounts.domain import Viewer
from consult.db import insert_once
from consult.photos import commands as photos_commands
from consult.photos.owners import OwnerType
from consult.places import queries as places
from consult.places.settings import PlaceSettings, settings_at
from consult.places.tree import Tree
from consult.roles import Role, effective_roles
import consult.topics.forms as forms
from consult.topics.clock import local_today, utcnow
from consult.topics.permissions import TopicPermissions
from consult.topics.evaluation import OUTCOME_ACTIONS, EvaluationOutcome, Rating, decide_evaluation, extended_window_end
from consult.topics.lifecycle import Action, Activity, TopicRefused, TopicState, next_state
from consult.topics.tables import ProgressUpdate, SupervisionNote, Topic, TopicRating
from consult.topics.timeline import EVALUATION_EXTENDED_NOTICE, SYSTEM_ROLES, event, load_topic, notify_raters, roles_here, transition

log = logging.getLogger("consult.topics")


async def post_progress(viewer: Viewer, topic_id: int, form: dict, today: date | None = None,
                        photos: photos_commands.Batch | None = None) -> int:
    """A progress report, with its before and after photos (saved with it or not at all)."""
    today = today or local_today()
    async with photos_commands.stored(photos), db.transaction():
        topic = await load_topic(topic_id)
        TopicPermissions.for_viewer(viewer, topic).check(Activity.progress)
        data = forms.validate_progress(form.get("percent"), form.get("note"), form.get("date"), today)
        update = ProgressUpdate(
            topic=topic_id, author=viewer.id, percent=data.percent, note=data.note, on_date=data.date,
            round=topic["round"],
        )
        await update.save()
        await audit.record(viewer.id, "topic.progress", "topic", topic_id, percent=data.percent, on_date=data.date)
        await photos_commands.attach(photos, OwnerType.progress, update.id, viewer.id)
    return update.id


async def add_supervision_note(viewer: Viewer, topic_id: int, body: Any,
                               photos: photos_commands.Batch | None = None) -> int:
    async with photos_commands.stored(photos), db.transaction():
        topic = await load_topic(topic_id)
        TopicPermissions.for_viewer(viewer, topic).check(Activity.supervision_note)
        text = forms.validate_supervision_note(body)
        note = SupervisionNote(
            topic=topic_id, author=viewer.id, body=text, round=topic["round"],
            author_is_representative=Role.representative in effective_roles(roles_here(viewer, topic)),
        )
        await note.save()
        await audit.record(viewer.id, "topic.supervision_note", "topic", topic_id, note_id=note.id)
        await photos_commands.attach(photos, OwnerType.supervision, note.id, viewer.id)
    return note.id


async def rate_topic(viewer: Viewer, topic_id: int, value: Any, comment: Any = None) -> None:
    async with db.transaction():
        topic = await load_topic(topic_id)
        TopicPermissions.for_viewer(viewer, topic, await places.settings_of(topic["grid"])).check(Activity.rate)
        data = forms.validate_rating(value, comment)
        mine = (TopicRating.topic == topic_id) & (TopicRating.user == viewer.id) & (TopicRating.round == topic["round"])
        row = TopicRating(topic=topic_id, user=viewer.id, round=topic["round"], value=data.value.value,
                          comment=data.comment)
        await insert_once(row, TopicRating.exists().where(mine), TopicRefused("already_rated"))
        await audit.record(viewer.id, "topic.rate", "topic", topic_id, round=topic["round"], value=data.value.value)


async def rating_tally(topic_id: int, round_: int) -> dict[str, int]:
    rows = await TopicRating.raw(
        "SELECT value, COUNT(*) AS n FROM topic_rating WHERE topic = {} AND round = {} GROUP BY value",
        topic_id, round_,
    )
    tally = {r.value: 0 for r in Rating}
    for row in rows:
        tally[row["value"]] = int(row["n"])
    return tally


async def _extend(topic: dict, today: date, actor_id: int | None, roles: Iterable[str], detail: dict,
                  settings: PlaceSettings) -> None:
    next_state(topic["state"], Action.close_satisfied, roles)  # the same people may extend
    ends_on = extended_window_end(topic["evaluation_ends_on"], today, settings.evaluation_days)
    await Topic.update(
        {Topic.evaluation_ends_on: ends_on, Topic.evaluation_extended: True, Topic.updated_at: utcnow()}
    ).where(Topic.id == topic["id"])
    await event(topic["id"], actor_id, "extend_evaluation", topic["state"], topic["state"], topic["round"],
                end_date=ends_on, **detail)
    await audit.record(actor_id, "topic.extend_evaluation", "topic", topic["id"], end_date=ends_on, **detail)
    await notify_raters(topic, EVALUATION_EXTENDED_NOTICE, ends_on, actor_id, settings)


async def _decide(topic_id: int, today: date, actor_id: int | None, roles: Iterable[str],
                  tree: Tree | None = None) -> str | None:
    """Apply the evaluation rule of the topic's grid (its threshold and minimum ratings,
    inherited up the tree) to one topic now; returns the outcome, or None when the topic
    is no longer being evaluated. Call inside a transaction; ``tree``: the places as read
    for a batch (None: read now)."""
    topic = await load_topic(topic_id)
    if topic["state"] != TopicState.evaluating:
        return None
    settings = settings_at(tree or await places.tree(), topic["grid"])
    tally = await rating_tally(topic_id, topic["round"])
    counts = (tally[Rating.satisfied], tally[Rating.basically_satisfied], tally[Rating.unsatisfied])
    outcome = decide_evaluation(*counts, already_extended=topic["evaluation_extended"],
                                threshold=settings.threshold, min_ratings=settings.min_ratings)
    detail = {"satisfied": counts[0], "basic": counts[1], "unsatisfied": counts[2],
              "threshold_percent": settings.satisfaction_percent, "min_ratings": settings.min_ratings}
    if outcome is EvaluationOutcome.extend:
        await _extend(topic, today, actor_id, roles, detail, settings)
        return outcome.value
    action = OUTCOME_ACTIONS[outcome]
    values: dict = {}
    if action is Action.second_handling:
        values = {Topic.evaluation_ends_on: None, Topic.evaluation_extended: False}
    await transition(topic, action, roles, actor_id, values=values, **detail)
    return outcome.value


async def close_due_evaluations(today: date | None = None) -> list[tuple[int, str]]:
    """Every evaluation whose window has ended: close, second handling, or extend once.
    Each topic is its own transaction. Returns ``[(topic_id, outcome)]``."""
    today = today or local_today()
    due = await Topic.select(Topic.id).where(
        (Topic.state == TopicState.evaluating.value) & (Topic.evaluation_ends_on < today)
    )
    results = []
    tree = await places.tree() if due else None  # read once for the batch, not once per topic
    for row in due:
        async with db.transaction():
            outcome = await _decide(row["id"], today, None, SYSTEM_ROLES, tree)
        if outcome:
            results.append((row["id"], outcome))
    return results


async def decide_due_evaluations() -> None:
    """The periodic job: decide every ended evaluation window (pages never do)."""
    results = await close_due_evaluations()
    if results:
        log.info("evaluation windows decided: %s", results)


async def end_evaluation_now(viewer: Viewer, topic_id: int, today: date | None = None) -> str | None:
    """Staff end a window early; the same rule decides."""
    today = today or local_today()
    async with db.transaction():
        topic = await load_topic(topic_id)
        next_state(topic["state"], Action.close_satisfied, roles_here(viewer, topic))
        return await _decide(topic_id, today, viewer.id, roles_here(viewer, topic))


async def decide_as_of(topic_id: int, today: date) -> str | None:
    """End one evaluation window as of ``today`` by the usual rule (the demo's past)."""
    async with db.transaction():
        return await _decide(topic_id, today, None, SYSTEM_ROLES)
