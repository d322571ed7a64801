"""Discussion commands: second, stance, comment and reply, flag, and the moderation
of comments (pin, hide, guidance). Each is one transaction with its audit entry; what
the viewer may do is asked of ``TopicPermissions``.

Decisions where the spec is silent:

* A resident cannot second a topic they proposed ("seconds other topics"), nor flag
  their own comment.
* A reply to a reply is attached to the top-level comment (one level of replies).
* The 党员 badge is a snapshot: the author held the verified party_member role when posting.
* A hidden comment's body is withheld from every page and the API, its place shows the
  moderator's public reason. Who may hide may un-hide (issue 14); un-hiding says the
  comment is acceptable, so its open flags are dismissed with it. The audit log keeps the
  reason it was hidden for.
* Dismissing flags keeps the flag rows (``dismissed``): a resident still flags a comment
  once, and the committee's queue (``consult.topics.moderation``) shows only open flags.
* ``reply``: a reply notifies the author of the comment replied to and, when that was
  itself a reply, the author of the thread's top-level comment; never the one replying.
"""

from __future__ import annotations

from typing import Any

from consult import audit, db
from consult.accounts.domain import Viewer
from consult.db import insert_once
from consult.messages import N_
from consult.notifications.domain import Kind as NoticeKind
from consult.notifications.services import notify
from consult.roles import Role
import consult.topics.forms as forms
from consult.topics.clock import utcnow
from consult.topics.forms import Stance
from consult.topics.lifecycle import Activity, TopicRefused
from consult.topics.permissions import TopicPermissions
from consult.topics.tables import CommentFlag, TopicComment, TopicSecond, TopicStance
from consult.topics.timeline import follow, load_comment, load_topic, roles_here, topic_path

REPLY_NOTICE = N_("{name} replied to your comment on “{title}”.")


async def second_topic(viewer: Viewer, topic_id: int) -> None:
    async with db.transaction():
        topic = await load_topic(topic_id)
        perm = TopicPermissions.for_viewer(viewer, topic)
        perm.check(Activity.second)
        if not perm.may_second:
            raise TopicRefused("own_topic")
        mine = (TopicSecond.topic == topic_id) & (TopicSecond.user == viewer.id)
        await insert_once(TopicSecond(topic=topic_id, user=viewer.id), TopicSecond.exists().where(mine),
                          TopicRefused("already_seconded"))
        await follow(topic_id, viewer.id)
        await audit.record(viewer.id, "topic.second", "topic", topic_id)


async def set_stance(viewer: Viewer, topic_id: int, value: Any) -> Stance:
    async with db.transaction():
        topic = await load_topic(topic_id)
        TopicPermissions.for_viewer(viewer, topic).check(Activity.stance)
        stance = forms.validate_stance(value)
        mine = (TopicStance.topic == topic_id) & (TopicStance.user == viewer.id)
        existing = await TopicStance.select(TopicStance.id, TopicStance.value).where(mine).first()
        if existing is None:
            await insert_once(TopicStance(topic=topic_id, user=viewer.id, value=stance.value),
                              TopicStance.exists().where(mine), TopicRefused("stance_conflict"))
        elif existing["value"] != stance.value:
            await TopicStance.update({TopicStance.value: stance.value, TopicStance.updated_at: utcnow()}).where(
                TopicStance.id == existing["id"]
            )
        await follow(topic_id, viewer.id)
        await audit.record(
            viewer.id, "topic.stance", "topic", topic_id, stance=stance.value,
            previous=existing["value"] if existing else None,
        )
    return stance


async def _replied_to(topic_id: int, parent: int) -> tuple[int, set[int]]:
    """The thread a reply lands in (one level of replies) and who hears of it."""
    parent_row = await load_comment(topic_id, parent)
    replied_to = {parent_row["author"]}
    if parent_row["parent"]:  # a reply to a reply: the thread's author hears of it too
        thread = await TopicComment.select(TopicComment.author).where(TopicComment.id == parent_row["parent"]).first()
        if thread is not None:
            replied_to.add(thread["author"])
    return parent_row["parent"] or parent_row["id"], replied_to


async def add_comment(viewer: Viewer, topic_id: int, body: Any, parent_id: Any = None) -> int:
    """A comment, or a reply when ``parent_id`` names a comment of this topic."""
    parent = forms.validate_parent(parent_id)
    async with db.transaction():
        topic = await load_topic(topic_id)
        TopicPermissions.for_viewer(viewer, topic).check(Activity.reply if parent else Activity.comment)
        text = forms.validate_comment(body)
        replied_to: set[int] = set()
        if parent is not None:
            parent, replied_to = await _replied_to(topic_id, parent)
        comment = TopicComment(
            topic=topic_id, author=viewer.id, parent=parent, body=text,
            party_badge=Role.party_member in roles_here(viewer, topic),
        )
        await comment.save()
        await follow(topic_id, viewer.id)
        await audit.record(viewer.id, "topic.comment", "comment", comment.id, topic=topic_id, parent=parent)
        if replied_to:
            await notify(
                replied_to, NoticeKind.reply.value, REPLY_NOTICE,
                {"name": viewer.display_name, "title": topic["title"]}, f"{topic_path(topic_id)}#c{comment.id}",
                viewer.id,
            )
    return comment.id


