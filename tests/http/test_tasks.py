"""The task view (/tasks): what waits for committee, staff and representatives, in the
places their roles reach and nowhere else; each item links to where it is done; people
with tasks land there after signing in, residents keep landing where they were going."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.conftest import PASSWORD, run, text_of, user_id
from tests.http.test_topics_helpers import Topics, english, today, viewer


@pytest.fixture
def topics(make_user, community):
    return Topics(make_user, community)


@pytest.fixture
def person(app, community):
    """A user of a community of the street (by name), roles granted there or at ``place``."""
    from consult.accounts.services import create_user

    def make(*roles, community_name="幸福里社区", place=None):
        name = f"t{uuid.uuid4().hex[:8]}"
        if community_name == "幸福里社区":
            grid = community["grids"][0]
        else:
            grid = community["communities"][community_name]["grids"][0]
        run(create_user(name, PASSWORD, list(roles), display_name=name.upper(), grid_id=grid,
                        place_id=community[place] if place else None))
        return name

    return make


def _tasks(client, who):
    client.login(who)
    r = english(client).get("/tasks")
    assert r.status_code == 200, r.text[:500]
    assert r.headers.get("cache-control") == "no-store"
    return r.text


def _part(html, section, heading):
    """The text under one heading of one role's section."""
    start = html.index(f'id="{section}"')
    block = html[start:html.index("</section>", start)]
    text = text_of(block)
    begin = text.index(heading)
    rest = text[begin + len(heading):]
    ends = [rest.index(h) for h in _HEADINGS if h in rest]
    return rest[:min(ends)] if ends else rest


_HEADINGS = ("Topics waiting for screening", "Flagged comments", "Discussions ending",
             "Residents waiting for verification", "Role requests", "Projects to start", "Evaluations to open",
             "Overdue projects", "Votes waiting for your ballot", "Projects to supervise")


def _title(tid):
    from consult.topics.tables import Topic

    return run(Topic.select(Topic.title).where(Topic.id == tid).first())["title"]


def _created(tid, days_ago):
    from consult.topics.tables import Topic

    from datetime import datetime, timezone

    at = datetime.now(timezone.utc) - timedelta(days=days_ago)
    run(Topic.update({Topic.created_at: at}).where(Topic.id == tid))


# ---------------------------------------------------------------- committee


def test_committee_sees_screening_oldest_first_flags_and_ending_discussions_of_its_community(
        client, topics, person, make_user):
    from consult.topics.discussion import add_comment, flag_comment
    from consult.topics.tables import Topic

    old, _ = topics.create("proposed", title=f"Old {uuid.uuid4().hex[:6]}")
    new, _ = topics.create("proposed", title=f"New {uuid.uuid4().hex[:6]}")
    _created(old, 5)
    _created(new, 1)
    talk, _ = topics.create("discussing", title=f"Talk {uuid.uuid4().hex[:6]}")
    run(Topic.update({Topic.discussion_ends_on: today() - timedelta(days=2)}).where(Topic.id == talk))
    cid = run(add_comment(viewer(make_user("resident")), talk, "Something rude here."))
    for _ in range(2):
        run(flag_comment(viewer(make_user("resident")), talk, cid))

    html = _tasks(client, topics.committee)
    waiting = _part(html, "committee", "Topics waiting for screening")
    assert _title(old) in waiting and _title(new) in waiting
    assert waiting.index(_title(old)) < waiting.index(_title(new))  # oldest first
    assert "waiting 5 days" in waiting and "waiting 24 hours" in waiting
    assert "Not screened in time" in waiting
    assert f'href="/topics/{old}#actions"' in html
    flagged = _part(html, "committee", "Flagged comments")
    assert _title(talk) in flagged and "2 flags" in flagged
    assert f'href="/topics/{talk}#c{cid}"' in html
    ending = _part(html, "committee", "Discussions ending")
    assert _title(talk) in ending and "ended 2 days ago" in ending

    # the committee of another community sees none of it
    other = _tasks(client, person("committee", community_name="和顺社区"))
    for tid in (old, new, talk):
        assert _title(tid) not in other
    assert "Staff" not in other and 'id="staff"' not in other  # and no staff part without the role


# ---------------------------------------------------------------- staff


