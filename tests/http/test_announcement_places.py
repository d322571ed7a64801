"""Announcements stay within the sender's places (issue 13): staff of a community may target
only its grids, and "everyone" / "a role" mean the people of the places the sender serves;
a street's staff reach the whole street; an administrator the whole install."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.conftest import PASSWORD, run, text_of, user_id
from tests.http._world import db_fingerprint


@pytest.fixture(scope="module")
def people(app, community):
    """Two residents (one a representative too) in every community of the street, and one
    account without a grid."""
    from consult.accounts.services import create_user

    def make(roles, grid, place=None):
        name = "a" + uuid.uuid4().hex[:10]
        run(create_user(name, PASSWORD, roles, display_name=name.upper(), grid_id=grid, place_id=place))
        return name

    grids = {"幸福里社区": community["grids"], **{k: v["grids"] for k, v in community["communities"].items()}}
    reps = {name: user_id(make(["resident", "representative"], g[-1])) for name, g in grids.items()}
    residents = {name: {user_id(make(["resident"], g[0])), reps[name]} for name, g in grids.items()}
    heshun = community["communities"]["和顺社区"]
    return {
        "grids": grids, "residents": residents, "reps": reps,
        "staff_heshun": make(["staff"], heshun["grids"][0]),
        "staff_street": make(["staff"], community["grids"][0], community["street"]),
        "admin": make(["admin"], None),
        "gridless": user_id(make([], None)),
    }


def recipients(announcement_id: int) -> set[int]:
    from consult.notifications.tables import Notification

    rows = run(Notification.select(Notification.user).where(Notification.announcement == announcement_id))
    return {r["user"] for r in rows}


def latest() -> int:
    from consult.notifications.tables import Announcement

    return run(Announcement.select(Announcement.id).order_by(Announcement.id, ascending=False).first())["id"]


def send(client, **data):
    r = client.post("/staff/announcements", {"title": "停水通知", "body": "明天停水。", **data})
    return r


def everyone_in(people, *communities) -> set[int]:
    return set().union(*(people["residents"][c] for c in communities))


def test_community_staff_are_offered_only_their_grids(client, people, community):
    client.login(people["staff_heshun"])
    client.tc.cookies.set("lang", "en")
    html = client.get("/staff/announcements").text
    select = re.search(r'<select id="f-grid_ids"[^>]*>(.*?)</select>', html, re.S).group(1)
    offered = [int(v) for v in re.findall(r'<option value="(\d+)"', select)]
    assert offered == people["grids"]["和顺社区"]
    assert "和顺社区 · 第一网格" in select  # named with the community
    assert "朝阳街道 · 和顺社区" in text_of(html)  # where "everyone" reaches, said on the form


def test_community_staff_cannot_target_a_grid_of_another_community(client, people):
    client.login(people["staff_heshun"])
    client.tc.cookies.set("lang", "en")
    before = db_fingerprint()
    r = send(client, grid_ids=[str(people["grids"]["幸福里社区"][0])])
    assert r.status_code == 400
    assert "Choose grids from the list." in text_of(r.text)
    assert db_fingerprint() == before  # nothing sent, nothing recorded


def test_everyone_and_a_role_mean_the_senders_places(client, people):
    client.login(people["staff_heshun"])
    assert send(client, everyone="1").status_code == 303
    assert recipients(latest()) == everyone_in(people, "和顺社区")
    assert send(client, role="representative").status_code == 303
    assert recipients(latest()) == {people["reps"]["和顺社区"]}


def test_street_staff_reach_the_whole_street(client, people):
    client.login(people["staff_street"])
    assert send(client, everyone="1").status_code == 303
    got = recipients(latest())
    assert got == everyone_in(people, "幸福里社区", "和顺社区", "新风社区") | (got & {user_id(people["staff_heshun"])})
    assert user_id(people["staff_heshun"]) in got  # staff of a community in the street are people of it too
    assert people["gridless"] not in got and user_id(people["admin"]) not in got
    assert send(client, grid_ids=[str(people["grids"]["新风社区"][0])]).status_code == 303


def test_an_administrator_reaches_the_whole_install(client, people):
    client.login(people["admin"])
    assert send(client, everyone="1").status_code == 303
    got = recipients(latest())
    assert everyone_in(people, "幸福里社区", "和顺社区", "新风社区") <= got and people["gridless"] in got
