"""Notifications and announcements: kinds, message rendering, input rules. Standard library only."""

from __future__ import annotations

import string
from dataclasses import dataclass
from enum import StrEnum
from typing import Callable

from consult.fields import FieldError, FormErrors, InputError, field_error, has_control, row_id
from consult.messages import N_


class Kind(StrEnum):
    topic_state = "topic_state"  # a topic I proposed, seconded or commented on changed state
    reply = "reply"  # someone replied to my comment
    evaluation_open = "evaluation_open"  # an evaluation I may rate opened
    vote_open = "vote_open"  # a vote whose roll I am on opened
    vote_published = "vote_published"  # ... and its result was published
    announcement = "announcement"  # staff announcement
    account = "account"  # staff verified or declined my registration
    work_order = "work_order"  # a work order I asked for, hold or sent moved (consult.workorders)
    meeting = "meeting"  # a meeting of my place, or about a topic I follow, is scheduled, moved or cancelled


KINDS = tuple(k.value for k in Kind)

# What the preferences page calls each kind.
KIND_LABELS = {
    Kind.topic_state: N_("A topic I proposed, seconded or commented on changes state"),
    Kind.reply: N_("Someone replies to my comment"),
    Kind.evaluation_open: N_("An evaluation I may rate opens"),
    Kind.vote_open: N_("A vote whose roll I am on opens"),
    Kind.vote_published: N_("A vote whose roll I am on publishes its result"),
    Kind.announcement: N_("Announcements from community staff"),
    Kind.account: N_("Staff verify or decline my registration"),
    Kind.work_order: N_("A work order I asked for, work on or sent moves"),
    Kind.meeting: N_("A meeting of my community, or about a topic I follow, is scheduled, changed or cancelled"),
}

# The message an announcement's notification carries.
ANNOUNCEMENT_MESSAGE = N_("Announcement: {title}")

PER_PAGE = 20
TITLE_MIN, TITLE_MAX = 2, 80
BODY_MIN, BODY_MAX = 1, 2000
MESSAGE_MAX = 300
LINK_MAX = 300


# The announcement form's messages, by error code.
ANNOUNCEMENT_MESSAGES = {
    "title": N_("The title must be {min} to {max} characters."),
    "body": N_("The text must be {min} to {max} characters."),
    "target": N_("Choose exactly one audience: grids, a role, or everyone."),
    "grid_ids": N_("Choose grids from the list."),
    "role": N_("Choose a role from the list."),
}


class NotificationInputError(InputError):
    """Bad input for a notification form: `errors` maps field -> FieldError."""


def _has_control_chars(text: str, allow_newlines: bool = False) -> bool:
    """A control character (newline, tab and carriage return allowed where ``allow_newlines``)."""
    return has_control(text.replace("\r", "") if allow_newlines else text, multiline=allow_newlines)


def check_link(link: str) -> str:
    """A notification links to a path on this site only (no scheme, host or protocol-relative URL)."""
    if (
        not isinstance(link, str)
        or not link.startswith("/")
        or link.startswith("//")
        or "\\" in link
        or len(link) > LINK_MAX
        or _has_control_chars(link)
    ):
        raise ValueError(f"notification link must be a same-site path, got {link!r}")
    return link


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    return kind


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render_message(translate: Callable[[str], str], message: str, params: dict | None) -> str:
    """Translate a stored English template and fill in its parameters.

    A parameter whose name ends in `_label` is itself an English text marked with N_
    (a state name, a role) and is translated too. A missing parameter stays visible
    as `{name}` rather than breaking the page."""
    values = {}
    for key, value in (params or {}).items():
        values[key] = translate(value) if key.endswith("_label") and isinstance(value, str) else value
    text = translate(message)
    try:
        return string.Formatter().vformat(text, (), _Missing(values))
    except (ValueError, IndexError, AttributeError):  # a malformed template: show it as it is
        return text


@dataclass(frozen=True)
class Target:
    """Who an announcement goes to: exactly one of several grids, one role, or everyone."""

    grid_ids: tuple[int, ...] = ()
    role: str | None = None
    everyone: bool = False

    def describe(self) -> dict:
        return {"grids": list(self.grid_ids), "role": self.role, "everyone": self.everyone}


@dataclass(frozen=True)
class AnnouncementDraft:
    title: str
    body: str
    target: Target


def _error(code: str, **params) -> FieldError:
    return field_error(code, ANNOUNCEMENT_MESSAGES, **params)


