"""Roles reach their place and everything below it, and nothing else (issue 13 point 2):
the committee of one community cannot screen, moderate or form projects in another; a
street's staff act in every community of the street; grants stay within the granter's
places; the verification queue shows each staff member their own places' newcomers."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.conftest import PASSWORD, run, user_id
from tests.http.test_topics_helpers import SHEET, Topics, english, today


@pytest.fixture
def topics(make_user, community):
    return Topics(make_user, community)


@pytest.fixture
def person(app, community):
    """A user in a community of the street (by name), roles granted there or at ``place``."""
    from consult.accounts.services import create_user

    def make(*roles, community_name="和顺社区", place=None):
        name = f"p{uuid.uuid4().hex[:8]}"
        grid = community["communities"][community_name]["grids"][0] if community_name else community["grids"][0]
        place_id = community[place] if place else None
        run(create_user(name, PASSWORD, list(roles), display_name=name.upper(), grid_id=grid, place_id=place_id))
        return name

    return make


def _state(tid):
    from consult.topics.tables import Topic

    return run(Topic.select(Topic.state).where(Topic.id == tid).first())["state"]


def test_the_committee_of_another_community_cannot_screen(client, topics, person):
    tid, _ = topics.create("proposed")  # in 幸福里社区
    client.login(person("committee"))  # committee of 和顺社区
    english(client)
    r = client.post(f"/topics/{tid}/actions/open_discussion", {"end_date": ""})
    assert r.status_code == 403
    assert "does not reach this topic" in r.text
    assert _state(tid) == "proposed"
    assert f"/topics/{tid}/actions/open_discussion" not in client.get(f"/topics/{tid}").text  # no button offered
    # The committee of the topic's own community may.
    client.login(topics.committee)
    assert client.post(f"/topics/{tid}/actions/open_discussion", {"end_date": ""}).status_code == 303
    assert _state(tid) == "discussing"


def test_the_committee_of_another_community_cannot_moderate_or_form_a_project(client, topics, person, make_user):
    from consult.topics.tables import TopicComment

    tid, _ = topics.create("discussing")
    client.login(make_user("resident"))
    assert client.post(f"/topics/{tid}/comments", {"body": "A comment to hide"}).status_code == 303
    cid = run(TopicComment.select(TopicComment.id).where(TopicComment.topic == tid).first())["id"]
    client.login(person("committee"))
    assert client.post(f"/topics/{tid}/comments/{cid}/hide", {"reason": "Off topic"}).status_code == 403
    assert not run(TopicComment.select(TopicComment.hidden).where(TopicComment.id == cid).first())["hidden"]
    sheet = dict(SHEET, deadline=(today() + timedelta(days=30)).isoformat())
    assert client.post(f"/topics/{tid}/actions/form_project", sheet).status_code == 403
    assert _state(tid) == "discussing"


def test_street_staff_act_in_every_community_of_the_street(client, topics, person, community):
    from consult.topics import commands
    from tests.http.test_topics_helpers import viewer

    street_staff = person("staff", place="street")
    here, _ = topics.create("project")  # 幸福里社区
    author = person("resident", community_name="和顺社区")
    grid = community["communities"]["和顺社区"]["grids"][0]
    there = run(commands.propose_topic(viewer(author), "A topic in 和顺社区", "A description long enough.",
                                       "parking", grid))
    committee = viewer(person("committee", community_name="和顺社区"))
    run(commands.screen_topic(committee, there, "open_discussion", {"end_date": ""}))
    run(commands.form_project(committee, there, dict(SHEET, deadline=(today() + timedelta(days=30)).isoformat())))
    client.login(street_staff)
    for tid in (here, there):
        assert client.post(f"/topics/{tid}/actions/start_implementation").status_code == 303, tid
        assert _state(tid) == "implementing"
    # Community staff of 新风社区 cannot.
    tid, _ = topics.create("project")
    client.login(person("staff", community_name="新风社区"))
    assert client.post(f"/topics/{tid}/actions/start_implementation").status_code == 403
    assert _state(tid) == "project"


def test_a_resident_proposes_only_in_their_own_community(client, person, community):
    from consult.topics.tables import Topic

    client.login(person("resident", community_name="和顺社区"))
    before = run(Topic.count())
    r = client.post("/topics", {"title": "Somewhere else entirely", "description": "A description long enough.",
                               "category": "parking", "grid_id": str(community["grids"][0])})
    assert r.status_code == 403
    assert run(Topic.count()) == before
    own = community["communities"]["和顺社区"]["grids"][0]
    r = client.post("/topics", {"title": "In my own grid here", "description": "A description long enough.",
                               "category": "parking", "grid_id": str(own)})
    assert r.status_code == 303


def test_staff_grant_only_within_their_places(client, person, community):
    from consult.accounts.tables import UserRole

    staff = client
    staff.login(person("staff", community_name="新风社区"))
    target = user_id(person(community_name="和顺社区"))
    r = staff.post(f"/staff/users/{target}/roles", {"role": "committee"})
    assert r.status_code == 403
    assert run(UserRole.count().where(UserRole.user == target)) == 0
    neighbour = user_id(person(community_name="新风社区"))
    assert staff.post(f"/staff/users/{neighbour}/roles", {"role": "committee"}).status_code == 303
    row = run(UserRole.select(UserRole.place).where(UserRole.user == neighbour).first())
    assert row["place"] == community["communities"]["新风社区"]["id"]
    # Street staff may grant in any community of the street.
    # A place outside the granter's reach is refused.
    other = user_id(person(community_name="新风社区"))
    r = staff.post(f"/staff/users/{other}/roles", {"role": "committee",
                                                    "place": str(community["communities"]["和顺社区"]["id"])})
    assert r.status_code == 403
    assert run(UserRole.count().where(UserRole.user == other)) == 0
    # Street staff may grant in any community of the street.
    staff.login(person("staff", place="street"))
    assert staff.post(f"/staff/users/{target}/roles", {"role": "committee"}).status_code == 303


def test_the_verification_queue_shows_only_the_staff_members_places(client, person):
    newcomer_a = person(community_name="和顺社区")
    newcomer_b = person(community_name="新风社区")
    client.login(person("staff", community_name="新风社区"))
    page = client.get("/staff/verification").text
    assert newcomer_b in page and newcomer_a not in page
    assert client.post(f"/staff/users/{user_id(newcomer_a)}/verify").status_code == 403
    client.login(person("admin"))
    page = client.get("/staff/verification").text
    assert newcomer_a in page and newcomer_b in page
