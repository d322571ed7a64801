"""Printed notices (公示, issue 16 point 5): a vote's result, a place's list of projects and a
topic's progress each print as a sheet of public data with a QR code to the page's public
address (CONSULT_PUBLIC_URL when set, never a spoofed Host then) and, for a vote, the SHA-256
of its published record."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from markupsafe import escape

from consult.notices.qr import qr_svg
from tests.conftest import run, text_of, user_id
from tests.http.test_topics_helpers import Topics, english, today, viewer
from tests.http.test_voting import cast, open_vote
from tests.http.test_voting_publication import publish, sealed

BASE = "http://testserver.local"  # the test client's origin


@pytest.fixture
def staff(client, make_user):
    client.username = make_user("staff")
    client.login(client.username)
    english(client)
    return client


@pytest.fixture
def topics(make_user, community):
    return Topics(make_user, community)


def qr_of(html: str) -> str:
    match = re.search(r'<svg viewBox="[^"]+" class="qr">.*?</svg>', html, re.S)
    assert match, "no QR code on the sheet"
    return match.group(0)


def qr_path(svg: str) -> str:
    """The modules of a QR symbol: the path of its dark lines (the title aside)."""
    return re.search(r'class="qrline"[^>]* d="([^"]+)"', svg).group(1)


def assert_qr_encodes(html: str, address: str) -> None:
    """segno draws the same symbol for the same text: the page's equals a fresh one of ``address``."""
    assert qr_path(qr_of(html)) == qr_path(str(qr_svg(address)))
    assert str(escape(address)) in html


def assert_clean_sheet(html: str) -> None:
    """No site navigation, no form, no flash; the one button (print) is hidden and off the paper."""
    assert 'class="site"' not in html and "<nav" not in html and "<form" not in html
    assert re.findall(r"<button[^>]*>", html) == ['<button type="button" data-print hidden>']
    assert 'role="status"' not in html


def published_vote(staff, make_user, new_client):
    vote_id, reps, cands = open_vote(staff, make_user, weights=("1", "1", "1"))
    for rep in reps:
        c = new_client()
        c.login(rep)
        assert cast(c, vote_id, {cands[0]: "approve", cands[1]: "oppose"}).status_code == 200
    publish(staff, vote_id)
    return vote_id, reps


# ---------------------------------------------------------------- a vote's result


def test_vote_notice_prints_the_result_its_record_hash_and_a_qr_code_to_the_vote(staff, make_user, new_client):
    vote_id, reps = published_vote(staff, make_user, new_client)
    visitor = english(new_client())
    r = visitor.get(f"/votes/{vote_id}/print")
    assert r.status_code == 200
    page = text_of(r.text)
    assert "候选项目 1 号" in page and "Turnout: 3 ballots" in page and "Elected:" in page
    shown = re.search(r'id="record-sha256">([0-9a-f]{64})<', r.text).group(1)
    ballots = visitor.get(f"/api/v1/votes/{vote_id}/ballots")
    assert shown == sealed(vote_id) == hashlib.sha256(ballots.content).hexdigest()
    assert f"{BASE}/api/v1/votes/{vote_id}/ballots" in r.text
    assert_qr_encodes(r.text, f"{BASE}/votes/{vote_id}")
    assert_clean_sheet(r.text)
    for rep in reps:  # the roll is online; a notice on a wall names no representative
        assert rep.upper() not in r.text and rep not in r.text
    assert f'href="/votes/{vote_id}/print"' in visitor.get(f"/votes/{vote_id}").text


def test_vote_notice_waits_for_publication_and_hides_drafts(staff, make_user, new_client):
    open_id, _reps, _cands = open_vote(staff, make_user)
    visitor = english(new_client())
    r = visitor.get(f"/votes/{open_id}/print")
    assert r.status_code == 409 and "printed once it is published" in text_of(r.text)
    assert f"/votes/{open_id}/print" not in visitor.get(f"/votes/{open_id}").text
    from tests.http.test_voting import create_vote

    draft = create_vote(staff)
    assert visitor.get(f"/votes/{draft}/print").status_code == 404


# ---------------------------------------------------------------- the public address


def test_qr_code_uses_the_configured_public_url_whatever_the_host_header(settings, community):
    from litestar.testing import TestClient

    from consult.app import create_app
    from tests.conftest import Client

    app = create_app(settings.with_(public_url="https://consult.example.org"), manage_engine=False)
    with TestClient(app, base_url="http://testserver.local") as tc:
        c = Client(tc)
        place = community["community"]
        r = c.get(f"/places/{place}/projects/print", headers={"Host": "evil.example"})
        assert r.status_code == 200
        assert_qr_encodes(r.text, f"https://consult.example.org/places/{place}/projects/print")
        assert "evil.example" not in r.text
        assert r.headers.get("cache-control") != "no-store"


