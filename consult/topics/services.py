"""Topic services: one function per user action, each one transaction with its audit entry.

The rules come from ``consult.topics.domain``; this module loads rows, asks the domain,
writes, and records the timeline (``TopicEvent``) and the audit log. Reading functions
(list, detail, queue) build what the pages and the API show, counting in SQL (one query
per list page, no query per row).

Decisions where the spec is silent (also in the report / docs):

* Followers of a topic are its author and everyone who seconded it, took a stance or
  commented (``TopicFollower``). On a merge the merged topic's seconders *and its author*
  become seconders of the target (unless they already second it or wrote it), and its
  followers follow the target; the merged topic keeps its own rows as history.
* A resident cannot second a topic they proposed ("seconds other topics").
* A reply to a reply is attached to the top-level comment (one level of replies).
* The 党员 badge is a snapshot: the author held the verified party_member role when posting.
* A hidden comment stays hidden (no un-hide); its body is withheld from every page and
  the API, its place shows the moderator's public reason.
* An evaluation window ends at the end of its end date (Asia/Shanghai): it is due once
  ``today > evaluation_ends_on``. Staff may end a window early; the same rule decides.
* Full-text search is a case-insensitive LIKE over title and description on both engines.

Notifications (``consult.notifications``), written in the same transaction as the change:

* ``topic_state``: every transition (people's and the system's: evaluation outcome, second
  handling, vote outcome, merge) notifies the topic's followers, except the actor. A merge
  notifies the merged topic's followers (the target does not change state).
* ``reply``: a reply notifies the author of the comment replied to and, when that was itself
  a reply, the author of the thread's top-level comment (replies are one level deep, so a
  reply lands in that thread); never the one replying.
* ``evaluation_open``: opening an evaluation notifies who may rate it: representatives (any
  grid) and residents / party members of the topic's grid, by granted role (an admin is not
  counted in, as for announcements). Extending the window (too few ratings) notifies the
  same people again, except those who already rated this round: it is a reminder.
  Followers who may rate also get the ``topic_state`` notice of the same step (each kind
  obeys its own preference).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from consult import audit, db
from consult.cache import RevisionCache, at, content_revision
from consult.accounts.domain import Viewer
from consult.accounts.tables import Category, Grid, User
from consult.messages import NotFound, Refusal
from consult.notifications.domain import Kind as NoticeKind
from consult.notifications.services import notify
import consult.topics.domain as domain
from consult.topics.domain import (
    N_,
    Action,
    Activity,
    EvaluationOutcome,
    FundingRoute,
    Rating,
    Stance,
    TopicInputError,
    TopicState,
    TransitionRefused,
)
from consult.topics.tables import (
    CommentFlag,
    ProgressUpdate,
    ProjectSheet,
    SupervisionNote,
    Topic,
    TopicComment,
    TopicEvent,
    TopicFollower,
    TopicRating,
    TopicSecond,
    TopicStance,
)

log = logging.getLogger("consult.topics")

SHANGHAI = timezone(timedelta(hours=8))
PER_PAGE = 20
SYSTEM_ROLES = frozenset({domain.SYSTEM})

# Notification messages (English templates, translated when shown; ``state_label`` too).
STATE_NOTICE = N_("Topic “{title}” is now {state_label}.")
REPLY_NOTICE = N_("{name} replied to your comment on “{title}”.")
EVALUATION_OPEN_NOTICE = N_("The evaluation of “{title}” is open until {end_date}: you may rate it.")
EVALUATION_EXTENDED_NOTICE = N_("The evaluation of “{title}” is extended until {end_date}: you may still rate it.")


class TopicRefused(Refusal):
    """A refusal that is not a lifecycle rule (already seconded, own topic, ...)."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local_today() -> date:
    """Today in the community's time zone (Asia/Shanghai)."""
    return datetime.now(SHANGHAI).date()


def _is_unique_violation(exc: BaseException) -> bool:
    name = type(exc).__name__
    return name in {"IntegrityError", "UniqueViolationError"} or "UNIQUE" in str(exc).upper()


# ---------------------------------------------------------------- notifications (inside the caller's transaction)


async def _notify_followers(topic: dict, state: TopicState, actor_id: int | None) -> int:
    rows = await TopicFollower.select(TopicFollower.user).where(TopicFollower.topic == topic["id"])
    return await notify(
        [r["user"] for r in rows], NoticeKind.topic_state.value, STATE_NOTICE,
        {"title": topic["title"], "state_label": domain.STATE_LABELS[state]}, f"/topics/{topic['id']}", actor_id,
    )


# Who may rate a topic, by granted role (see the module doc), without those who already
# rated this round: one query.
_RATERS_SQL = (
    "SELECT a.id FROM account a WHERE a.active AND ("
    "EXISTS (SELECT 1 FROM user_role r WHERE r.\"user\" = a.id AND r.role = 'representative') "
    "OR (a.grid = {} AND EXISTS (SELECT 1 FROM user_role r WHERE r.\"user\" = a.id "
    "AND r.role IN ('resident', 'party_member')))) "
    "AND NOT EXISTS (SELECT 1 FROM topic_rating tr WHERE tr.topic = {} AND tr.\"user\" = a.id AND tr.round = {})"
)


async def _notify_raters(topic: dict, message: str, end_date: date, actor_id: int | None) -> int:
    """``topic`` as read in this transaction (opening or extending a window keeps its round)."""
    rows = await Topic.raw(_RATERS_SQL, topic["grid"], topic["id"], topic["round"])
    return await notify(
        [r["id"] for r in rows], NoticeKind.evaluation_open.value, message,
        {"title": topic["title"], "end_date": end_date.isoformat()}, f"/topics/{topic['id']}", actor_id,
    )


