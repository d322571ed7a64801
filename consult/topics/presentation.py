"""The values the topics' shared HTML fragments are rendered from (``consult.web.fragments``).

Each is frozen and hashable, holds exactly what its block shows, and carries the
content revision its data was read at: the fragment cache keys on the value itself,
so it can never return a rendering of anything else. Standard library and the
topics' pure modules only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from consult.topics.labels import STATE_LABELS
from consult.topics.lifecycle import Activity
from consult.topics.permissions import ALL_COMMENTS, TopicPermissions


@dataclass(frozen=True)
class CommentsAt:
    """A topic's comment threads as read at ``revision``: the revision and the topic
    name them exactly, so only those two are compared and hashed."""

    revision: int | None
    topic_id: int
    threads: list[dict] = field(compare=False, hash=False)


@dataclass(frozen=True)
class ThreadsView:
    """The discussion's comments for one kind of viewer: which comments they may flag or
    mark as guidance, which they flagged, whether they moderate, and an error being shown."""

    comments: CommentsAt
    flaggable: frozenset[int] = frozenset()
    guidable: frozenset[int] = frozenset()
    flagged: frozenset[int] = frozenset()
    may_pin: bool = False
    may_hide: bool = False
    may_unhide: bool = False
    may_reply: bool = False
    sees_flags: bool = False
    reply_to: int | None = None
    reply_error: str = ""
    reply_body: str = ""
    hide_errors: tuple[tuple[int, str], ...] = ()
    hide_values: tuple[tuple[int, str], ...] = ()

    @property
    def revision(self) -> int | None:
        return self.comments.revision

    @property
    def topic_id(self) -> int:
        return self.comments.topic_id

    @property
    def threads(self) -> list[dict]:
        return self.comments.threads

    @property
    def has_forms(self) -> bool:
        return bool(self.flaggable or self.guidable or self.may_pin or self.may_hide or self.may_unhide or self.may_reply)

    def hide_error(self, comment_id: int) -> str:
        return dict(self.hide_errors).get(comment_id, "")

    def hide_value(self, comment_id: int) -> str:
        return dict(self.hide_values).get(comment_id, "")


def _may_on(perm: TopicPermissions, activity: Activity, detail: Mapping[str, Any]) -> frozenset[int]:
    by_author = detail["comments_by_author"]
    return perm.ids_may_on(activity, by_author[ALL_COMMENTS], by_author.get(perm.viewer_id, frozenset()))


def threads_view(
    detail: Mapping[str, Any], perm: TopicPermissions, *, reply_to: int | None = None,
    comment_errors: Mapping[str, str] | None = None, comment_form: Mapping[str, str] | None = None,
    hide_errors: Mapping[int, str] | None = None, hide_form: Mapping[int, str] | None = None,
) -> ThreadsView:
    threads = detail["threads"]
    reply = reply_to is not None
    return ThreadsView(
        comments=CommentsAt(detail["revision"], detail["topic"]["id"], threads),
        flaggable=_may_on(perm, Activity.flag, detail),
        guidable=_may_on(perm, Activity.mark_guidance, detail),
        flagged=frozenset(detail["mine"]["flagged"]),
        may_pin=perm.may(Activity.pin), may_hide=perm.may(Activity.hide),
        may_unhide=perm.may(Activity.unhide), may_reply=perm.may(Activity.reply),
        sees_flags=perm.sees_flags,
        reply_to=reply_to,
        reply_error=(comment_errors or {}).get("body", "") if reply else "",
        reply_body=(comment_form or {}).get("body", "") if reply else "",
        hide_errors=tuple(sorted((hide_errors or {}).items())),
        hide_values=tuple(sorted((hide_form or {}).items())),
    )


class ListRow(NamedTuple):
    """One row of the public list, as shown."""

    id: int
    title: str
    state: str
    state_label: str
    name_zh: str
    name_en: str
    grid_name: str
    overdue: bool
    unanswered: bool
    seconds: int
    support: int
    comments: int
    created_at: datetime
    live_deadline: date | None


@dataclass(frozen=True)
class ResultsView:
    """The list's result rows, count and pager for one page of one filter."""

    revision: int | None
    rows: tuple[ListRow, ...]
    total: int
    page: int
    has_prev: bool
    has_next: bool
    query: tuple[tuple[str, Any], ...]

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.query)


def results_view(result: Mapping[str, Any], params: Mapping[str, Any]) -> ResultsView:
    rows = tuple(
        ListRow(
            id=r["id"], title=r["title"], state=r["state"], state_label=STATE_LABELS.get(r["state"], r["state"]),
            name_zh=r["name_zh"], name_en=r["name_en"], grid_name=r["grid_name"], overdue=r["overdue"],
            unanswered=r["unanswered"], seconds=r["seconds"], support=r["support"], comments=r["comments"],
            created_at=r["created_at"], live_deadline=r["live_deadline"],
        )
        for r in result["rows"]
    )
    return ResultsView(
        revision=result["revision"], rows=rows, total=result["total"], page=result["page"],
        has_prev=result["has_prev"], has_next=result["has_next"], query=tuple(sorted(params.items())),
    )
