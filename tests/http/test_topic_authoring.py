"""The author edits or withdraws their own topic while it is still proposed (issue 14,
"missing things"): the edit shows on the timeline with the old and new title; withdrawing
asks first; another resident, another community, the committee, and a screened topic are
refused, and a refusal changes nothing."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import PASSWORD, run, text_of, user_id
from tests.http._world import db_fingerprint
from tests.http.test_topics_helpers import Topics, audit_for, english, events, state_of, topic_row


@pytest.fixture
def topics(make_user, community):
    return Topics(make_user, community)


def _form(**changes):
    form = {"title": "A better title here", "description": "A clearer description of the problem.",
            "category": "parking", "grid_id": ""}
    form.update(changes)
    return form


def _signed_in(client, username):
    client.login(username)
    return english(client)


def test_the_author_edits_and_the_timeline_says_what_changed(client, topics, community):
    tid, author = topics.create("proposed", title="Old title of mine")
    _signed_in(client, author)
    page = client.get(f"/topics/{tid}")
    assert f"/topics/{tid}/edit" in page.text and f"/topics/{tid}/withdraw" in page.text
    form = client.get(f"/topics/{tid}/edit")
    assert form.status_code == 200 and "Old title of mine" in form.text
    r = client.post(f"/topics/{tid}/edit", _form(title="New title of mine", grid_id=str(community["grids"][1])))
    assert r.status_code == 303, r.text[:500]
    row = topic_row(tid)
    assert row["title"] == "New title of mine" and row["grid"] == community["grids"][1]
    assert row["description"] == "A clearer description of the problem." and row["state"] == "proposed"
    last = events(tid)[-1]
    assert last["action"] == "edit"
    text = text_of(client.get(f"/topics/{tid}").text)
    assert "edit the topic" in text and "Changed: Title · Description · Grid" in text
    assert "Title: “Old title of mine” → “New title of mine”" in text
    assert [a["action"] for a in audit_for(tid)][-1] == "topic.edit"


def test_an_edit_with_bad_input_shows_the_form_again_and_changes_nothing(client, topics):
    tid, author = topics.create("proposed")
    _signed_in(client, author)
    before = topic_row(tid)
    r = client.post(f"/topics/{tid}/edit", _form(title="ab", grid_id=str(before["grid"])))
    assert r.status_code == 400 and "text/html" in r.headers["content-type"]
    assert 'aria-invalid="true"' in r.text and "autofocus" in r.text
    assert topic_row(tid) == before


def test_the_grid_stays_within_the_community(client, topics, community):
    tid, author = topics.create("proposed")
    _signed_in(client, author)
    other = community["communities"]["和顺社区"]["grids"][0]
    assert f'value="{other}"' not in client.get(f"/topics/{tid}/edit").text
    before = db_fingerprint()
    r = client.post(f"/topics/{tid}/edit", _form(grid_id=str(other)))
    assert r.status_code == 400
    assert db_fingerprint() == before


def test_an_edit_that_changes_nothing_is_not_recorded(client, topics):
    tid, author = topics.create("proposed", title="Same title stays")
    _signed_in(client, author)
    row = topic_row(tid)
    n = len(events(tid))
    r = client.post(f"/topics/{tid}/edit", {"title": row["title"], "description": row["description"],
                                            "category": "parking", "grid_id": str(row["grid"])})
    assert r.status_code == 303 and len(events(tid)) == n


@pytest.mark.parametrize("who", ["other_resident", "committee", "other_community_resident"])
def test_others_may_not_edit_or_withdraw(client, topics, make_user, community, who):
    tid, _author = topics.create("proposed")
    if who == "other_community_resident":
        from consult.accounts.services import create_user

        name = f"o{uuid.uuid4().hex[:8]}"
        run(create_user(name, PASSWORD, ["resident"], display_name=name,
                        grid_id=community["communities"]["和顺社区"]["grids"][0]))
    else:
        name = make_user("resident" if who == "other_resident" else "committee")
    _signed_in(client, name)
    page = client.get(f"/topics/{tid}").text
    assert f"/topics/{tid}/edit" not in page and f"/topics/{tid}/withdraw" not in page
    before = db_fingerprint()
    expected = {403}
    for r in (client.get(f"/topics/{tid}/edit"), client.post(f"/topics/{tid}/edit", _form()),
              client.get(f"/topics/{tid}/withdraw"), client.post(f"/topics/{tid}/withdraw", {"confirm": "yes"})):
        assert r.status_code in expected, (who, r.status_code, r.text[:300])
    assert db_fingerprint() == before
    assert state_of(tid) == "proposed"


def test_not_after_screening(client, topics):
    tid, author = topics.create("discussing")
    _signed_in(client, author)
    assert f"/topics/{tid}/edit" not in client.get(f"/topics/{tid}").text
    before = db_fingerprint()
    r = client.post(f"/topics/{tid}/edit", _form())
    assert r.status_code == 409 and "under discussion" in r.text
    r = client.post(f"/topics/{tid}/withdraw", {"confirm": "yes"})
    assert r.status_code == 409
    assert db_fingerprint() == before and state_of(tid) == "discussing"


def test_withdrawing_asks_first_then_is_final(client, topics, make_user):
    tid, author = topics.create("proposed")
    seconder = make_user("resident")
    from consult.topics import discussion
    from tests.http.test_topics_helpers import viewer

    run(discussion.second_topic(viewer(seconder), tid))
    _signed_in(client, author)
    before = db_fingerprint()
    r = client.post(f"/topics/{tid}/withdraw", {})  # one tap, no confirmation: nothing happens
    assert r.status_code == 303 and r.headers["location"] == f"/topics/{tid}/withdraw"
    assert db_fingerprint() == before
    confirm = client.get(f"/topics/{tid}/withdraw")
    assert confirm.status_code == 200 and 'name="confirm" value="yes"' in confirm.text
    r = client.post(f"/topics/{tid}/withdraw", {"confirm": "yes"})
    assert r.status_code == 303
    assert state_of(tid) == "withdrawn"
    last = events(tid)[-1]
    assert (last["action"], last["from_state"], last["to_state"]) == ("withdraw", "proposed", "withdrawn")
    assert "topic.withdraw" in [a["action"] for a in audit_for(tid)]
    text = text_of(client.get(f"/topics/{tid}").text)
    assert "withdrawn by its author" in text and "Edit my topic" not in text
    from consult.notifications.tables import Notification

    assert run(Notification.count().where(Notification.user == user_id(seconder)))  # the seconder is told
    assert client.post(f"/topics/{tid}/withdraw", {"confirm": "yes"}).status_code == 409
    # the committee's queue no longer offers it
    assert client.get("/topics?state=withdrawn").status_code == 200