# ---------------------------------------------------------------- loading


async def _load_topic(topic_id: int) -> dict:
    row = await Topic.select().where(Topic.id == topic_id).first()
    if row is None:
        raise NotFound(N_("There is no topic number {topic_id}."), topic_id=topic_id)
    return row


async def _load_comment(topic_id: int, comment_id: int) -> dict:
    row = (
        await TopicComment.select()
        .where((TopicComment.id == comment_id) & (TopicComment.topic == topic_id))
        .first()
    )
    if row is None:
        raise NotFound(N_("There is no such comment on this topic."))
    return row


async def _follow(topic_id: int, user_id: int) -> None:
    if not await TopicFollower.exists().where(
        (TopicFollower.topic == topic_id) & (TopicFollower.user == user_id)
    ):
        await TopicFollower.insert(TopicFollower(topic=topic_id, user=user_id))


async def _event(
    topic_id: int,
    actor_id: int | None,
    action: str,
    from_state: str,
    to_state: str,
    round_: int,
    note: str = "",
    **detail: Any,
) -> None:
    await TopicEvent.insert(
        TopicEvent(
            topic=topic_id,
            actor=actor_id,
            action=str(action),
            from_state=str(from_state),
            to_state=str(to_state),
            note=note,
            detail={k: (str(v) if isinstance(v, date) else v) for k, v in detail.items()},
            round=round_,
        )
    )


async def _transition(
    topic: dict,
    action: Action,
    roles: Iterable[str],
    actor_id: int | None,
    *,
    note: str = "",
    values: dict | None = None,
    **detail: Any,
) -> TopicState:
    """Move ``topic`` by ``action``: refuse via the domain, update only if the state is
    still the one read (a concurrent transition loses), write timeline and audit.
    Call inside a transaction."""
    current = TopicState(topic["state"])
    target = domain.next_state(current, action, roles)
    new_round = domain.round_after(Action(action), topic["round"])
    updates: dict = {Topic.state: target.value, Topic.updated_at: utcnow(), Topic.round: new_round}
    for column, value in (values or {}).items():
        updates[column] = value
    changed = (
        await Topic.update(updates)
        .where((Topic.id == topic["id"]) & (Topic.state == current.value))
        .returning(Topic.id)
    )
    if not changed:
        fresh = await _load_topic(topic["id"])
        raise TransitionRefused("wrong_state", action=action, state=TopicState(fresh["state"]))
    await _event(topic["id"], actor_id, action, current, target, new_round, note, **detail)
    await _notify_followers(topic, target, actor_id)
    await audit.record(
        actor_id,
        f"topic.{action}",
        "topic",
        topic["id"],
        from_state=current.value,
        to_state=target.value,
        round=new_round,
        note=note,
        **detail,
    )
    return target


# ---------------------------------------------------------------- choices


_CHOICES_CACHE = RevisionCache("topic_choices", size=8)


async def filter_choices(revision: int | None) -> dict[str, list[dict]]:
    """``categories`` (active, in their order) and ``grids`` (by id) for the list's filters
    and the proposal form, read at ``revision`` and shared: read-only. The list page passes
    the revision it read for its rows, so a page view reads it once."""

    async def read() -> dict[str, list[dict]]:
        return {
            "categories": await Category.select(Category.id, Category.slug, Category.name_zh, Category.name_en)
            .where(Category.active == True).order_by(Category.position),  # noqa: E712
            "grids": await Grid.select(Grid.id, Grid.name).order_by(Grid.id),
        }

    return await _CHOICES_CACHE.get_or_load(at(revision, "filters"), read)


# ---------------------------------------------------------------- propose, second, stance


async def propose_topic(viewer: Viewer, title: Any, description: Any, category: Any, grid_id: Any) -> int:
    """A resident proposes a topic; ``category`` is the category slug."""
    domain.check(Activity.propose, None, viewer.granted)
    choices = await filter_choices(await content_revision())
    categories = {c["slug"]: c["id"] for c in choices["categories"]}
    grids = {g["id"] for g in choices["grids"]}
    data = domain.validate_proposal(title, description, category, grid_id, categories, grids)
    async with db.transaction():
        topic = Topic(
            title=data.title,
            description=data.description,
            category=categories[data.category],
            grid=data.grid_id,
            author=viewer.id,
            state=TopicState.proposed.value,
        )
        await topic.save()
        await TopicFollower.insert(TopicFollower(topic=topic.id, user=viewer.id))
        await _event(topic.id, viewer.id, "propose", "", TopicState.proposed, 1)
        await audit.record(viewer.id, "topic.propose", "topic", topic.id, title=data.title)
    return topic.id


async def second_topic(viewer: Viewer, topic_id: int) -> None:
    async with db.transaction():
        topic = await _load_topic(topic_id)
        domain.check(Activity.second, topic["state"], viewer.granted)
        if topic["author"] == viewer.id:
            raise TopicRefused(N_("You proposed this topic; seconds come from other residents."))
        if await TopicSecond.exists().where((TopicSecond.topic == topic_id) & (TopicSecond.user == viewer.id)):
            raise TopicRefused(N_("You have already seconded this topic."))
        try:
            await TopicSecond.insert(TopicSecond(topic=topic_id, user=viewer.id))
        except Exception as exc:
            if _is_unique_violation(exc):
                raise TopicRefused(N_("You have already seconded this topic.")) from exc
            raise
        await _follow(topic_id, viewer.id)
        await audit.record(viewer.id, "topic.second", "topic", topic_id)