def validate_announcement(
    title: str,
    body: str,
    grid_ids: list[str] | list[int],
    role: str | None,
    everyone: bool,
    known_grids: set[int],
    known_roles: set[str],
) -> AnnouncementDraft:
    errors = FormErrors()
    title = (title or "").strip()
    body = (body or "").strip().replace("\r\n", "\n")
    if not (TITLE_MIN <= len(title) <= TITLE_MAX) or _has_control_chars(title):
        errors.add("title", _error("title", min=TITLE_MIN, max=TITLE_MAX))
    if not (BODY_MIN <= len(body) <= BODY_MAX) or _has_control_chars(body, allow_newlines=True):
        errors.add("body", _error("body", min=BODY_MIN, max=BODY_MAX))

    grids: list[int] = []
    bad_grid = False
    for raw in grid_ids or []:
        gid, error = row_id(raw)
        if error is not None or gid not in known_grids:
            bad_grid = True
        elif gid not in grids:
            grids.append(gid)
    role = (role or "").strip() or None
    chosen = sum((bool(grids) or bad_grid, role is not None, bool(everyone)))
    if chosen != 1:
        errors.add("target", _error("target"))
    elif bad_grid:
        errors.add("grid_ids", _error("grid_ids"))
    elif role is not None and role not in known_roles:
        errors.add("role", _error("role"))
    errors.raise_if_any(NotificationInputError)
    return AnnouncementDraft(title, body, Target(tuple(sorted(grids)), role, bool(everyone)))


def roles_matching(role: str) -> tuple[str, ...]:
    """The granted roles that count as `role` for an announcement: a party member is a resident.
    (Admin passes role checks but is not, say, a representative: an admin is not counted in.)"""
    return (role, "party_member") if role == "resident" else (role,)


def read_ratio(recipients: int, read: int) -> float:
    return read / recipients if recipients else 0.0


# ---------------------------------------------------------------- grouping unread notifications

# Unread notifications about one thing are shown as one line ("议题《…》有 5 条新回复"), so
# that 27 of them do not pile up: every announcement together, anything else by the page it
# links to (a topic, a vote) without its #part (the comment a reply is).
ANNOUNCEMENTS = "announcements"  # the subject of every announcement
TOPIC_KINDS = frozenset({Kind.topic_state.value, Kind.reply.value, Kind.evaluation_open.value})
VOTE_KINDS = frozenset({Kind.vote_open.value, Kind.vote_published.value})


def subject_of(kind: str, link: str) -> str:
    """What a notification is about: the key its group is formed on."""
    if kind == Kind.announcement:
        return ANNOUNCEMENTS
    return link.split("#", 1)[0]


def check_subject(subject: str) -> str:
    """A subject a person may ask to mark read (ValueError otherwise): announcements, or a
    same-site path without a #part."""
    if subject != ANNOUNCEMENTS and (not isinstance(subject, str) or "#" in subject):
        raise ValueError(f"not a notification subject: {subject!r}")
    return subject if subject == ANNOUNCEMENTS else check_link(subject)


@dataclass(frozen=True)
class Group:
    """Unread notifications with one subject, newest first. ``about`` says what the subject
    is (topic, vote, announcements, other) and ``kind`` the one kind they share ("" if mixed),
    which is all the page needs to word the line."""

    subject: str
    items: tuple[dict, ...]

    @property
    def newest(self) -> dict:
        return self.items[0]

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def kind(self) -> str:
        kinds = {n["kind"] for n in self.items}
        return kinds.pop() if len(kinds) == 1 else ""

    @property
    def about(self) -> str:
        kinds = {n["kind"] for n in self.items}
        if self.subject == ANNOUNCEMENTS:
            return "announcements"
        if kinds <= TOPIC_KINDS:
            return "topic"
        if kinds <= VOTE_KINDS:
            return "vote"
        return "other"

    @property
    def title(self) -> str:
        params = self.newest.get("params")
        return str(params.get("title", "")) if isinstance(params, dict) else ""


def group_unread(rows: list[dict]) -> list[Group]:
    """``rows`` (newest first) grouped by subject; the group with the newest notification first."""
    by_subject: dict[str, list[dict]] = {}
    for row in rows:
        by_subject.setdefault(subject_of(row["kind"], row["link"]), []).append(row)
    return [Group(subject, tuple(items)) for subject, items in by_subject.items()]
