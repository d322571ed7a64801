"""What the audit log page shows for an entry: a label per action code, and the detail as
"key: value" lines. Standard library and the pure label modules only.

An action this table does not name (a code added later) shows as its code; a topic's
transition ``topic.<action>`` takes the topic timeline's label of that action.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from consult.messages import N_
from consult.topics.labels import ACTION_LABELS as TOPIC_ACTIONS

AUDIT_ACTIONS: dict[str, str] = {
    "account.created": N_("account created"),
    "account.register": N_("registered"),
    "account.login": N_("signed in"),
    "account.login_failed": N_("sign-in refused (wrong name or password)"),
    "account.login_throttled": N_("sign-in refused (too many attempts)"),
    "account.logout": N_("signed out"),
    "account.password_changed": N_("password changed"),
    "account.residency_verified": N_("residency verified"),
    "account.one_time_password": N_("one-time password issued in person"),
    "account.registration_declined": N_("registration declined"),
    "account.verification_asked_again": N_("verification asked for again"),
    "role.granted": N_("role granted"),
    "role.revoked": N_("role revoked"),
    "role.requested": N_("role requested"),
    "role.request_declined": N_("role request declined"),
    "place.created": N_("place created"),
    "place.updated": N_("place renamed or changed"),
    "place.moved": N_("place moved"),
    "place.deactivated": N_("place deactivated"),
    "place.reactivated": N_("place reactivated"),
    "place.imported": N_("places imported"),
    "department.created": N_("department created"),
    "department.updated": N_("department changed"),
    "department.deactivated": N_("department deactivated"),
    "department.reactivated": N_("department reactivated"),
    "category.created": N_("category created"),
    "category.updated": N_("category changed"),
    "category.defaults_added": N_("default categories added"),
    "install.named": N_("install named"),
    "install.setup_finished": N_("first-run setup finished"),
    "announcement.sent": N_("announcement sent"),
    "notification.preferences": N_("notification settings changed"),
    "notification.group_read": N_("notifications about one subject marked read"),
    "comment.flag": N_("comment flagged"),
    "comment.hide": N_("comment hidden"),
    "comment.unhide": N_("comment shown again"),
    "comment.flags_dismissed": N_("flags dismissed"),
    "comment.pin": N_("comment pinned"),
    "comment.unpin": N_("comment unpinned"),
    "comment.guidance": N_("comment marked as guidance"),
    "topic.vote_outcome_skipped": N_("vote outcome skipped (the topic is not a project)"),
    "place.settings_changed": N_("place settings changed"),
    "place.calendar_day_set": N_("holiday calendar: day set"),
    "place.calendar_day_removed": N_("holiday calendar: day removed"),
    "place.calendar_imported": N_("holiday calendar imported"),
    "vote.created": N_("vote created"),
    "vote.deleted": N_("draft vote deleted"),
    "vote.settings_changed": N_("vote settings changed"),
    "vote.candidate_added": N_("candidate added"),
    "vote.candidate_removed": N_("candidate removed"),
    "vote.roll_set": N_("roll entry set"),
    "vote.roll_removed": N_("roll entry removed"),
    "vote.roll_imported": N_("roll imported"),
    "vote.opened": N_("vote opened"),
    "vote.ballot_cast": N_("ballot cast"),
    "vote.closed": N_("vote closed"),
    "vote.ballots_rewritten": N_("ballots unsealed and rewritten"),
    "vote.desk_signed_in": N_("representative signed in at the paper ballot desk"),
    "vote.paper_box_opened": N_("paper ballot box opened"),
    "vote.paper_entered": N_("paper ballot entered"),
    "vote.paper_reconciled": N_("disputed paper ballot reconciled"),
    "vote.published": N_("result published"),
    "vote.outcome_held": N_("outcome held: the project is on another ballot"),
    "vote.runoff_created": N_("runoff round created"),
    "vote.reviewed": N_("year-end review given"),
    "photo.attach": N_("photos attached"),
    "department.member_added": N_("person attached to a department"),
    "department.member_removed": N_("person detached from a department"),
    "work_order.created": N_("work order opened"),
    "intake.entered": N_("entered for a resident"),
    "intake.attached": N_("intake attached to the resident's account"),
    "intake.assisted_second": N_("second entered for a resident"),
    "intake.assisted_rating": N_("rating entered for a resident"),
    "work_order.dispatch": N_("work order dispatched"),
    "work_order.escalate": N_("work order escalated"),
    "work_order.handle": N_("work order handled by the level"),
    "work_order.acknowledge": N_("work order acknowledged"),
    "work_order.send_back": N_("work order sent back"),
    "work_order.reply": N_("work order replied"),
    "work_order.rate": N_("work order rated"),
    "work_order.auto_escalate": N_("work order escalated automatically (acknowledgement missed)"),
    "work_order.close_unrated": N_("work order closed without a rating (evaluation window ended)"),
    "work_order.follow_up": N_("work order followed up (回访)"),
    "work_order.unreasonable_proposed": N_("work order proposed as unreasonable"),
    "work_order.unreasonable_approved": N_("work order judged unreasonable (left out of the rates)"),
    "work_order.unreasonable_declined": N_("proposal that a work order is unreasonable declined"),
    "meeting.schedule": N_("meeting scheduled"),
    "meeting.edit": N_("meeting changed"),
    "meeting.cancel": N_("meeting cancelled"),
    "meeting.record": N_("meeting recorded (attendance and minutes)"),
    "meeting.decide": N_("decision recorded at a meeting"),
}


def action_label(code: str) -> str | None:
    """The English template naming ``code`` (to translate), or None: show the code."""
    if code in AUDIT_ACTIONS:
        return AUDIT_ACTIONS[code]
    kind, _, action = code.partition(".")
    if kind == "topic" and action in TOPIC_ACTIONS:
        return TOPIC_ACTIONS[action]
    return None


def _value_text(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, (list, tuple)):
        return ", ".join(_value_text(v) for v in value) or "—"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_value_text(v)}" for k, v in value.items()) or "—"
    return str(value)


def detail_lines(detail: object) -> list[tuple[str, str]]:
    """An entry's detail (a dict, or its JSON text as a driver returns it) as
    ``[(key, value text), ...]`` in key order; text that is no JSON object as one line."""
    if isinstance(detail, (str, bytes)):
        try:
            detail = json.loads(detail) if detail else {}
        except ValueError:
            return [("", str(detail))]
    if not isinstance(detail, Mapping):
        return [] if detail is None else [("", _value_text(detail))]
    return [(str(k), _value_text(v)) for k, v in sorted(detail.items())]