async def set_stance(viewer: Viewer, topic_id: int, value: Any) -> Stance:
    async with db.transaction():
        topic = await _load_topic(topic_id)
        domain.check(Activity.stance, topic["state"], viewer.granted)
        stance = domain.validate_stance(value)
        existing = (
            await TopicStance.select(TopicStance.id, TopicStance.value)
            .where((TopicStance.topic == topic_id) & (TopicStance.user == viewer.id))
            .first()
        )
        if existing is None:
            try:
                await TopicStance.insert(TopicStance(topic=topic_id, user=viewer.id, value=stance.value))
            except Exception as exc:
                if _is_unique_violation(exc):
                    raise TopicRefused(N_("Your stance changed at the same time elsewhere; reload and try again.")) from exc
                raise
        elif existing["value"] != stance.value:
            await TopicStance.update({TopicStance.value: stance.value, TopicStance.updated_at: utcnow()}).where(
                TopicStance.id == existing["id"]
            )
        await _follow(topic_id, viewer.id)
        await audit.record(
            viewer.id, "topic.stance", "topic", topic_id, stance=stance.value,
            previous=existing["value"] if existing else None,
        )
    return stance


# ---------------------------------------------------------------- discussion


async def add_comment(viewer: Viewer, topic_id: int, body: Any, parent_id: Any = None) -> int:
    """A comment, or a reply when ``parent_id`` names a comment of this topic."""
    parent: int | None = None
    if parent_id not in (None, ""):
        try:
            parent = int(str(parent_id))
        except ValueError:
            raise TopicInputError({"body": domain._error("not_a_choice")}) from None
        if not 0 < parent <= domain.MAX_ID:
            raise TopicInputError({"body": domain._error("not_a_choice")})
    async with db.transaction():
        topic = await _load_topic(topic_id)
        domain.check(Activity.reply if parent else Activity.comment, topic["state"], viewer.granted)
        text = domain.validate_comment(body)
        replied_to: set[int] = set()
        if parent is not None:
            parent_row = await _load_comment(topic_id, parent)
            replied_to.add(parent_row["author"])
            if parent_row["parent"]:  # a reply to a reply: the thread's author hears of it too
                thread = await TopicComment.select(TopicComment.author).where(
                    TopicComment.id == parent_row["parent"]
                ).first()
                if thread is not None:
                    replied_to.add(thread["author"])
            parent = parent_row["parent"] or parent_row["id"]  # one level of replies
        comment = TopicComment(
            topic=topic_id,
            author=viewer.id,
            parent=parent,
            body=text,
            party_badge=domain.PARTY_MEMBER in viewer.granted,
        )
        await comment.save()
        await _follow(topic_id, viewer.id)
        await audit.record(viewer.id, "topic.comment", "comment", comment.id, topic=topic_id, parent=parent)
        if replied_to:
            await notify(
                replied_to, NoticeKind.reply.value, REPLY_NOTICE,
                {"name": viewer.display_name, "title": topic["title"]}, f"/topics/{topic_id}#c{comment.id}",
                viewer.id,
            )
    return comment.id


async def flag_comment(viewer: Viewer, topic_id: int, comment_id: int) -> None:
    async with db.transaction():
        topic = await _load_topic(topic_id)
        domain.check(Activity.flag, topic["state"], viewer.granted)
        await _load_comment(topic_id, comment_id)
        if await CommentFlag.exists().where((CommentFlag.comment == comment_id) & (CommentFlag.user == viewer.id)):
            raise TopicRefused(N_("You have already flagged this comment."))
        try:
            await CommentFlag.insert(CommentFlag(comment=comment_id, user=viewer.id))
        except Exception as exc:
            if _is_unique_violation(exc):
                raise TopicRefused(N_("You have already flagged this comment.")) from exc
            raise
        await audit.record(viewer.id, "comment.flag", "comment", comment_id, topic=topic_id)


async def pin_comment(viewer: Viewer, topic_id: int, comment_id: int) -> bool:
    """Pin or unpin (toggle); returns whether it is now pinned."""
    async with db.transaction():
        topic = await _load_topic(topic_id)
        domain.check(Activity.pin, topic["state"], viewer.granted)
        comment = await _load_comment(topic_id, comment_id)
        pinned = not comment["pinned"]
        await TopicComment.update({TopicComment.pinned: pinned}).where(TopicComment.id == comment_id)
        await audit.record(viewer.id, "comment.pin" if pinned else "comment.unpin", "comment", comment_id, topic=topic_id)
    return pinned


async def hide_comment(viewer: Viewer, topic_id: int, comment_id: int, reason: Any) -> None:
    async with db.transaction():
        topic = await _load_topic(topic_id)
        domain.check(Activity.hide, topic["state"], viewer.granted)
        comment = await _load_comment(topic_id, comment_id)
        text = domain.validate_reason(reason)
        if comment["hidden"]:
            raise TopicRefused(N_("This comment is already hidden."))
        await TopicComment.update(
            {
                TopicComment.hidden: True,
                TopicComment.hidden_reason: text,
                TopicComment.hidden_by: viewer.id,
                TopicComment.hidden_at: utcnow(),
            }
        ).where(TopicComment.id == comment_id)
        await audit.record(viewer.id, "comment.hide", "comment", comment_id, topic=topic_id, reason=text)


