"""Meetings (issue 16 point 3): the committee schedules a meeting of its place with an agenda;
residents see it on each agenda topic and on the home page and are notified; staff record
attendance, head count and minutes, and a decision per agenda topic that moves the topic
through its own lifecycle, marked on the timeline as decided at the meeting. Attendees'
names never reach the public page."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from consult.topics.clock import utcnow
from tests.conftest import run, text_of, user_id
from tests.http._world import db_fingerprint
from tests.http.test_topics_helpers import Topics, english, events, state_of


@pytest.fixture
def topics(make_user, community):
    return Topics(make_user, community)


def signed_in(new_client, username):
    c = english(new_client())
    c.login(username)
    return c


def local(moment):
    from consult.meetings.forms import LOCAL

    m = moment.astimezone(LOCAL)
    return m.date().isoformat(), m.strftime("%H:%M")


def meeting_form(topic_ids, when, title=None, **extra):
    day, at = local(when)
    return {"kind": "council", "title": title or f"议事会 {uuid.uuid4().hex[:6]}", "location": "党群服务中心二楼",
            "on_date": day, "at_time": at, "topics": [str(t) for t in topic_ids], **extra}


def schedule(client, place_id, topic_ids, when, **extra):
    r = client.post(f"/places/{place_id}/meetings", meeting_form(topic_ids, when, **extra))
    assert r.status_code == 303, (r.status_code, text_of(r.text)[:800])
    return int(r.headers["location"].rsplit("/", 1)[1])


def meeting_row(mid):
    from consult.meetings.tables import Meeting

    return run(Meeting.select().where(Meeting.id == mid).first())


def notices_of(username, kind="meeting"):
    from consult.notifications.tables import Notification

    return run(Notification.select().where((Notification.user == user_id(username)) & (Notification.kind == kind)))


def test_schedule_notifies_residents_and_shows_on_the_topic_and_home(topics, community, new_client, make_user):
    tid, author = topics.create("proposed")
    neighbour = make_user("resident", grid=1)
    quiet = make_user("resident")
    q = signed_in(new_client, quiet)
    assert q.post("/notifications/preferences", {"kinds": ["topic_state", "reply"]}).status_code == 303
    committee = signed_in(new_client, topics.committee)
    link = f'href="/places/{community["community"]}/meetings/new?topic={tid}"'
    assert link in committee.get(f"/topics/{tid}").text  # the committee puts it on an agenda from the topic
    assert link not in english(new_client()).get(f"/topics/{tid}").text
    form = committee.get(f"/places/{community['community']}/meetings/new?topic={tid}")
    assert form.status_code == 200 and f'value="{tid}" checked' in form.text
    soon = utcnow() + timedelta(days=3)
    mid = schedule(committee, community["community"], [tid], soon, title="三月居民议事会")
    assert meeting_row(mid)["state"] == "scheduled"
    assert len(notices_of(author)) == 1 and len(notices_of(neighbour)) == 1  # follower and resident of the place
    assert notices_of(quiet) == []  # turned the kind off
    assert notices_of(topics.committee) == []  # not the actor
    visitor = english(new_client())
    topic_page = text_of(visitor.get(f"/topics/{tid}").text)
    assert "三月居民议事会" in topic_page
    home = text_of(visitor.get(f"/?place={community['community']}").text)
    assert "Upcoming meetings" in home and "三月居民议事会" in home
    page = visitor.get(f"/meetings/{mid}")
    assert page.status_code == 200 and "三月居民议事会" in page.text and f"/topics/{tid}" in page.text


def test_the_wrong_role_and_the_wrong_place_are_refused_and_change_nothing(topics, community, new_client, make_user):
    from consult.accounts.services import create_user
    from tests.conftest import PASSWORD

    tid, _ = topics.create("proposed")
    other = community["communities"]["和顺社区"]
    name = f"c_{uuid.uuid4().hex[:8]}"
    run(create_user(name, PASSWORD, ["committee"], display_name=name, grid_id=other["grids"][0], place_id=other["id"]))
    elsewhere = signed_in(new_client, name)
    resident = signed_in(new_client, make_user("resident"))
    form = meeting_form([tid], utcnow() + timedelta(days=2))
    before = db_fingerprint()
    assert resident.post(f"/places/{community['community']}/meetings", form).status_code == 403
    assert elsewhere.post(f"/places/{community['community']}/meetings", form).status_code == 403
    assert db_fingerprint() == before
    # a meeting of 幸福里社区: the other community's committee may neither change nor record it
    mid = schedule(signed_in(new_client, topics.committee), community["community"], [tid], utcnow() - timedelta(hours=1))
    before = db_fingerprint()
    assert elsewhere.post(f"/meetings/{mid}/edit", form).status_code == 403
    assert elsewhere.post(f"/meetings/{mid}/record", {"minutes": "Minutes of the meeting."}).status_code == 403
    assert resident.post(f"/meetings/{mid}/record", {"minutes": "Minutes of the meeting."}).status_code == 403
    assert db_fingerprint() == before


def test_record_then_decide_moves_the_topic_on_its_timeline(topics, community, new_client, make_user):
    tid, author = topics.create("proposed")
    present = make_user("resident")
    committee = signed_in(new_client, topics.committee)
    mid = schedule(committee, community["community"], [tid], utcnow() - timedelta(hours=2))
    staff = signed_in(new_client, topics.staff)
    r = staff.post(f"/meetings/{mid}/record", {"minutes": "居民代表十二人参加，讨论了停车问题。", "head_count": "9",
                                                "attendees": [str(user_id(present)), str(user_id(author))]})
    assert r.status_code == 303, text_of(r.text)[:500]
    row = meeting_row(mid)
    assert row["state"] == "held" and row["head_count"] == 9
    r = staff.post(f"/meetings/{mid}/decisions/{tid}/open_discussion",
                   {"end_date": "", "hands_for": "10", "hands_against": "1", "hands_abstain": ""})
    assert r.status_code == 303, text_of(r.text)[:500]
    assert state_of(tid) == "discussing"  # staff recorded what the meeting decided, with its authority
    last = events(tid)[-1]
    detail = last["detail"] if isinstance(last["detail"], dict) else json.loads(last["detail"])
    assert last["action"] == "open_discussion" and detail["meeting"] == mid and detail["hands"] == [10, 1, 0]
    visitor = english(new_client())
    topic_page = text_of(visitor.get(f"/topics/{tid}").text)
    assert "Decided at the meeting of" in topic_page and "10 for, 1 against, 0 abstaining" in topic_page
    public = text_of(visitor.get(f"/meetings/{mid}").text)
    assert "11 people took part" in public and "停车问题" in public
    for private in (present, present.upper(), author, author.upper()):  # user names and display names
        assert private not in public
    assert present.upper() in text_of(staff.get(f"/meetings/{mid}/record").text)  # staff see who came
    # one decision per agenda topic: a second is refused and changes nothing
    before = db_fingerprint()
    assert staff.post(f"/meetings/{mid}/decisions/{tid}/reject", {"reason": "Not now, sorry."}).status_code == 409
    assert db_fingerprint() == before


def test_a_move_the_topic_cannot_take_is_refused_and_changes_nothing(topics, community, new_client):
    tid, _ = topics.create("proposed")
    off, _ = topics.create("proposed")
    committee = signed_in(new_client, topics.committee)
    mid = schedule(committee, community["community"], [tid], utcnow() - timedelta(hours=2))
    staff = signed_in(new_client, topics.staff)
    assert staff.post(f"/meetings/{mid}/record", {"minutes": "Minutes of the meeting."}).status_code == 303
    before = db_fingerprint()
    r = staff.post(f"/meetings/{mid}/decisions/{tid}/start_implementation", {})  # a proposed topic has no project
    assert r.status_code == 409 and state_of(tid) == "proposed"
    assert staff.post(f"/meetings/{mid}/decisions/{tid}/elect", {}).status_code == 409  # the vote's, never a meeting's
    assert staff.post(f"/meetings/{mid}/decisions/{off}/open_discussion", {"end_date": ""}).status_code == 409
    r = staff.post(f"/meetings/{mid}/decisions/{tid}/reject", {"reason": ""})  # the reason is required
    assert r.status_code == 400 and "text/html" in r.headers["content-type"]
    r = staff.post(f"/meetings/{mid}/decisions/{tid}/reject", {"reason": "Out of scope.", "hands_for": "-3"})
    assert r.status_code == 400
    assert db_fingerprint() == before and state_of(tid) == "proposed"


def test_edit_and_cancel_only_before_it_starts_and_cancel_needs_its_confirmation(topics, community, new_client):
    tid, author = topics.create("proposed")
    committee = signed_in(new_client, topics.committee)
    mid = schedule(committee, community["community"], [tid], utcnow() + timedelta(days=5))
    assert committee.post(f"/meetings/{mid}/edit", meeting_form([tid], utcnow() + timedelta(days=6),
                                                                title="改期的议事会")).status_code == 303
    assert meeting_row(mid)["title"] == "改期的议事会"
    assert len(notices_of(author)) == 2  # scheduled, then changed
    r = committee.post(f"/meetings/{mid}/cancel", {"reason": "Room not available."})
    assert r.status_code == 303 and r.headers["location"] == f"/meetings/{mid}/cancel"
    assert meeting_row(mid)["state"] == "scheduled"
    page = committee.get(f"/meetings/{mid}/cancel")
    assert page.status_code == 200 and 'name="confirm" value="yes"' in page.text
    assert committee.post(f"/meetings/{mid}/cancel", {"confirm": "yes", "reason": "Room not available."}).status_code == 303
    assert meeting_row(mid)["state"] == "cancelled" and len(notices_of(author)) == 3
    past = schedule(committee, community["community"], [tid], utcnow() - timedelta(hours=1))
    before = db_fingerprint()
    assert committee.post(f"/meetings/{past}/edit", meeting_form([tid], utcnow() + timedelta(days=1))).status_code == 409
    assert committee.post(f"/meetings/{past}/cancel", {"confirm": "yes", "reason": "Too late now."}).status_code == 409
    assert db_fingerprint() == before


def test_bad_schedule_input_rerenders_the_form_with_errors(topics, community, new_client):
    committee = signed_in(new_client, topics.committee)
    before = db_fingerprint()
    r = committee.post(f"/places/{community['community']}/meetings",
                       {"kind": "council", "title": "x", "location": "", "on_date": "2026-13-01", "at_time": "25:00"})
    assert r.status_code == 400 and "text/html" in r.headers["content-type"]
    assert 'id="e-title"' in r.text and 'id="e-topics"' in r.text
    assert db_fingerprint() == before


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (80, 60), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


def test_photos_of_a_meeting_come_with_its_record_and_show_once_it_is_held(topics, community, new_client):
    from consult.photos.tables import Photo

    tid, _ = topics.create("proposed")
    mid = schedule(signed_in(new_client, topics.committee), community["community"], [tid], utcnow() - timedelta(hours=1))
    staff = signed_in(new_client, topics.staff)
    data = {"minutes": "Minutes with two photos of the hall.", "head_count": "5"}
    r = staff.post(f"/meetings/{mid}/record", data=data,
                      files=[("photos", ("a.png", _png(), "image/png")), ("photos", ("b.png", _png(), "image/png"))])
    assert r.status_code == 303, text_of(r.text)[:500]
    ids = [p["id"] for p in run(Photo.select(Photo.id).where((Photo.owner_type == "meeting") & (Photo.owner_id == mid)))]
    assert len(ids) == 2
    visitor = english(new_client())
    assert f"/photos/{ids[0]}/320" in visitor.get(f"/meetings/{mid}").text
    assert visitor.get(f"/photos/{ids[0]}/320").status_code == 200
    # six in all: five more are refused and nothing of that record is saved
    before = db_fingerprint()
    r = staff.post(f"/meetings/{mid}/record", data={**data, "minutes": "Minutes changed with five photos."},
                      files=[("photos", (f"{i}.png", _png(), "image/png")) for i in range(5)])
    assert r.status_code == 400 and "At most 6 photos" in r.text
    assert db_fingerprint() == before
