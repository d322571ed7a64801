"""Topics' open data: the public list and one topic as JSON under /api/v1, and the
list as CSV (UTF-8 with BOM, for Excel) at /topics.csv."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

import consult.topics.queries as queries
from consult.topics.clock import SHANGHAI
from consult.topics.labels import STATE_LABELS
from consult.topics.params import TOPIC_FILTERS, only_mine
from consult.web.csvfile import MEDIA_TYPE, csv_response
from consult.web.i18n import get_locale
from consult.web.i18n import gettext as _
from consult.web.templating import url

CSV_MAX_ROWS = 100_000


# ---------------------------------------------------------------- open data (JSON)


@dataclass
class TopicSummary:
    id: int
    title: str
    state: str
    category: str
    grid_id: int
    grid: str
    created_at: datetime
    seconds: int
    support: int
    oppose: int
    neutral: int
    comments: int
    deadline: date | None
    overdue: bool
    unanswered: bool
    url: str


@dataclass
class TopicPage:
    items: list[TopicSummary]
    page: int
    per_page: int
    total: int
    has_next: bool


@dataclass
class TimelineEntry:
    at: datetime
    actor: str | None
    action: str
    from_state: str
    to_state: str
    note: str
    round: int
    detail: dict[str, Any]


@dataclass
class ProjectSheetOut:
    title: str
    scope: str
    estimated_cost: int
    responsible_unit: str
    responsible_person: str
    deadline: date
    funding_route: str


@dataclass
class ProgressOut:
    percent: int
    note: str
    date: date
    round: int
    author: str


@dataclass
class SupervisionOut:
    body: str
    author: str
    representative: bool
    round: int
    created_at: datetime


@dataclass
class RoundTally:
    round: int
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    total: int
    satisfaction_percent: float | None


@dataclass
class CommentOut:
    id: int
    parent_id: int | None
    author: str
    party_member: bool
    guidance: bool
    pinned: bool
    hidden: bool
    hidden_reason: str | None
    body: str | None  # withheld (null) when hidden
    created_at: datetime


@dataclass
class TopicDetail:
    id: int
    title: str
    description: str
    state: str
    category: str
    grid: str
    author: str
    created_at: datetime
    round: int
    seconds: int
    support: int
    oppose: int
    neutral: int
    overdue: bool
    unanswered: bool
    discussion_ends_on: date | None
    evaluation_ends_on: date | None
    reject_reason: str
    department: str
    reference_number: str
    merged_into: int | None
    consensus_summary: str
    project: ProjectSheetOut | None
    progress: list[ProgressOut]
    supervision_notes: list[SupervisionOut]
    evaluation: list[RoundTally]
    comments: list[CommentOut]
    timeline: list[TimelineEntry]


def _summary(row: dict) -> TopicSummary:
    return TopicSummary(
        id=row["id"], title=row["title"], state=row["state"], category=row["category"], grid_id=row["grid_id"],
        grid=row["grid_name"], created_at=row["created_at"], seconds=row["seconds"], support=row["support"],
        oppose=row["oppose"], neutral=row["neutral"], comments=row["comments"], deadline=row["deadline"],
        overdue=row["overdue"], unanswered=row["unanswered"], url=url("topics:detail", topic_id=row["id"]),
    )


@get("/api/v1/topics", name="api:topics", tags=["topics"], dependencies=TOPIC_FILTERS)
async def api_list_topics(filters: NamedDependency[queries.TopicFilters], page: FromQuery[int] = 1) -> TopicPage:
    """The public list (问题清单): same filters and sorts as /topics, 20 per page."""
    result = await queries.list_topics(filters, page)
    return TopicPage(
        items=[_summary(r) for r in result["rows"]], page=result["page"], per_page=result["per_page"],
        total=result["total"], has_next=result["has_next"],
    )


@get("/api/v1/topics/{topic_id:int}", name="api:topic", tags=["topics"])
async def api_topic(topic_id: FromPath[int]) -> TopicDetail:
    """One topic with its timeline, project sheet, progress and evaluation tallies.
    A hidden comment's text is withheld."""
    d = await queries.topic_detail(topic_id, None)
    t = d["topic"]
    sheet = d["sheet"]
    comments = []
    for c in d["threads"]:
        for item in [c, *c["replies"]]:
            comments.append(CommentOut(
                id=item["id"], parent_id=item["parent"], author=item["author_name"], party_member=item["party_badge"],
                guidance=item["guidance"], pinned=item["pinned"], hidden=item["hidden"],
                hidden_reason=item["hidden_reason"] if item["hidden"] else None,
                body=None if item["hidden"] else item["body"], created_at=item["created_at"],
            ))
    return TopicDetail(
        id=t["id"], title=t["title"], description=t["description"], state=t["state"], category=t["category"],
        grid=t["grid_name"], author=d["author_name"], created_at=t["created_at"], round=t["round"],
        seconds=t["seconds"], support=t["support"], oppose=t["oppose"], neutral=t["neutral"], overdue=t["overdue"],
        unanswered=t["unanswered"], discussion_ends_on=t["discussion_ends_on"],
        evaluation_ends_on=t["evaluation_ends_on"], reject_reason=t["reject_reason"], department=t["department"],
        reference_number=t["reference_number"], merged_into=t["merged_into"],
        consensus_summary=t["consensus_summary"],
        project=ProjectSheetOut(
            title=sheet["title"], scope=sheet["scope"], estimated_cost=int(sheet["estimated_cost"]),
            responsible_unit=sheet["responsible_unit"], responsible_person=sheet["responsible_person"],
            deadline=sheet["deadline"], funding_route=sheet["funding_route"],
        ) if sheet else None,
        progress=[ProgressOut(percent=p["percent"], note=p["note"], date=p["on_date"], round=p["round"],
                              author=p["author_name"]) for p in d["progress"]],
        supervision_notes=[SupervisionOut(body=n["body"], author=n["author_name"],
                                          representative=n["author_is_representative"], round=n["round"],
                                          created_at=n["created_at"]) for n in d["notes"]],
        evaluation=[RoundTally(round=e["round"], satisfied=e["satisfied"],
                               basically_satisfied=e["basically_satisfied"], unsatisfied=e["unsatisfied"],
                               total=e["total"], satisfaction_percent=e["rate_percent"]) for e in d["evaluation"]],
        comments=comments,
        timeline=[TimelineEntry(at=e["at"], actor=e["actor_name"], action=e["action"], from_state=e["from_state"],
                                to_state=e["to_state"], note=e["note"], round=e["round"],
                                detail=e["detail"]) for e in d["events"]],
    )


