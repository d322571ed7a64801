"""The dashboard's overdue share at the day boundary (SPEC §4: a project is overdue when it is
open and TODAY IS PAST its deadline): a deadline of today is not overdue yet, one of yesterday
is. "Today" is the community's date (Asia/Shanghai). Its own module, so its own database,
holding exactly these three open projects (inserted straight into the tables)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import run, text_of, user_id

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai_today() -> date:
    return datetime.now(SHANGHAI).date()


async def _open_project(title: str, deadline: date, author: int, grid: int, category: int) -> int:
    from consult.topics.tables import ProjectSheet, Topic

    now = datetime.now(SHANGHAI)
    row = Topic(title=title, description="A description long enough.", category=category, grid=grid,
                author=author, state="implementing", created_at=now, updated_at=now, round=1)
    await row.save()
    await ProjectSheet.insert(ProjectSheet(topic=row.id, title=title, scope="Scope of the project.",
                                           estimated_cost=1000, responsible_unit="Unit", responsible_person="Wu",
                                           deadline=deadline, funding_route="community"))
    return row.id


@pytest.fixture(scope="module")
def projects(app, community):
    from consult.accounts.services import create_user
    from tests.conftest import PASSWORD

    run(create_user("overdue_author", PASSWORD, ["resident"], display_name="OA", grid_id=community["grids"][0]))
    author, grid, category = user_id("overdue_author"), community["grids"][0], community["categories"]["parking"]
    today = shanghai_today()
    ids = {}
    for key, days in (("yesterday", -1), ("today", 0), ("tomorrow", 1)):
        ids[key] = run(_open_project(f"Deadline {key}", today + timedelta(days=days), author, grid, category))
    return {"ids": ids, "today": today}


def _same_day(projects) -> None:
    # the deadlines were set relative to the day the fixture ran; a run across midnight (Shanghai) is void
    assert shanghai_today() == projects["today"], "the test ran across midnight in Asia/Shanghai; run it again"


def test_a_deadline_of_today_is_not_overdue_but_one_of_yesterday_is(client, projects):
    body = client.get("/api/v1/stats").json()
    _same_day(projects)
    assert body["overdue"] == {"open_projects": 3, "overdue": 1, "share_percent": 33.3}


def test_the_dashboard_page_shows_the_same_share(client, projects):
    client.tc.cookies.set("lang", "en")
    html = client.get("/dashboard").text
    _same_day(projects)
    start = html.index('id="fig-overdue"')
    figure = text_of(html[start:html.find("</section>", start)])
    assert "33.3%" in figure and "66.7%" not in figure


def test_the_topic_list_flags_only_yesterdays_deadline_as_overdue(client, projects):
    client.tc.cookies.set("lang", "en")
    r = client.get("/topics.csv?flag=overdue")
    _same_day(projects)
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))[1:]
    assert [int(row[0]) for row in rows] == [projects["ids"]["yesterday"]]