async def mark_guidance(viewer: Viewer, topic_id: int, comment_id: int) -> bool:
    """A party member marks (or unmarks) their own comment as guidance (引导)."""
    async with db.transaction():
        topic = await _load_topic(topic_id)
        comment = await _load_comment(topic_id, comment_id)
        domain.check(
            Activity.mark_guidance, topic["state"], viewer.granted, is_author=comment["author"] == viewer.id
        )
        guidance = not comment["guidance"]
        await TopicComment.update({TopicComment.guidance: guidance}).where(TopicComment.id == comment_id)
        await audit.record(viewer.id, "comment.guidance", "comment", comment_id, topic=topic_id, guidance=guidance)
    return guidance


# ---------------------------------------------------------------- committee: screening and projects


def _int_or_none(value: Any) -> int | None:
    """A row id from a form or query string, or None (a number no row can have is None too)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= domain.MAX_ID else None


async def screen_topic(viewer: Viewer, topic_id: int, action: Any, form: dict, today: date | None = None) -> TopicState:
    """open_discussion / reject / refer / merge (reject also ends a discussion)."""
    today = today or local_today()
    async with db.transaction():
        topic = await _load_topic(topic_id)
        domain.next_state(topic["state"], action, viewer.granted)  # refuse before judging the input
        act = Action(action)
        target_row = None
        if act is Action.merge:
            target_id = _int_or_none(form.get("target_id"))
            if target_id is not None:
                target_row = await Topic.select().where(Topic.id == target_id).first()
        data = domain.validate_screening(
            act,
            today=today,
            end_date=form.get("end_date"),
            reason=form.get("reason"),
            department=form.get("department"),
            reference_number=form.get("reference_number"),
            target_id=form.get("target_id"),
            topic_id=topic_id,
            target_state=target_row["state"] if target_row else None,
        )
        now = utcnow()
        values: dict = {}
        if topic["state"] == TopicState.proposed:
            values[Topic.screened_at] = now
        if act is Action.open_discussion:
            values[Topic.discussion_ends_on] = data.end_date
            return await _transition(topic, act, viewer.granted, viewer.id, values=values, end_date=data.end_date)
        if act is Action.reject:
            values[Topic.reject_reason] = data.reason
            return await _transition(topic, act, viewer.granted, viewer.id, note=data.reason or "", values=values)
        if act is Action.refer:
            values[Topic.department] = data.department
            values[Topic.reference_number] = data.reference_number
            return await _transition(
                topic, act, viewer.granted, viewer.id, values=values,
                department=data.department, reference_number=data.reference_number,
            )
        # merge
        assert target_row is not None and data.target_id is not None
        values[Topic.merged_into] = data.target_id
        state = await _transition(topic, act, viewer.granted, viewer.id, values=values, merged_into=data.target_id)
        carried = await _carry_over(topic, target_row)
        await _event(
            target_row["id"], viewer.id, "absorb", target_row["state"], target_row["state"], target_row["round"],
            source_id=topic_id, seconds=carried["seconds"], followers=carried["followers"],
        )
        await audit.record(viewer.id, "topic.absorb", "topic", target_row["id"], source_id=topic_id, **carried)
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


async def form_project(viewer: Viewer, topic_id: int, form: dict, today: date | None = None) -> TopicState:
    """Close the discussion with a consensus summary and the project sheet."""
    today = today or local_today()
    async with db.transaction():
        topic = await _load_topic(topic_id)
        domain.next_state(topic["state"], Action.form_project, viewer.granted)
        sheet = domain.validate_project_sheet(
            form.get("title"), form.get("scope"), form.get("estimated_cost"), form.get("responsible_unit"),
            form.get("responsible_person"), form.get("deadline"), form.get("funding_route"),
            form.get("consensus_summary"), today,
        )
        await ProjectSheet.insert(
            ProjectSheet(
                topic=topic_id,
                title=sheet.title,
                scope=sheet.scope,
                estimated_cost=sheet.estimated_cost,
                responsible_unit=sheet.responsible_unit,
                responsible_person=sheet.responsible_person,
                deadline=sheet.deadline,
                funding_route=sheet.funding_route.value,
            )
        )
        return await _transition(
            topic, Action.form_project, viewer.granted, viewer.id,
            note=sheet.consensus_summary,
            values={Topic.consensus_summary: sheet.consensus_summary},
            project=sheet.title, estimated_cost=sheet.estimated_cost, deadline=sheet.deadline,
            funding_route=sheet.funding_route.value,
        )


# ---------------------------------------------------------------- staff: implementation and evaluation


async def start_implementation(viewer: Viewer, topic_id: int) -> TopicState:
    async with db.transaction():
        topic = await _load_topic(topic_id)
        return await _transition(topic, Action.start_implementation, viewer.granted, viewer.id)


async def post_progress(viewer: Viewer, topic_id: int, form: dict, today: date | None = None) -> int:
    today = today or local_today()
    async with db.transaction():
        topic = await _load_topic(topic_id)
        domain.check(Activity.progress, topic["state"], viewer.granted)
        data = domain.validate_progress(form.get("percent"), form.get("note"), form.get("date"), today)
        update = ProgressUpdate(
            topic=topic_id, author=viewer.id, percent=data.percent, note=data.note, on_date=data.date,
            round=topic["round"],
        )
        await update.save()
        await audit.record(viewer.id, "topic.progress", "topic", topic_id, percent=data.percent, on_date=data.date)
    return update.id


async def add_supervision_note(viewer: Viewer, topic_id: int, body: Any) -> int:
    async with db.transaction():
        topic = await _load_topic(topic_id)
        domain.check(Activity.supervision_note, topic["state"], viewer.granted)
        text = domain.validate_supervision_note(body)
        note = SupervisionNote(
            topic=topic_id, author=viewer.id, body=text, round=topic["round"],
            author_is_representative=domain.REPRESENTATIVE in domain.effective_roles(viewer.granted),
        )
        await note.save()
        await audit.record(viewer.id, "topic.supervision_note", "topic", topic_id, note_id=note.id)
    return note.id


async def open_evaluation(viewer: Viewer, topic_id: int, end_date: Any, today: date | None = None) -> TopicState:
    today = today or local_today()
    async with db.transaction():
        topic = await _load_topic(topic_id)
        domain.next_state(topic["state"], Action.open_evaluation, viewer.granted)
        ends_on = domain.validate_evaluation_window(end_date, today)
        state = await _transition(
            topic, Action.open_evaluation, viewer.granted, viewer.id,
            values={Topic.evaluation_ends_on: ends_on, Topic.evaluation_extended: False},
            end_date=ends_on,
        )
        await _notify_raters(topic, EVALUATION_OPEN_NOTICE, ends_on, viewer.id)
        return state


async def rate_topic(viewer: Viewer, topic_id: int, value: Any, comment: Any = None) -> None:
    async with db.transaction():
        topic = await _load_topic(topic_id)
        domain.check(
            Activity.rate, topic["state"], viewer.granted,
            in_topic_grid=viewer.grid_id is not None and viewer.grid_id == topic["grid"],
        )
        data = domain.validate_rating(value, comment)
        mine = (TopicRating.topic == topic_id) & (TopicRating.user == viewer.id) & (TopicRating.round == topic["round"])
        if await TopicRating.exists().where(mine):
            raise TopicRefused(N_("You have already rated this project in this round."))
        try:
            await TopicRating.insert(
                TopicRating(topic=topic_id, user=viewer.id, round=topic["round"], value=data.value.value,
                            comment=data.comment)
            )
        except Exception as exc:
            if _is_unique_violation(exc):
                raise TopicRefused(N_("You have already rated this project in this round.")) from exc
            raise
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


async def _decide(topic_id: int, today: date, actor_id: int | None, roles: Iterable[str]) -> str | None:
    """Apply the evaluation rule to one topic now; returns the outcome, or None when the
    topic is no longer being evaluated. Call inside a transaction."""
    topic = await _load_topic(topic_id)
    if topic["state"] != TopicState.evaluating:
        return None
    tally = await rating_tally(topic_id, topic["round"])
    counts = (tally[Rating.satisfied], tally[Rating.basically_satisfied], tally[Rating.unsatisfied])
    outcome = domain.decide_evaluation(*counts, already_extended=topic["evaluation_extended"])
    detail = {"satisfied": counts[0], "basic": counts[1], "unsatisfied": counts[2]}
    if outcome is EvaluationOutcome.extend:
        domain.next_state(topic["state"], Action.close_satisfied, roles)  # same people may extend
        ends_on = domain.extended_window_end(topic["evaluation_ends_on"], today)
        await Topic.update(
            {Topic.evaluation_ends_on: ends_on, Topic.evaluation_extended: True, Topic.updated_at: utcnow()}
        ).where(Topic.id == topic_id)
        await _event(topic_id, actor_id, "extend_evaluation", topic["state"], topic["state"], topic["round"],
                     end_date=ends_on, **detail)
        await audit.record(actor_id, "topic.extend_evaluation", "topic", topic_id, end_date=ends_on, **detail)
        await _notify_raters(topic, EVALUATION_EXTENDED_NOTICE, ends_on, actor_id)
        return outcome.value
    action = domain.OUTCOME_ACTIONS[outcome]
    values: dict = {}
    if action is Action.second_handling:
        values = {Topic.evaluation_ends_on: None, Topic.evaluation_extended: False}
    await _transition(topic, action, roles, actor_id, values=values, **detail)
    return outcome.value


async def close_due_evaluations(today: date | None = None) -> list[tuple[int, str]]:
    """Every evaluation whose window has ended: close, second handling, or extend once.
    Each topic is its own transaction. Returns ``[(topic_id, outcome)]``."""
    today = today or local_today()
    due = await Topic.select(Topic.id).where(
        (Topic.state == TopicState.evaluating.value) & (Topic.evaluation_ends_on < today)
    )
    results = []
    for row in due:
        async with db.transaction():
            outcome = await _decide(row["id"], today, None, SYSTEM_ROLES)
        if outcome:
            results.append((row["id"], outcome))
    return results


async def end_evaluation_now(viewer: Viewer, topic_id: int, today: date | None = None) -> str | None:
    """Staff end a window early; the same rule decides."""
    today = today or local_today()
    async with db.transaction():
        topic = await _load_topic(topic_id)
        domain.next_state(topic["state"], Action.close_satisfied, viewer.granted)
        return await _decide(topic_id, today, viewer.id, viewer.granted)


# ---------------------------------------------------------------- contracts with the annual vote


async def annual_vote_projects() -> list[dict]:
    """Projects on the ``annual_vote`` route still in state ``project``: the vote's candidates.
    ``title`` is the project sheet's title; ``support`` = seconds + support stances."""
    rows = await Topic.raw(
        "SELECT t.id, p.title, p.scope, p.estimated_cost, p.responsible_unit, "
        "(SELECT COUNT(*) FROM topic_second s WHERE s.topic = t.id) "
        "+ (SELECT COUNT(*) FROM topic_stance st WHERE st.topic = t.id AND st.value = 'support') AS support "
        "FROM topic t JOIN project_sheet p ON p.topic = t.id "
        "WHERE t.state = {} AND p.funding_route = {} ORDER BY t.id",
        TopicState.project.value, FundingRoute.annual_vote.value,
    )
    return [
        {
            "id": r["id"], "title": r["title"], "scope": r["scope"], "estimated_cost": int(r["estimated_cost"]),
            "support": int(r["support"]), "responsible_unit": r["responsible_unit"],
        }
        for r in rows
    ]