def test_without_a_configured_url_the_request_address_is_used_and_never_cached(client, community):
    place = community["community"]
    r = client.get(f"/places/{place}/projects/print")
    assert_qr_encodes(r.text, f"{BASE}/places/{place}/projects/print")
    assert r.headers["cache-control"] == "no-store"


def test_public_url_setting_is_checked():
    from consult.settings import SettingsError, load_settings

    env = {"SECRET_KEY": "k" * 40}
    assert load_settings({**env, "CONSULT_PUBLIC_URL": "https://a.example.org/"}).public_url == "https://a.example.org"
    assert load_settings(env).public_url is None
    for bad in ("a.example.org", "ftp://a.example.org", "https://a.example.org/?x=1", "https://u@a.example.org"):
        with pytest.raises(SettingsError):
            load_settings({**env, "CONSULT_PUBLIC_URL": bad})


# ---------------------------------------------------------------- a place's list of projects


def test_projects_notice_lists_the_projects_at_or_below_the_place(client, topics, community):
    english(client)
    here, _a = topics.create(state="implementing", title="Lift repair here")
    late, _b = topics.create(state="project", title="Late bench", deadline_days=-3)
    proposed, _c = topics.create(state="proposed", title="Only an idea")
    away, _d = topics.create(state="project", title="Fence over there")
    from consult.cache import clear_all
    from consult.topics.tables import Topic

    other_grid = community["communities"]["和顺社区"]["grids"][0]  # a grid of the next community
    run(Topic.update({Topic.grid: other_grid}).where(Topic.id == away))
    clear_all()
    r = client.get(f"/places/{community['community']}/projects/print")
    assert r.status_code == 200
    page = text_of(r.text)
    assert page.count("Parking project") == 2  # the sheets' title, of the two projects of 幸福里社区
    listed = set(map(int, re.findall(r"#(\d+) ·", page)))
    assert listed == {here, late}  # not the proposal, not the project of the next community
    assert "Residents' committee" in r.text.replace("&#39;", "'") and "Chen" in page
    assert (today() - timedelta(days=3)).isoformat() in page and "Overdue" in page
    assert_clean_sheet(r.text)
    district = text_of(client.get(f"/places/{community['district']}/projects/print").text)
    assert {here, late, away} <= set(map(int, re.findall(r"#(\d+) ·", district)))
    assert client.get("/places/999999/projects/print").status_code == 404


# ---------------------------------------------------------------- a topic's progress


def test_topic_notice_prints_the_sheet_and_progress_without_names(staff, topics, new_client):
    topics._staff = staff.username
    tid, author = topics.create(state="implementing")
    r = staff.post(f"/topics/{tid}/progress", {"percent": "40", "note": "Frames welded.", "date": ""})
    assert r.status_code == 303
    sheet = staff.get(f"/topics/{tid}/print")  # the flash of the post waits for the topic page
    assert sheet.status_code == 200
    page = text_of(sheet.text)
    assert "Frames welded." in page and "40%" in page and "Chen" in page and "Parking project" in page
    assert author.upper() not in sheet.text and staff.username.upper() not in sheet.text
    assert topics.committee.upper() not in sheet.text
    assert_clean_sheet(sheet.text)
    assert_qr_encodes(sheet.text, f"{BASE}/topics/{tid}")
    assert f"<tr><td>{today().isoformat()}</td><td>" in sheet.text  # the timeline's days are Shanghai's, not UTC's
    detail = staff.get(f"/topics/{tid}")
    assert "Progress posted." in detail.text and f'href="/topics/{tid}/print"' in detail.text
    assert sheet.headers["cache-control"] == "no-store"
    assert english(new_client()).get(f"/topics/{tid}/print").status_code == 200
    assert english(new_client()).get("/topics/999999/print").status_code == 404


def test_notices_print_in_chinese(client, community):
    client.tc.cookies.set("lang", "zh_CN")
    r = client.get(f"/places/{community['community']}/projects/print")
    assert "幸福里社区" in r.text and "项目" in text_of(r.text) and 'lang="zh-CN"' in r.text


# ---------------------------------------------------------------- last: it drops the ballot guards of this module's database


def test_an_altered_record_prints_the_alarm_not_a_result(staff, make_user, new_client):
    from consult.cache import clear_all
    from tests.http.test_voting_publication import _tamper
    from consult.voting.tables import Candidate

    vote_id, _reps = published_vote(staff, make_user, new_client)
    seal = sealed(vote_id)
    first = run(Candidate.select(Candidate.id).where(Candidate.vote == vote_id).order_by(Candidate.position).first())
    _tamper(vote_id, str(first["id"]))
    clear_all()
    r = english(new_client()).get(f"/votes/{vote_id}/print")
    assert r.status_code == 200 and 'role="alert"' in r.text and seal in text_of(r.text)
    assert 'id="record-sha256"' not in r.text and "Turnout:" not in text_of(r.text)
