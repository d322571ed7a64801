"""The value the home page's shared block is rendered from (``consult.web.fragments``).

Frozen and hashable; carries the content revision its data was read at, the place it
is about and the day the "days left" and overdue marks are worked out for. Standard
library and pure modules only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from consult.topics.evaluation import is_overdue
from consult.topics.lifecycle import TopicState


class Discussion(NamedTuple):
    id: int
    title: str
    place: str
    ends_on: date | None
    days_left: int | None
    comments: int
    seconds: int


class Project(NamedTuple):
    id: int
    title: str
    place: str
    responsible_unit: str
    deadline: date | None
    percent: int | None
    overdue: bool


class OpenVote(NamedTuple):
    id: int
    title: str
    year: int
    seats: int
    round: int
    candidates: int


class UpcomingMeeting(NamedTuple):
    id: int
    title: str
    kind: str
    place: str
    starts_at: datetime
    location: str


class Figures(NamedTuple):
    year: int
    topics_year: int
    discussing: int
    implementing: int
    completed: int
    ratings: int
    satisfaction: float | None


@dataclass(frozen=True)
class HomeView:
    revision: int | None
    path: str
    today: date
    figures: Figures
    discussions: tuple[Discussion, ...]
    projects: tuple[Project, ...]
    votes: tuple[OpenVote, ...]
    meetings: tuple[UpcomingMeeting, ...] = ()


def home_view(data: Mapping[str, Any], today: date) -> HomeView:
    """``data`` from ``consult.home.queries.now_happening``."""
    return HomeView(
        revision=data["revision"], path=data["path"], today=today,
        figures=Figures(**data["figures"]),
        discussions=tuple(
            Discussion(id=r["id"], title=r["title"], place=r["place"], ends_on=r["ends_on"],
                       days_left=None if r["ends_on"] is None else (r["ends_on"] - today).days,
                       comments=r["comments"], seconds=r["seconds"])
            for r in data["discussions"]
        ),
        projects=tuple(
            Project(id=r["id"], title=r["title"], place=r["place"], responsible_unit=r["responsible_unit"],
                    deadline=r["deadline"], percent=r["percent"],
                    overdue=is_overdue(TopicState(r["state"]), r["deadline"], today))
            for r in data["projects"]
        ),
        votes=tuple(
            OpenVote(id=r["id"], title=r["title"], year=int(r["year"]), seats=int(r["seats"]),
                     round=int(r["round"]), candidates=int(r["candidates"]))
            for r in data["votes"]
        ),
        meetings=tuple(
            UpcomingMeeting(id=r["id"], title=r["title"], kind=r["kind"], place=r["place"], starts_at=r["starts_at"],
                            location=r["location"])
            for r in data.get("meetings", ())
        ),
    )
