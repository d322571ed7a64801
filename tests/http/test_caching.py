"""The public pages' caches never show stale or someone else's data.

consult/cache.py keys every shared entry on the database's content revision, which
triggers bump on every write to the public topic data (topics migration 0100). These
tests warm the caches as a visitor, change the data in every way a page shows it, and
look again; they also check that the shared comment HTML is never given to someone who
can act on comments, nor in the wrong language."""

from __future__ import annotations

import pytest

from consult.places.piccolo_migrations.places_0001_tree import WATCHED as PLACES
from consult.topics.piccolo_migrations.topics_0100_content_revision import WATCHED as TOPICS
from consult.voting.piccolo_migrations.voting_0004_content_revision import WATCHED as VOTING
from consult.workorders.piccolo_migrations.workorders_0001_initial import WATCHED as WORKORDERS
from consult.intake.piccolo_migrations.intake_0001_initial import WATCHED as INTAKE
from consult.meetings.piccolo_migrations.meetings_0001_initial import WATCHED as MEETINGS
from consult.workorders.piccolo_migrations.workorders_0002_followups_exclusions import WATCHED as REVIEW

# The grid table became `place` (places migration 0001), which took over its triggers.
WATCHED = tuple(t for t in TOPICS if t != "grid") + PLACES + WORKORDERS + REVIEW + MEETINGS + INTAKE
from tests.conftest import run, text_of, user_id
from tests.http.test_topics_helpers import Topics, english


@pytest.fixture
def topics(make_user, community):
    return Topics(make_user, community)


def revision() -> int:
    from consult.cache import content_revision

    return run(content_revision())


def comment_ids(tid):
    from consult.topics.tables import TopicComment

    return [r["id"] for r in run(TopicComment.select(TopicComment.id).where(TopicComment.topic == tid)
                                 .order_by(TopicComment.id))]


def test_every_public_table_has_its_revision_trigger(app):
    from consult import db

    if db.is_sqlite():
        rows = run(db.engine().run_querystring(_qs(
            "SELECT tbl_name AS t, COUNT(*) AS n FROM sqlite_master "
            "WHERE type = 'trigger' AND name LIKE 'content_rev_%' GROUP BY tbl_name")))
        found = {r["t"]: r["n"] for r in rows}
        assert found == {**{t: 3 for t in WATCHED + VOTING}, "account": 1}  # insert, update, delete; account: its name
    else:
        rows = run(db.engine().run_querystring(_qs(
            "SELECT c.relname AS t FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
            "WHERE g.tgname LIKE 'content_rev_%' AND g.tgdeferrable AND g.tginitdeferred")))
        assert sorted(r["t"] for r in rows) == sorted([*WATCHED, *VOTING, "account"])


def _qs(sql):
    from piccolo.querystring import QueryString

    return QueryString(sql)


def test_a_write_bumps_the_revision_a_rollback_does_not_and_a_transaction_reads_none(topics, make_user):
    from consult import db
    from consult.cache import content_revision
    from consult.topics.tables import TopicComment

    tid, _ = topics.create("discussing")
    author = user_id(make_user("resident"))
    before = revision()

    async def failing_write():
        async with db.transaction():
            assert await content_revision() is None  # never cache what may be rolled back
            await TopicComment.insert(TopicComment(topic=tid, author=author, body="x"))
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        run(failing_write())
    assert revision() == before and comment_ids(tid) == []

    async def two_writes():
        async with db.transaction():
            for body in ("one", "two"):
                await TopicComment.insert(TopicComment(topic=tid, author=author, body=body))

    run(two_writes())
    after = revision()
    assert after > before
    if not db.is_sqlite():
        assert after == before + 1  # PostgreSQL: once per transaction, at commit