async def flag_comment(viewer: Viewer, topic_id: int, comment_id: int) -> None:
    async with db.transaction():
        topic = await load_topic(topic_id)
        perm = TopicPermissions.for_viewer(viewer, topic)
        perm.check(Activity.flag)
        comment = await load_comment(topic_id, comment_id)
        perm.check(Activity.flag, comment["author"])
        mine = (CommentFlag.comment == comment_id) & (CommentFlag.user == viewer.id)
        await insert_once(CommentFlag(comment=comment_id, user=viewer.id), CommentFlag.exists().where(mine),
                          TopicRefused("already_flagged"))
        await audit.record(viewer.id, "comment.flag", "comment", comment_id, topic=topic_id)


async def pin_comment(viewer: Viewer, topic_id: int, comment_id: int) -> bool:
    """Pin or unpin (toggle); returns whether it is now pinned."""
    async with db.transaction():
        topic = await load_topic(topic_id)
        TopicPermissions.for_viewer(viewer, topic).check(Activity.pin)
        comment = await load_comment(topic_id, comment_id)
        pinned = not comment["pinned"]
        await TopicComment.update({TopicComment.pinned: pinned}).where(TopicComment.id == comment_id)
        await audit.record(viewer.id, "comment.pin" if pinned else "comment.unpin", "comment", comment_id, topic=topic_id)
    return pinned


def moderator_role(granted: frozenset[str] | set[str]) -> str:
    """The role under which someone hides a comment, as the page names it: the committee's
    first (the rule's role), then staff, then admin (who passes every check)."""
    return next((r.value for r in (Role.committee, Role.staff, Role.admin) if r in granted), "")


async def hide_comment(viewer: Viewer, topic_id: int, comment_id: int, reason: Any) -> None:
    async with db.transaction():
        topic = await load_topic(topic_id)
        TopicPermissions.for_viewer(viewer, topic).check(Activity.hide)
        comment = await load_comment(topic_id, comment_id)
        text = forms.validate_reason(reason)
        if comment["hidden"]:
            raise TopicRefused("already_hidden")
        await TopicComment.update(
            {
                TopicComment.hidden: True, TopicComment.hidden_reason: text,
                TopicComment.hidden_by: viewer.id, TopicComment.hidden_at: utcnow(),
                TopicComment.hidden_by_role: moderator_role(roles_here(viewer, topic)),
            }
        ).where(TopicComment.id == comment_id)
        await audit.record(viewer.id, "comment.hide", "comment", comment_id, topic=topic_id, reason=text)


async def _dismiss_open_flags(comment_id: int) -> int:
    rows = await CommentFlag.update({CommentFlag.dismissed: True}).where(
        (CommentFlag.comment == comment_id) & (CommentFlag.dismissed == False)  # noqa: E712
    ).returning(CommentFlag.id)
    return len(rows)


async def unhide_comment(viewer: Viewer, topic_id: int, comment_id: int) -> None:
    async with db.transaction():
        topic = await load_topic(topic_id)
        TopicPermissions.for_viewer(viewer, topic).check(Activity.unhide)
        comment = await load_comment(topic_id, comment_id)
        if not comment["hidden"]:
            raise TopicRefused("not_hidden")
        await TopicComment.update(
            {
                TopicComment.hidden: False, TopicComment.hidden_reason: "", TopicComment.hidden_by: None,
                TopicComment.hidden_at: None, TopicComment.hidden_by_role: "",
            }
        ).where(TopicComment.id == comment_id)
        dismissed = await _dismiss_open_flags(comment_id)
        await audit.record(viewer.id, "comment.unhide", "comment", comment_id, topic=topic_id,
                           hidden_reason=comment["hidden_reason"], hidden_by=comment["hidden_by"],
                           flags_dismissed=dismissed)


async def dismiss_flags(viewer: Viewer, topic_id: int, comment_id: int) -> int:
    """The committee keeps a flagged comment as it is; returns how many flags were open."""
    async with db.transaction():
        topic = await load_topic(topic_id)
        TopicPermissions.for_viewer(viewer, topic).check(Activity.dismiss_flags)
        await load_comment(topic_id, comment_id)
        dismissed = await _dismiss_open_flags(comment_id)
        if not dismissed:
            raise TopicRefused("no_open_flags")
        await audit.record(viewer.id, "comment.flags_dismissed", "comment", comment_id, topic=topic_id, flags=dismissed)
    return dismissed


async def mark_guidance(viewer: Viewer, topic_id: int, comment_id: int) -> bool:
    """A party member marks (or unmarks) their own comment as guidance (引导)."""
    async with db.transaction():
        topic = await load_topic(topic_id)
        comment = await load_comment(topic_id, comment_id)
        TopicPermissions.for_viewer(viewer, topic).check(Activity.mark_guidance, comment["author"])
        guidance = not comment["guidance"]
        await TopicComment.update({TopicComment.guidance: guidance}).where(TopicComment.id == comment_id)
        await audit.record(viewer.id, "comment.guidance", "comment", comment_id, topic=topic_id, guidance=guidance)
    return guidance