def test_staff_see_newcomers_requests_and_projects_of_their_places_only(client, topics, person, make_user):
    from consult.accounts.services import request_role
    from consult.topics.projects import post_progress

    newcomer = person()  # registered, no role yet
    asker = person("resident")
    run(request_role(user_id(asker), "representative", "I was elected."))
    to_start, _ = topics.create("project")
    on_vote, _ = topics.create("project", funding_route="annual_vote")
    done, _ = topics.create("implementing")
    run(post_progress(viewer(topics.staff), done, {"percent": "100", "note": "Finished.", "on_date": ""}))
    late, _ = topics.create("implementing", deadline_days=-4)

    html = _tasks(client, topics.staff)
    assert newcomer.upper() in _part(html, "staff", "Residents waiting for verification")
    assert asker.upper() in _part(html, "staff", "Role requests")
    assert 'href="/staff/verification"' in html
    start = _part(html, "staff", "Projects to start")
    assert f'href="/topics/{to_start}#actions"' in html and f'href="/topics/{on_vote}#actions"' not in html
    assert "Parking project" in start  # the sheet's title
    assert f'href="/topics/{done}#actions"' in html and "100% done" in _part(html, "staff", "Evaluations to open")
    assert f'href="/topics/{late}#progress"' in html
    assert "4 days overdue" in _part(html, "staff", "Overdue projects")

    other = _tasks(client, person("staff", community_name="和顺社区"))
    assert newcomer.upper() not in other and asker.upper() not in other
    for tid in (to_start, done, late):
        assert f'href="/topics/{tid}#' not in other
    # staff of the street serve every community of it
    street = _tasks(client, person("staff", place="street"))
    assert newcomer.upper() in street and f'href="/topics/{late}#progress"' in street


# ---------------------------------------------------------------- representatives


def test_representatives_see_ballots_to_cast_and_projects_to_supervise(client, new_client, topics, person, make_user):
    from tests.http.test_voting import cast, open_vote

    staff = new_client()
    staff.login(make_user("staff"))
    title = f"Vote {uuid.uuid4().hex[:6]}"
    vote_id, reps, candidates = open_vote(staff, make_user, title=title)
    running, _ = topics.create("implementing", deadline_days=-1)

    html = _tasks(client, reps[0])
    assert title in _part(html, "representative", "Votes waiting for your ballot")
    assert f'href="/votes/{vote_id}/ballot"' in html
    supervise = _part(html, "representative", "Projects to supervise")
    assert f'href="/topics/{running}#supervision"' in html and "Overdue" in supervise

    assert cast(client, vote_id, {candidates[0]: "approve"}).status_code == 200
    after = _tasks(client, reps[0])
    assert f'href="/votes/{vote_id}/ballot"' not in after  # cast: no longer waiting

    elsewhere = _tasks(client, person("representative", community_name="和顺社区"))
    assert f'href="/topics/{running}#supervision"' not in elsewhere
    assert f'href="/votes/{vote_id}/ballot"' not in elsewhere  # not on that roll


# ---------------------------------------------------------------- who may look, where one lands


def test_residents_are_refused_and_visitors_sent_to_sign_in(client, make_user):
    r = client.get("/tasks")
    assert r.status_code == 303 and r.headers["location"].startswith("/auth/login")
    client.login(make_user("resident"))
    assert client.get("/tasks").status_code == 403


def test_people_with_tasks_land_on_them_after_sign_in(client, topics, person, make_user):
    topics.create("proposed")  # something for the committee of 幸福里社区 to screen
    committee = topics.committee

    def landing(name, next_="/"):
        r = client.post("/auth/login", {"username": name, "password": PASSWORD, "next": next_})
        assert r.status_code == 303
        return r.headers["location"]

    assert landing(committee) == "/tasks"
    assert landing(committee, "/topics?state=discussing") == "/topics?state=discussing"  # going somewhere
    assert landing(make_user("resident")) == "/"
    assert landing(make_user("resident"), "/votes") == "/votes"
    assert landing(person("committee", community_name="新风社区")) == "/"  # nothing waits there


def test_the_home_page_offers_the_tasks_to_those_who_have_them(client, make_user):
    client.login(make_user("committee"))
    assert 'href="/tasks"' in client.get("/").text
    client.login(make_user("resident"))
    assert 'href="/tasks"' not in client.get("/").text