def test_a_visitor_sees_new_comments_hidden_comments_and_new_names_at_once(client, new_client, topics, make_user):
    from consult.accounts.tables import User

    tid, _ = topics.create("discussing", title="Cachecheck bench by the gate")
    visitor = english(new_client())
    assert "No comments yet." in visitor.get(f"/topics/{tid}").text  # warms the page's caches
    listed = text_of(visitor.get("/topics?q=Cachecheck").text)
    assert "0 comments" in listed

    writer_name = make_user("resident")
    writer = new_client()
    writer.login(writer_name)
    assert writer.post(f"/topics/{tid}/comments", {"body": "Please paint it green"}).status_code == 303
    page = visitor.get(f"/topics/{tid}").text
    assert "Please paint it green" in page and "No comments yet." not in page
    assert "1 comment" in text_of(visitor.get("/topics?q=Cachecheck").text)

    # the committee hides it: the visitor sees the reason, not the text
    committee = english(new_client())
    committee.login(topics.committee)
    (cid,) = comment_ids(tid)
    assert committee.post(f"/topics/{tid}/comments/{cid}/hide", {"reason": "Off topic"}).status_code == 303
    page = visitor.get(f"/topics/{tid}").text
    assert "Please paint it green" not in page and "Hidden by a committee member: Off topic" in page

    # a display name changed straight in the database (no service involved) shows too
    run(User.update({User.display_name: "Renamed Neighbour"}).where(User.username == writer_name))
    assert "Renamed Neighbour" in visitor.get(f"/topics/{tid}").text
    assert "Renamed Neighbour" in visitor.get(f"/api/v1/topics/{tid}").text


def test_seconds_and_stances_show_in_the_list_and_on_the_page_at_once(client, new_client, topics, make_user):
    tid, _ = topics.create("discussing", title="Cachecount streetlight")
    visitor = english(new_client())
    assert "0 seconds" in text_of(visitor.get("/topics?q=Cachecount").text)
    assert "0 seconds" in text_of(visitor.get(f"/topics/{tid}").text)
    resident = new_client()
    resident.login(make_user("resident"))
    assert resident.post(f"/topics/{tid}/second").status_code == 303
    assert "1 second" in text_of(visitor.get("/topics?q=Cachecount").text)
    assert "1 second" in text_of(visitor.get(f"/topics/{tid}").text)
    assert visitor.get("/api/v1/topics?q=Cachecount").json()["items"][0]["seconds"] == 1


def test_shared_comment_html_goes_only_to_viewers_who_cannot_act_and_in_their_language(
        client, new_client, topics, make_user):
    tid, _ = topics.create("discussing")
    party = new_client()
    party.login(make_user("resident", "party_member"))
    assert party.post(f"/topics/{tid}/comments", {"body": "Badge comment"}).status_code == 303
    (cid,) = comment_ids(tid)
    zh_visitor = new_client()
    zh_page = zh_visitor.get(f"/topics/{tid}").text  # the shared Chinese HTML is made here
    assert "Badge comment" in zh_page and "Party member" not in zh_page
    en_page = english(new_client()).get(f"/topics/{tid}").text
    assert "Party member" in en_page  # not the Chinese copy

    committee = english(new_client())
    committee.login(topics.committee)
    page = committee.get(f"/topics/{tid}").text
    assert f"/comments/{cid}/hide" in page and f"/comments/{cid}/pin" in page
    resident = english(new_client())
    resident.login(make_user("resident"))
    page = resident.get(f"/topics/{tid}").text
    assert f"/comments/{cid}/flag" in page and 'name="parent_id"' in page
    assert f"/comments/{cid}/" not in english(new_client()).get(f"/topics/{tid}").text  # visitors: no forms


def test_a_published_vote_is_read_and_counted_once(monkeypatch, client, make_user, new_client):
    from consult.voting import queries as services, record
    from tests.http.test_voting import RECEIPT_RE, cast, open_vote, signed_in

    client.login(make_user("staff"))
    vote_id, reps, ids = open_vote(client, make_user, n_candidates=3, weights=("1", "1", "1"))
    receipts = [RECEIPT_RE.search(cast(signed_in(new_client, rep), vote_id, {ids[0]: "approve"}).text).group(0)
                for rep in reps]
    assert client.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"}).status_code == 303
    reads = []
    original = services.election_data

    async def counted(vote, *args):
        reads.append(vote["id"])
        return await original(vote, *args)

    monkeypatch.setattr(services, "election_data", counted)
    monkeypatch.setattr(record, "election_data", counted)  # a published vote's record is read there
    closed = run(services.get_vote(vote_id))
    run(services.count_vote(closed))
    run(services.count_vote(closed))
    assert reads == [vote_id, vote_id]  # closed, not yet published: counted afresh every time
    visitor = new_client()
    assert client.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"}).status_code == 303
    reads.clear()
    for _ in range(3):
        page = visitor.get(f"/votes/{vote_id}").text
        assert all(code in page for code in receipts)
    assert visitor.get(f"/api/v1/votes/{vote_id}/results").json()["elected"] == [ids[0]]
    assert reads == [vote_id]  # read and counted once for the three pages and the API