async def apply_vote_outcome(
    elected_topic_ids: list[int], not_elected_topic_ids: list[int], vote_id: int, actor_id: int | None
) -> None:
    """Elected projects → implementing, the others → not_elected. Joins the caller's
    transaction if there is one. Topics not in state ``project`` are skipped and noted
    in the audit log."""
    async with db.transaction():
        for ids, action in ((elected_topic_ids, Action.elect), (not_elected_topic_ids, Action.mark_not_elected)):
            for topic_id in ids:
                topic = await Topic.select().where(Topic.id == topic_id).first()
                if topic is None or topic["state"] != TopicState.project:
                    log.warning("vote %s: topic %s skipped (not a project)", vote_id, topic_id)
                    await audit.record(
                        actor_id, "topic.vote_outcome_skipped", "topic", topic_id, vote_id=vote_id,
                        step=action.value, state=topic["state"] if topic else None,
                    )
                    continue
                await _transition(topic, action, SYSTEM_ROLES, actor_id, values={Topic.vote_id: vote_id},
                                  vote_id=vote_id)


# ---------------------------------------------------------------- reading: the list


STATE_VALUES = [s.value for s in TopicState]
SORTS = ("newest", "seconds", "deadline")
FLAGS = ("overdue", "unanswered")


@dataclass
class TopicFilters:
    q: str = ""
    state: str = ""
    category: str = ""  # slug
    grid: int | None = None
    flag: str = ""
    sort: str = "newest"
    mine: int | None = None  # author's user id

    @classmethod
    def parse(cls, q="", state="", category="", grid="", flag="", sort="", mine_id=None) -> TopicFilters:
        """From query-string values; anything unknown is ignored, not an error."""
        grid_id = _int_or_none(grid) if grid else None
        return cls(
            q=(q or "").strip()[:100],
            state=state if state in STATE_VALUES else "",
            category=(category or "").strip()[:40],
            grid=grid_id,
            flag=flag if flag in FLAGS else "",
            sort=sort if sort in SORTS else "newest",
            mine=mine_id,
        )

    def params(self) -> dict:
        return {
            "q": self.q, "state": self.state, "category": self.category, "grid": self.grid or "",
            "flag": self.flag, "sort": "" if self.sort == "newest" else self.sort,
            "mine": 1 if self.mine else "",
        }


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


