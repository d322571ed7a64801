"""Settings per place, inherited from the parent (issue 13 point 4): a street's threshold
decides its communities' evaluations, a community's own value wins, clearing it inherits
again; the settings page says where each value comes from, refuses staff of other places,
re-renders bad input at the field, and audits old and new values; the topic page, the
staff's forms, the screening clock and who may rate follow the topic's grid's settings."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from tests.conftest import PASSWORD, run, text_of, user_id
from tests.http.test_topics_helpers import Topics, english, state_of, today, topic_row, viewer

BLANK = {"satisfaction_percent": "", "min_ratings": "", "evaluation_days": "", "discussion_days": "",
         "screening_days": "", "other_grids_rate": ""}


@pytest.fixture(autouse=True)
def clean_settings(app, community):
    """Every test starts and ends with no place setting anything (the module shares one database)."""
    from consult.places.settings import KEYS
    from consult.places.tables import Place

    def clear():
        run(Place.update({Place._meta.get_column_by_name(k): None for k in KEYS}, force=True))

    clear()
    yield
    clear()


@pytest.fixture
def topics(make_user, community):
    return Topics(make_user, community)


@pytest.fixture
def person(app, community):
    """Someone living in ``community_name`` with ``roles`` granted at ``place`` (an id; None: their community)."""
    from consult.accounts.services import create_user

    def make(*roles, community_name="幸福里社区", place=None, grid=0):
        name = f"s{uuid.uuid4().hex[:8]}"
        grids = community["grids"] if community_name == "幸福里社区" else community["communities"][community_name]["grids"]
        grid_id = grids[grid]
        run(create_user(name, PASSWORD, list(roles), display_name=name.upper(), grid_id=grid_id, place_id=place))
        return name

    return make


def settings_url(place_id: int) -> str:
    return f"/staff/places/{place_id}/settings"


def save(client, place_id: int, **values) -> object:
    return client.post(settings_url(place_id), {**BLANK, **{k: str(v) for k, v in values.items()}})


def rated(topics, make_user, satisfied: int, unsatisfied: int) -> int:
    """A topic in evaluation (幸福里社区, first grid) with these ratings from residents of its grid."""
    from consult.topics import projects

    tid, _ = topics.create("evaluating")
    for value, n in (("satisfied", satisfied), ("unsatisfied", unsatisfied)):
        for _i in range(n):
            run(projects.rate_topic(viewer(make_user("resident")), tid, value))
    return tid


def end_now(client, tid: int) -> None:
    assert client.post(f"/topics/{tid}/evaluation/end").status_code == 303


def test_a_streets_threshold_decides_a_community_topic_and_the_communitys_own_wins(
        client, topics, make_user, person, community):
    admin = english(client)
    admin.login(person("admin"))
    # 4 of 5 satisfied = 80 %: the built-in threshold closes it ...
    by_default = rated(topics, make_user, 4, 1)
    end_now(admin, by_default)
    assert state_of(by_default) == "closed"
    # ... the street asks for 90 %: the same ratings in one of its communities go back
    assert save(admin, community["street"], satisfaction_percent=90).status_code == 303
    strict = rated(topics, make_user, 4, 1)
    end_now(admin, strict)
    assert state_of(strict) == "implementing" and topic_row(strict)["round"] == 2
    # ... the community sets 75 %: its own value wins over the street's
    assert save(admin, community["community"], satisfaction_percent=75).status_code == 303
    own = rated(topics, make_user, 4, 1)
    end_now(admin, own)
    assert state_of(own) == "closed"
    # ... and cleared, it inherits the street's 90 % again
    assert save(admin, community["community"]).status_code == 303
    page = text_of(admin.get(settings_url(community["community"])).text)
    assert "90% · inherited from 朝阳街道" in page
    again = rated(topics, make_user, 4, 1)
    end_now(admin, again)
    assert state_of(again) == "implementing"


def test_minimum_ratings_come_from_the_place(client, topics, make_user, person, community):
    staff = english(client)
    staff.login(person("staff"))
    assert save(staff, community["community"], min_ratings=2).status_code == 303
    tid = rated(topics, make_user, 2, 0)  # two ratings: enough here, though fewer than the default 5
    end_now(staff, tid)
    assert state_of(tid) == "closed"
    assert save(staff, community["community"], min_ratings=3, evaluation_days=7).status_code == 303
    short = rated(topics, make_user, 2, 0)
    ends = topic_row(short)["evaluation_ends_on"]
    end_now(staff, short)  # too few: extended once, by the place's evaluation window
    row = topic_row(short)
    assert row["state"] == "evaluating" and row["evaluation_extended"]
    assert row["evaluation_ends_on"] == max(ends, today()) + timedelta(days=7)


def test_the_page_says_where_each_value_comes_from(client, person, community):
    staff = english(client)
    staff.login(person("admin"))
    assert save(staff, community["district"], screening_days=3).status_code == 303
    assert save(staff, community["street"], min_ratings=8, other_grids_rate="no").status_code == 303
    page = text_of(staff.get(settings_url(community["grids"][0])).text)
    assert "Screening response clock 3 days · inherited from 和平区" in page
    assert "Minimum ratings 8 ratings · inherited from 朝阳街道" in page
    assert "Representatives of other grids may rate no · inherited from 朝阳街道" in page
    assert "Satisfaction threshold 80% · built-in default" in page
    street = text_of(staff.get(settings_url(community["street"])).text)
    assert "Minimum ratings 8 ratings · set here" in street
    assert "Leave empty to inherit: 5 ratings (built-in default)" in street


def test_staff_of_another_community_or_street_are_refused(client, person, community, app):
    from consult.places.commands import create_place
    from consult.places.tables import Place
    from tests.http._world import db_fingerprint

    other_street = run(create_place(None, community["district"], f"另一街道{uuid.uuid4().hex[:4]}", "street"))
    other_community = run(create_place(None, other_street, "远方社区", "community"))
    run(create_place(None, other_community, "远方一网格", "grid", 10))
    target = community["community"]  # 幸福里社区, under 朝阳街道
    for who in (person("staff", community_name="和顺社区"),  # staff of a sibling community
                person("staff", place=other_street),  # staff of another street
                person("staff", place=other_community),
                person("committee")):  # the right place, the wrong role
        client.login(who)
        english(client)
        before = db_fingerprint()
        assert client.get(settings_url(target)).status_code == 403, who
        r = save(client, target, satisfaction_percent=50)
        assert r.status_code == 403, who
        assert db_fingerprint() == before
        assert run(Place.select(Place.satisfaction_percent).where(Place.id == target).first())[
            "satisfaction_percent"] is None
    # the community's own staff may not change the street above it either
    client.login(person("staff"))
    assert save(client, community["street"], satisfaction_percent=50).status_code == 403
    # but may change their community and its grids; a street's staff every community of it
    assert save(client, community["grids"][1], min_ratings=4).status_code == 303
    client.login(person("staff", place=community["street"]))
    assert save(client, community["communities"]["和顺社区"]["id"], min_ratings=4).status_code == 303
    index = text_of(client.get("/staff/settings").text)
    assert "和顺社区" in index and "远方社区" not in index


def test_bad_input_is_shown_at_the_field_and_changes_nothing(client, person, community):
    from tests.http._world import db_fingerprint

    client.login(person("staff"))
    english(client)
    before = db_fingerprint()
    r = save(client, community["community"], satisfaction_percent=150, min_ratings="many", screening_days=0,
             other_grids_rate="maybe", discussion_days=7)
    assert r.status_code == 400 and "text/html" in r.headers["content-type"]
    assert db_fingerprint() == before
    text = r.text
    assert 'id="e-satisfaction_percent"' in text and "Must be at most 100." in text
    assert 'id="e-min_ratings"' in text and "Must be a whole number." in text
    assert 'id="e-screening_days"' in text and "Must be between 1 and 30." in text
    assert 'id="e-other_grids_rate"' in text and "Choose yes, no, or leave it to the place above." in text
    assert 'value="7"' in text  # what was typed stays in the form


def test_a_change_is_audited_with_old_and_new_values(client, person, community):
    from consult.accounts.tables import AuditEntry

    staff_name = person("staff")
    client.login(staff_name)
    place = community["community"]
    assert save(client, place, satisfaction_percent=70).status_code == 303
    assert save(client, place, satisfaction_percent=60, other_grids_rate="no").status_code == 303
    assert save(client, place, satisfaction_percent=60, other_grids_rate="no").status_code == 303  # nothing changed
    assert save(client, place).status_code == 303  # cleared
    rows = run(AuditEntry.select().where((AuditEntry.action == "place.settings_changed")
                                         & (AuditEntry.target_id == str(place))
                                         & (AuditEntry.actor == user_id(staff_name))).order_by(AuditEntry.id))
    changes = [json.loads(r["detail"])["changes"] for r in rows]
    assert changes == [
        {"satisfaction_percent": {"old": None, "new": 70}},
        {"satisfaction_percent": {"old": 70, "new": 60}, "other_grids_rate": {"old": None, "new": False}},
        {"satisfaction_percent": {"old": 60, "new": None}, "other_grids_rate": {"old": False, "new": None}},
    ]
    assert all(json.loads(r["detail"])["name"] == "幸福里社区" for r in rows)


def test_the_topic_page_shows_the_places_real_values(client, topics, person, community):
    admin = english(client)
    admin.login(person("admin"))
    assert save(admin, community["street"], satisfaction_percent=70, min_ratings=3).status_code == 303
    tid, _ = topics.create("evaluating")
    page = text_of(admin.get(f"/topics/{tid}").text)
    assert ("A project is completed when at least 70% of its ratings are satisfied or basically satisfied, "
            "out of at least 3 ratings; with fewer, the window is extended once by 14 days.") in page
    assert "80%" not in page and "at least 5 ratings" not in page


def test_the_forms_offer_the_places_windows(client, topics, person, community):
    admin = english(client)
    admin.login(person("admin"))
    assert save(admin, community["community"], discussion_days=7, evaluation_days=21).status_code == 303
    tid, _ = topics.create("proposed")
    page = admin.get(f"/topics/{tid}").text
    assert (today() + timedelta(days=7)).isoformat() in page and "Default: 7 days from today." in page
    client.login(topics.committee)
    assert client.post(f"/topics/{tid}/actions/open_discussion", {"end_date": ""}).status_code == 303
    assert topic_row(tid)["discussion_ends_on"] == today() + timedelta(days=7)
    project, _ = topics.create("implementing")
    client.login(topics.staff)
    english(client)
    assert "Default: 21 days from today." in client.get(f"/topics/{project}").text
    assert client.post(f"/topics/{project}/actions/open_evaluation", {"end_date": ""}).status_code == 303
    assert topic_row(project)["evaluation_ends_on"] == today() + timedelta(days=21)


def test_the_screening_clock_is_the_grids(client, topics, make_user, person, community):
    from consult.topics import clock, commands
    from consult.topics.tables import Topic

    other = community["communities"]["和顺社区"]
    admin = english(client)
    admin.login(person("admin"))
    assert save(admin, other["id"], screening_days=1).status_code == 303
    tag = uuid.uuid4().hex[:6]
    here, _ = topics.create("proposed", title=f"Clock here {tag}")  # 幸福里社区: the default 2 days
    author = person("resident", community_name="和顺社区")
    there = run(commands.propose_topic(viewer(author), f"Clock there {tag}", "A description long enough.",
                                       "parking", other["grids"][0]))
    stamp = clock.utcnow() - timedelta(hours=30)
    run(Topic.update({Topic.created_at: stamp}, force=True).where(Topic.id.is_in([here, there])))
    flagged = admin.get(f"/topics?flag=unanswered&q={tag}").text
    assert f"Clock there {tag}" in flagged and f"Clock here {tag}" not in flagged
    assert "Not screened within 24 hours" in admin.get(f"/topics/{there}").text
    assert "Not screened in time" not in admin.get(f"/topics/{here}").text
    api = admin.get(f"/api/v1/topics?q={tag}").json()["items"]
    assert {i["id"]: i["unanswered"] for i in api} == {here: False, there: True}


def test_representatives_of_other_grids_rate_only_where_the_place_allows(client, topics, person, community):
    tid, _ = topics.create("evaluating")  # 幸福里社区, first grid
    elsewhere = person("representative", grid=1)  # a representative of another grid of the community
    client.login(elsewhere)
    english(client)
    assert client.post(f"/topics/{tid}/ratings", {"value": "satisfied"}).status_code == 303  # allowed by default
    admin = english(client)
    admin.login(person("admin"))
    assert save(admin, community["community"], other_grids_rate="no").status_code == 303
    second = person("representative", grid=1)
    client.login(second)
    r = client.post(f"/topics/{tid}/ratings", {"value": "satisfied"})
    assert r.status_code == 409
    page = client.get(f"/topics/{tid}").text
    assert f"/topics/{tid}/ratings" not in page
    assert "Residents and representatives of this grid rate the result." in page
    client.login(person("representative", grid=0))  # of the topic's own grid: still may
    assert client.post(f"/topics/{tid}/ratings", {"value": "satisfied"}).status_code == 303