def test_the_vote_page_shows_reviews_candidates_and_drafts_rightly_with_a_warm_cache(
        client, make_user, new_client):
    from tests.http.test_voting import add_candidate, cast, create_vote, open_vote, signed_in  # noqa: F401

    client.login(make_user("staff"))
    draft = create_vote(client, title="Cache draft vote")
    assert client.get(f"/votes/{draft}").status_code == 200  # staff warm the cache with the draft
    visitor = new_client()
    assert visitor.get(f"/votes/{draft}").status_code == 404  # still hidden from everyone else
    add_candidate(client, draft, "Cache candidate added later")
    assert "Cache candidate added later" in client.get(f"/votes/{draft}").text

    vote_id, reps, ids = open_vote(client, make_user, seats="1")
    voters = [signed_in(new_client, rep) for rep in reps]
    for v in voters:
        cast(v, vote_id, {ids[0]: "approve"})
    client.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"})
    client.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"})
    assert "满意 1" not in text_of(visitor.get(f"/votes/{vote_id}").text)  # warm: no reviews yet
    assert voters[0].post(f"/votes/{vote_id}/reviews", {f"r_{ids[0]}": "satisfied"}).status_code == 303
    assert "满意 1" in text_of(visitor.get(f"/votes/{vote_id}").text)


def test_residents_share_comment_html_but_each_gets_their_own_buttons_and_csrf_token(
        client, new_client, topics, make_user):
    import re

    tid, _ = topics.create("discussing")
    author = english(new_client())
    author.login(make_user("resident"))
    assert author.post(f"/topics/{tid}/comments", {"body": "Author's idea"}).status_code == 303
    (cid,) = comment_ids(tid)
    flag_form = f'action="/topics/{tid}/comments/{cid}/flag"'

    first, second, third = (english(new_client()) for _ in range(3))
    for c in (first, second, third):
        c.login(make_user("resident"))
    pages = [c.get(f"/topics/{tid}").text for c in (first, second)]
    assert all(flag_form in p for p in pages)  # both may flag it: one shared rendering
    tokens = [set(re.findall(r'name="_csrf_token" value="([^"]+)"', p)) for p in pages]
    assert tokens[0] == {first.cookies.get("csrftoken")} and tokens[1] == {second.cookies.get("csrftoken")}
    assert tokens[0] != tokens[1]  # never someone else's token
    assert "<consult-csrf>" not in pages[0]
    assert flag_form not in author.get(f"/topics/{tid}").text  # not on one's own comment

    # the form as served works without JavaScript: its own token, no header
    token = tokens[1].pop()
    r = second.post(f"/topics/{tid}/comments/{cid}/flag", {"_csrf_token": token}, csrf=False)
    assert r.status_code == 303
    assert "You flagged this comment." in second.get(f"/topics/{tid}").text
    assert "You flagged this comment." not in third.get(f"/topics/{tid}").text
    assert flag_form in third.get(f"/topics/{tid}").text


def test_one_time_messages_survive_the_shared_renderings(client, new_client, topics, make_user, community):
    """Rendering a shared block must not use up the page's flash message (it once did:
    the notice after proposing a topic never showed)."""
    resident = english(new_client())
    resident.login(make_user("resident"))
    r = resident.post("/topics", {"title": "Flashcheck a new bench", "description": "A bench by the north gate.",
                                  "category": "parking", "grid_id": str(community["grids"][0])})
    assert r.status_code == 303
    page = resident.get(r.headers["location"]).text
    assert "The committee will screen it within 48 hours." in page
    assert "The committee will screen it within 48 hours." not in resident.get(r.headers["location"]).text
    # a committee action: the page (and its shared comments) is rendered afresh after it
    tid = int(r.headers["location"].rsplit("/", 1)[1])
    committee = english(new_client())
    committee.login(topics.committee)
    r = committee.post(f"/topics/{tid}/actions/open_discussion", {"end_date": ""})
    assert r.status_code == 303
    assert 'role="status"' in committee.get(r.headers["location"]).text