OPEN_PROJECT_VALUES = tuple(s.value for s in domain.OPEN_PROJECT_STATES)
_LIVE_DEADLINE = (
    "CASE WHEN t.state = 'discussing' THEN t.discussion_ends_on "
    "WHEN t.state = 'evaluating' THEN t.evaluation_ends_on "
    "WHEN t.state IN ('project', 'implementing') THEN p.deadline ELSE NULL END"
)

LIST_SQL = (
    "SELECT t.id, t.title, t.state, t.created_at, t.round, t.discussion_ends_on, t.evaluation_ends_on, "
    "t.grid AS grid_id, g.name AS grid_name, c.slug AS category, c.name_zh, c.name_en, "
    "p.deadline, p.title AS project_title, "
    "(SELECT COUNT(*) FROM topic_second s WHERE s.topic = t.id) AS seconds, "
    "(SELECT COUNT(*) FROM topic_stance st WHERE st.topic = t.id AND st.value = 'support') AS support, "
    "(SELECT COUNT(*) FROM topic_stance st WHERE st.topic = t.id AND st.value = 'oppose') AS oppose, "
    "(SELECT COUNT(*) FROM topic_stance st WHERE st.topic = t.id AND st.value = 'neutral') AS neutral, "
    "(SELECT COUNT(*) FROM topic_comment cm WHERE cm.topic = t.id) AS comments, "
    f"{_LIVE_DEADLINE} AS live_deadline "
    "FROM topic t JOIN category c ON c.id = t.category JOIN grid g ON g.id = t.grid "
    "LEFT JOIN project_sheet p ON p.topic = t.id"
)


def _flags(row: dict, today: date, now: datetime) -> dict:
    live = row.get("live_deadline")
    if isinstance(live, str):  # SQLite gives a computed column back untyped
        row["live_deadline"] = date.fromisoformat(live[:10])
    row["overdue"] = domain.is_overdue(TopicState(row["state"]), row.get("deadline"), today)
    created = row["created_at"]
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    row["unanswered"] = domain.is_unanswered(TopicState(row["state"]), created, now)
    return row


