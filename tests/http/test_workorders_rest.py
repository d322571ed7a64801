"""Work orders, the rest of issue 15: the clock in words with proper plurals on every page
that shows an order (the order, the department queue, the level's list, the topic's
work-order block, the task view); replies never rated close after the evaluation window;
a department's reply carries photos (re-encoded, shown as thumbnails on the order page,
saved with the reply or not at all); a department's person lands on their queue."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import run, text_of, user_id
from tests.http.test_photos import jpeg_with_gps, photo_rows
from tests.http.test_topics_helpers import english, viewer
from tests.http.test_workorders import (  # noqa: F401  (fixtures)
    PROPERTY, act, deadline, departments, hops, member, new_order, order_row, person, topics,
)


def dispatched(topics, person, member):
    staff, worker = person("staff"), member(PROPERTY)
    oid, author, tid = new_order(topics, staff)
    act(staff, oid, "dispatch", department=str(departments()[PROPERTY]), deadline=deadline(3))
    return oid, staff, worker, author, tid


def test_the_clock_words_use_the_largest_unit_and_proper_plurals():
    from consult.web.i18n import set_locale
    from consult.workorders.calendar import clock_words
    from consult.workorders.clock_text import clock_text

    now = datetime(2026, 12, 3, 10, tzinfo=timezone.utc)
    set_locale("en")
    assert clock_text(clock_words(now, now + timedelta(hours=3, minutes=40))) == "3 hours left"
    assert clock_text(clock_words(now, now + timedelta(hours=1, minutes=5))) == "1 hour left"
    assert clock_text(clock_words(now, now - timedelta(days=1, hours=2))) == "1 day overdue"
    assert clock_text(clock_words(now, now - timedelta(days=2))) == "2 days overdue"
    assert clock_text(clock_words(now, now + timedelta(seconds=20))) == "1 minute left"
    assert clock_text(None) == ""
    set_locale("zh_CN")
    assert clock_text(clock_words(now, now + timedelta(hours=3))) == "剩余 3 小时"
    assert clock_text(clock_words(now, now - timedelta(days=2))) == "已超时 2 天"
    set_locale("en")


def test_every_page_that_shows_an_order_says_its_clock(topics, person, member, client, new_client):
    oid, staff, worker, _author, tid = dispatched(topics, person, member)
    words = ("hour left", "hours left", "minute left", "minutes left", "day left", "days left", "overdue")
    english(client).login(staff)
    for page, anchor in ((f"/work-orders/{oid}", 'id="order-clock"'), ("/work-orders", f'id="order-{oid}"'),
                         ("/tasks", f'id="task-order-{oid}"')):
        html = client.get(page).text
        assert anchor in html, page
        part = html.split(anchor, 1)[1][:800]
        assert any(w in text_of(part) for w in words), (page, text_of(part))
    visitor = english(new_client())
    html = visitor.get(f"/topics/{tid}").text
    assert f'id="topic-order-{oid}"' in html
    assert any(w in text_of(html.split(f'id="topic-order-{oid}"', 1)[1][:800]) for w in words)
    other = english(new_client())
    other.login(worker)
    html = other.get("/department/orders").text
    assert any(w in text_of(html.split(f'id="order-{oid}"', 1)[1][:800]) for w in words)


def test_a_reply_never_rated_closes_after_the_evaluation_window_and_not_before(topics, person, member):
    from consult.places.settings import DEFAULTS
    from consult.workorders.unrated import close_unrated_orders

    oid, _staff, worker, _author, _tid = dispatched(topics, person, member)
    act(worker, oid, "acknowledge")
    act(worker, oid, "reply", result="The lamp is replaced.")
    replied = order_row(oid)["replied_at"]
    assert run(close_unrated_orders(replied + timedelta(days=DEFAULTS.evaluation_days) - timedelta(minutes=1))) == 0
    assert order_row(oid)["state"] == "replied"
    assert run(close_unrated_orders(replied + timedelta(days=DEFAULTS.evaluation_days, minutes=1))) >= 1
    row = order_row(oid)
    assert (row["state"], row["rating"]) == ("closed", "") and row["closed_at"] is not None
    assert hops(oid)[-1] == "close_unrated"


def test_a_rated_reply_is_not_closed_by_the_job(topics, person, member):
    from consult.workorders.unrated import close_unrated_orders

    oid, _staff, worker, author, _tid = dispatched(topics, person, member)
    act(worker, oid, "acknowledge")
    act(worker, oid, "reply", result="Done.")
    act(author, oid, "rate", rating="satisfied")
    run(close_unrated_orders(datetime.now(timezone.utc) + timedelta(days=400)))
    assert hops(oid)[-1] == "rate" and order_row(oid)["rating"] == "satisfied"


def test_a_department_reply_carries_photos_shown_as_thumbnails(topics, person, member, client, new_client):
    from PIL import ExifTags, Image
    import io
    from consult.photos import store

    oid, _staff, worker, _author, _tid = dispatched(topics, person, member)
    act(worker, oid, "acknowledge")
    english(client).login(worker)
    page = client.get(f"/work-orders/{oid}").text
    assert 'enctype="multipart/form-data"' in page and 'name="photos"' in page
    r = client.post(f"/work-orders/{oid}/act/reply", {"result": "The lamp is replaced."},
                    files=[("photos", ("after.jpg", jpeg_with_gps(), "image/jpeg"))])
    assert r.status_code == 303, text_of(r.text)[:600]
    from consult.workorders.tables import WorkOrderEvent as E

    reply = run(E.select(E.id).where((E.work_order == oid) & (E.action == "reply")).first())["id"]
    rows = photo_rows(owner_type="work_order_reply", owner_id=reply)
    assert len(rows) == 1
    data = store.current().get(store.file_name(rows[0]["digest"], "320"))
    assert not Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    public = english(new_client()).get(f"/work-orders/{oid}").text
    assert f'/photos/{rows[0]["id"]}/320' in public
    assert english(new_client()).get(f"/photos/{rows[0]['id']}/320").status_code == 200


def test_a_bad_photo_refuses_the_reply_and_saves_nothing(topics, person, member, client):
    oid, _staff, worker, _author, _tid = dispatched(topics, person, member)
    act(worker, oid, "acknowledge")
    english(client).login(worker)
    r = client.post(f"/work-orders/{oid}/act/reply", {"result": "The lamp is replaced."},
                    files=[("photos", ("notes.jpg", b"not a picture at all" * 20, "image/jpeg"))])
    assert r.status_code == 400 and "is not a JPEG, PNG or WebP image." in text_of(r.text)
    assert order_row(oid)["state"] == "acknowledged" and hops(oid)[-1] == "acknowledge"


def test_a_department_person_is_not_awaiting_verification_and_lands_on_the_queue(person, member, client, new_client):
    worker = member(PROPERTY)
    english(client)
    r = client.login(worker)
    assert r.headers["location"] == "/department/orders"
    html = client.get("/department/orders").text
    assert "awaiting verification" not in html and 'id="nav-queue"' in html
    someone = person()  # in no department, no role: still waiting for verification
    other = english(new_client())
    assert other.login(someone).headers["location"] == "/"
    home = other.get("/").text
    assert "awaiting verification" in home and 'id="nav-queue"' not in home
    from consult.accounts.grants import verification_queue

    waiting = {r["username"] for r in run(verification_queue(viewer(person("staff"))))["unverified"]}
    assert someone in waiting and worker not in waiting
