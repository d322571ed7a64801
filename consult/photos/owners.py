"""What a photo can be attached to, and when its owner may be shown (pure).

``OWNER_VISIBLE``: per owner type, SQL that finds the owner row when it may be shown (one
``{}`` placeholder: the owner's id). Raw table names, so that this feature imports none of
its owners (the topics commands call the photos commands; the reverse would be a circle).
A hidden owner (a hidden comment) is not found, so its photos are not served.
"""

from __future__ import annotations

from enum import StrEnum

from consult.messages import N_


class OwnerType(StrEnum):
    topic = "topic"  # a proposal
    progress = "progress"  # a progress report: "before" and "after" photos
    supervision = "supervision"  # a representative's supervision note
    work_order_reply = "work_order_reply"  # a department's (or level's) reply to a work order: its hop
    comment = "comment"  # not uploaded to yet: its hiding shows how a hidden owner hides its photos
    meeting = "meeting"  # a meeting (consult.meetings), added when it is recorded: shown once it is held


class PhotoKind(StrEnum):
    plain = ""
    before = "before"
    after = "after"


KIND_LABELS = {PhotoKind.plain: N_("Photo"), PhotoKind.before: N_("Before"), PhotoKind.after: N_("After")}

OWNER_VISIBLE: dict[OwnerType, str] = {
    OwnerType.topic: "SELECT id FROM topic WHERE id = {}",
    OwnerType.progress: "SELECT p.id FROM progress_update p JOIN topic t ON t.id = p.topic WHERE p.id = {}",
    OwnerType.supervision: "SELECT n.id FROM supervision_note n JOIN topic t ON t.id = n.topic WHERE n.id = {}",
    OwnerType.comment: "SELECT id FROM topic_comment WHERE id = {} AND NOT hidden",
    OwnerType.work_order_reply: "SELECT id FROM work_order_event WHERE id = {} AND action = 'reply'",
    OwnerType.meeting: "SELECT id FROM meeting WHERE id = {} AND state = 'held'",
}