async def list_topics(
    filters: TopicFilters, page: int = 1, per_page: int = PER_PAGE,
    today: date | None = None, now: datetime | None = None,
) -> dict:
    """One page of the public list (问题清单), with every count, in ONE query."""
    today = today or local_today()
    now = now or utcnow()
    page = max(1, min(int(page), 10_000))
    where, args = [], []
    if filters.q:
        where.append("(LOWER(t.title) LIKE {} ESCAPE '\\' OR LOWER(t.description) LIKE {} ESCAPE '\\')")
        args += [_like(filters.q), _like(filters.q)]
    if filters.state:
        where.append("t.state = {}")
        args.append(filters.state)
    if filters.category:
        where.append("c.slug = {}")
        args.append(filters.category)
    if filters.grid:
        where.append("t.grid = {}")
        args.append(filters.grid)
    if filters.mine:
        where.append("t.author = {}")
        args.append(filters.mine)
    if filters.flag == "overdue":
        where.append("t.state IN ('project', 'implementing', 'evaluating') AND p.deadline < {}")
        args.append(today)
    elif filters.flag == "unanswered":
        where.append("t.state = 'proposed' AND t.created_at < {}")
        args.append(now - timedelta(hours=domain.RESPONSE_HOURS))
    order = {
        "newest": "t.created_at DESC, t.id DESC",
        "seconds": "seconds DESC, t.created_at DESC, t.id DESC",
        # PostgreSQL allows an output alias in ORDER BY only on its own, not inside an expression
        "deadline": f"CASE WHEN ({_LIVE_DEADLINE}) IS NULL THEN 1 ELSE 0 END, {_LIVE_DEADLINE} ASC, t.id DESC",
    }[filters.sort]
    where_sql = " WHERE " + " AND ".join(where) if where else ""
    # The total is its own COUNT, joining only what the filters need: a COUNT(*) OVER ()
    # in the page query made SQLite compute every row's counts before the LIMIT.
    joins = (" JOIN category c ON c.id = t.category" if filters.category else "") + (
        " LEFT JOIN project_sheet p ON p.topic = t.id" if filters.flag == "overdue" else "")
    revision = await content_revision()
    counted = await _cached_raw(revision, f"SELECT COUNT(*) AS n FROM topic t{joins}{where_sql}", *args)
    total = int(counted[0]["n"])
    sql = LIST_SQL + where_sql + f" ORDER BY {order} LIMIT {{}} OFFSET {{}}"
    args += [per_page, (page - 1) * per_page]
    rows = [_flags(dict(r), today, now) for r in await _cached_raw(revision, sql, *args)]
    for r in rows:
        r["total"] = total
        for key in ("seconds", "support", "oppose", "neutral", "comments"):
            r[key] = int(r[key])
    return {
        "rows": rows, "page": page, "per_page": per_page, "total": total,
        "has_next": page * per_page < total, "has_prev": page > 1, "revision": revision,
    }


# ---------------------------------------------------------------- reading: one topic