# ---------------------------------------------------------------- the list as CSV


def _state_label(state: str) -> str:
    return _(STATE_LABELS[state]) if state in STATE_LABELS else state


def _csv_row(row: dict, base: str, yes: str, no: str) -> list[object]:
    created = row["created_at"]
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    name = row["name_zh"] if get_locale() == "zh_CN" else row["name_en"]
    return [
        row["id"], row["title"], _state_label(row["state"]), name,
        row["grid_name"], created.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"), row["seconds"],
        row["support"], row["oppose"], row["neutral"], row["comments"], row["deadline"],
        yes if row["overdue"] else no, yes if row["unanswered"] else no,
        base + url("topics:detail", topic_id=row["id"]),
    ]


@get("/topics.csv", name="topics:csv", tags=["topics"], media_type=MEDIA_TYPE,
     dependencies=TOPIC_FILTERS)
async def topics_csv(
    request: Request, filters: NamedDependency[queries.TopicFilters], mine: FromQuery[str] = ""
) -> Response[bytes]:
    """The public topic list (问题清单) as CSV (UTF-8 with BOM, for Excel), with the same
    filters and sort as ``/topics``; every matching topic, not one page."""
    filters = only_mine(request, filters, mine)
    result = await queries.list_topics(filters, page=1, per_page=CSV_MAX_ROWS)
    base = str(request.base_url).rstrip("/")
    yes, no = _("yes"), _("no")
    header = [
        _("ID"), _("Title"), _("State"), _("Category"), _("Grid"), _("Proposed at"), _("Seconds"),
        _("Support"), _("Oppose"), _("Neutral"), _("Comments"), _("Project deadline"), _("Overdue"),
        _("Not screened in time"), _("Link"),
    ]
    stamp = datetime.now(SHANGHAI).strftime("%Y%m%d")
    return csv_response(f"topics-{stamp}.csv", header, (_csv_row(row, base, yes, no) for row in result["rows"]))


route_handlers = [api_list_topics, api_topic, topics_csv]