def _json(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    try:
        loaded = json.loads(value or "{}")
    except (TypeError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


async def _names(user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = sorted({i for i in user_ids if i})
    if not ids:
        return {}
    rows = await User.select(User.id, User.display_name).where(User.id.is_in(ids))
    return {r["id"]: r["display_name"] for r in rows}


_DETAIL_CACHE = RevisionCache("topic_detail", size=512)
_LIST_CACHE = RevisionCache("topic_list", size=512)


async def _cached_raw(revision: int | None, sql: str, *args: Any) -> list[dict]:
    """``Topic.raw`` remembered per content revision (callers copy rows before changing them)."""
    return await _LIST_CACHE.get_or_load(at(revision, sql, args), lambda: Topic.raw(sql, *args).run())


async def topic_detail(topic_id: int, viewer: Viewer | None = None, today: date | None = None,
                       now: datetime | None = None) -> dict:
    """Everything the topic page and the API show.

    What every viewer sees is read once per content revision (consult/cache.py) and
    shared: callers treat it as read-only. The flags that depend on the clock and the
    viewer's own marks are worked out on every call. ``revision`` in the result is the
    content revision the shared part belongs to (None: not cacheable)."""
    today = today or local_today()
    now = now or utcnow()
    revision = await content_revision()
    shared = await _DETAIL_CACHE.get_or_load(at(revision, topic_id), lambda: _topic_detail_shared(topic_id))
    topic = shared["topic"]
    summary = _flags(dict(shared["summary"]), today, now)
    mine = await _viewer_marks(topic_id, topic["round"], viewer)
    return {
        **{k: v for k, v in shared.items() if k != "summary"},
        "topic": {**topic, **{k: summary[k] for k in (
            "grid_name", "category", "name_zh", "name_en", "seconds", "support", "oppose", "neutral", "comments",
            "overdue", "unanswered", "live_deadline")}},
        "mine": mine,
        "revision": revision,
    }


async def _topic_detail_shared(topic_id: int) -> dict:
    """The part of the topic page that is the same for every viewer and every minute."""
    rows = await Topic.raw(LIST_SQL + " WHERE t.id = {}", topic_id)
    if not rows:
        raise NotFound(N_("There is no topic number {topic_id}."), topic_id=topic_id)
    summary = dict(rows[0])
    topic = await _load_topic(topic_id)
    sheet = await ProjectSheet.select().where(ProjectSheet.topic == topic_id).first()
    comments = await TopicComment.select().where(TopicComment.topic == topic_id).order_by(TopicComment.id)
    flag_rows = await TopicComment.raw(
        "SELECT f.comment, COUNT(*) AS n FROM comment_flag f JOIN topic_comment c ON c.id = f.comment "
        "WHERE c.topic = {} GROUP BY f.comment", topic_id,
    )
    flags = {r["comment"]: int(r["n"]) for r in flag_rows}
    progress = await ProgressUpdate.select().where(ProgressUpdate.topic == topic_id).order_by(
        ProgressUpdate.on_date, ascending=False
    ).order_by(ProgressUpdate.id, ascending=False)
    notes = await SupervisionNote.select().where(SupervisionNote.topic == topic_id).order_by(SupervisionNote.id)
    events = await TopicEvent.select().where(TopicEvent.topic == topic_id).order_by(TopicEvent.id)
    rating_rows = await TopicRating.raw(
        "SELECT round, value, COUNT(*) AS n FROM topic_rating WHERE topic = {} GROUP BY round, value", topic_id
    )
    # What raters wrote, shown without their names (a rating is a personal judgement),
    # so staff going into second handling can see why residents were not satisfied.
    rating_comments = await TopicRating.select(TopicRating.round, TopicRating.value, TopicRating.comment).where(
        (TopicRating.topic == topic_id) & (TopicRating.comment != "")
    ).order_by(TopicRating.round).order_by(TopicRating.id)
    names = await _names(
        [topic["author"]] + [c["author"] for c in comments] + [p["author"] for p in progress]
        + [n["author"] for n in notes] + [e["actor"] for e in events]
    )
    # ratings per round
    rounds: dict[int, dict[str, int]] = {}
    for r in rating_rows:
        rounds.setdefault(int(r["round"]), {v.value: 0 for v in Rating})[r["value"]] = int(r["n"])
    evaluation = []
    for number in sorted(rounds):
        tally = rounds[number]
        rate = domain.satisfaction_rate(
            tally[Rating.satisfied], tally[Rating.basically_satisfied], tally[Rating.unsatisfied]
        )
        evaluation.append({
            "round": number, **tally, "total": sum(tally.values()),
            "rate_percent": None if rate is None else round(float(rate * 100), 1),
            "comments": [c for c in rating_comments if int(c["round"]) == number],
        })
    # discussion: top-level (pinned first, then oldest first) with their replies
    by_parent: dict[int | None, list[dict]] = {}
    for c in comments:
        c["author_name"] = names.get(c["author"], "")
        c["flags"] = flags.get(c["id"], 0)
        by_parent.setdefault(c["parent"], []).append(c)
    threads = sorted(by_parent.get(None, []), key=lambda c: (not c["pinned"], c["id"]))
    for c in threads:
        c["replies"] = sorted(by_parent.get(c["id"], []), key=lambda r: (not r["pinned"], r["id"]))
    for e in events:
        e["actor_name"] = names.get(e["actor"]) if e["actor"] else None
        e["detail"] = _json(e["detail"])
    for p in progress:
        p["author_name"] = names.get(p["author"], "")
    for n in notes:
        n["author_name"] = names.get(n["author"], "")
    merged_into = None
    if topic["merged_into"]:
        merged_into = await Topic.select(Topic.id, Topic.title).where(Topic.id == topic["merged_into"]).first()
    merged_from = await Topic.select(Topic.id, Topic.title).where(Topic.merged_into == topic_id).order_by(Topic.id)
    return {
        "topic": topic,
        "summary": summary,
        "author_name": names.get(topic["author"], ""),
        "sheet": sheet,
        "threads": threads,
        "progress": progress,
        "latest_percent": progress[0]["percent"] if progress else None,
        "notes": notes,
        "events": events,
        "evaluation": evaluation,
        "current_tally": rounds.get(topic["round"], {v.value: 0 for v in Rating}),
        "merged_into": merged_into,
        "merged_from": merged_from,
    }


async def _viewer_marks(topic_id: int, round_number: int, viewer: Viewer | None) -> dict[str, Any]:
    """What the signed-in viewer has done on this topic (never cached)."""
    mine: dict[str, Any] = {"seconded": False, "stance": None, "flagged": set(), "rated": False}
    if viewer is not None and viewer.signed_in:
        rows = await TopicSecond.raw(
            'SELECT (SELECT COUNT(*) FROM topic_second WHERE topic = {} AND "user" = {}) AS seconded, '
            '(SELECT value FROM topic_stance WHERE topic = {} AND "user" = {}) AS stance, '
            '(SELECT COUNT(*) FROM topic_rating WHERE topic = {} AND "user" = {} AND round = {}) AS rated',
            topic_id, viewer.id, topic_id, viewer.id, topic_id, viewer.id, round_number,
        )
        mine["seconded"] = int(rows[0]["seconded"]) > 0
        mine["stance"] = rows[0]["stance"]
        mine["rated"] = int(rows[0]["rated"]) > 0
        flagged = await TopicComment.raw(
            'SELECT f.comment FROM comment_flag f JOIN topic_comment c ON c.id = f.comment '
            'WHERE c.topic = {} AND f."user" = {}', topic_id, viewer.id,
        )
        mine["flagged"] = {r["comment"] for r in flagged}
    return mine


# ---------------------------------------------------------------- reading: the committee's queue


async def screening_queue(now: datetime | None = None, today: date | None = None) -> dict:
    """Proposed topics, longest waiting first, with the 2-day flag; and discussions to close."""
    now = now or utcnow()
    today = today or local_today()
    waiting = await Topic.raw(LIST_SQL + " WHERE t.state = 'proposed' ORDER BY t.created_at ASC, t.id ASC")
    rows = []
    for r in waiting:
        r = _flags(dict(r), today, now)
        created = r["created_at"] if r["created_at"].tzinfo else r["created_at"].replace(tzinfo=timezone.utc)
        r["waiting_hours"] = int((now - created).total_seconds() // 3600)
        r["seconds"] = int(r["seconds"])
        rows.append(r)
    discussing = await Topic.raw(
        LIST_SQL + " WHERE t.state = 'discussing' ORDER BY t.discussion_ends_on ASC, t.id ASC"
    )
    return {"waiting": rows, "discussing": [_flags(dict(r), today, now) for r in discussing]}


__all__ = [
    "TopicFilters", "TopicRefused", "add_comment", "add_supervision_note", "annual_vote_projects",
    "apply_vote_outcome", "close_due_evaluations", "end_evaluation_now", "flag_comment", "form_project",
    "hide_comment", "list_topics", "mark_guidance", "open_evaluation", "pin_comment", "post_progress",
    "propose_topic", "rate_topic", "screen_topic", "screening_queue", "second_topic", "set_stance",
    "start_implementation", "topic_detail",
]
