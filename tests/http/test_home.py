"""The home page shows what is happening now (issue 14, "missing things"): open discussions
closing soonest first, open votes, projects in progress with their deadline and latest
progress, a few figures; public, cached per content revision, a handful of queries, no
private data, and limited to a place when one is asked for."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.conftest import run, text_of
from tests.http.test_topics_helpers import Topics, english, today, viewer


@pytest.fixture
def topics(make_user, community):
    return Topics(make_user, community)


def _ends_on(tid, days):
    from consult.topics.tables import Topic

    run(Topic.update({Topic.discussion_ends_on: today() + timedelta(days=days)}).where(Topic.id == tid))


def _home(client, query=""):
    r = english(client).get("/" + query)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    return r


def _section(html, name):
    """The text of one section of the home page (figures, discussions, votes, projects)."""
    start = html.index(f'id="{name}"')
    return text_of(html[start:html.index("</section>", start)])


def test_open_discussions_come_closing_soonest_first(client, topics):
    later, _ = topics.create("discussing", title=f"Later {uuid.uuid4().hex[:6]}")
    sooner, _ = topics.create("discussing", title=f"Sooner {uuid.uuid4().hex[:6]}")
    proposed, _ = topics.create("proposed", title=f"Proposed {uuid.uuid4().hex[:6]}")
    _ends_on(later, 1)
    _ends_on(sooner, 0)
    text = _section(_home(client).text, "discussions")
    later_title, sooner_title = (topics_title(t) for t in (later, sooner))
    assert sooner_title in text and later_title in text
    assert text.index(sooner_title) < text.index(later_title)
    assert "Closes today" in text and "Closes in 1 day" in text
    assert topics_title(proposed) not in text  # only open discussions


def topics_title(tid):
    from consult.topics.tables import Topic

    return run(Topic.select(Topic.title).where(Topic.id == tid).first())["title"]


def test_projects_in_progress_show_deadline_latest_progress_and_overdue(client, topics):
    from consult.topics.projects import post_progress

    tid, _ = topics.create("implementing", title=f"Lamps {uuid.uuid4().hex[:6]}", deadline_days=-3)
    staff = viewer(topics.staff)
    run(post_progress(staff, tid, {"percent": "20", "note": "Ordered.", "on_date": str(today() - timedelta(days=2))}))
    run(post_progress(staff, tid, {"percent": "70", "note": "Half fitted.", "on_date": str(today())}))
    html = _home(client).text
    text = _section(html, "projects")
    assert "Parking project" in text  # the project sheet's title (tests' SHEET)
    row = text[text.index("Parking project"):]
    assert f"Deadline {(today() - timedelta(days=3)).isoformat()}" in row
    assert "70% done" in row and "20% done" not in row.split("Parking project")[1]
    assert "Overdue" in row
    assert f'href="/topics/{tid}"' in html


def test_open_votes_are_listed_and_drafts_are_not(client, new_client, make_user):
    from tests.http.test_voting import create_vote, open_vote

    staff = new_client()
    staff.login(make_user("staff"))
    title = f"Annual vote {uuid.uuid4().hex[:6]}"
    vote_id, _reps, _ids = open_vote(staff, make_user, title=title)
    draft_title = f"Draft vote {uuid.uuid4().hex[:6]}"
    create_vote(staff, title=draft_title)
    html = _home(client).text
    text = _section(html, "votes")
    assert title in text and "3 candidates" in text and "2 seats" in text
    assert draft_title not in html
    assert f'href="/votes/{vote_id}"' in html


def test_figures_count_this_years_topics_completed_projects_and_satisfaction(client, topics):
    from consult.home.queries import now_happening

    before = run(now_happening())["figures"]
    topics.create("proposed")
    after = run(now_happening())["figures"]
    assert after["topics_year"] == before["topics_year"] + 1
    text = _section(_home(client).text, "figures")
    assert f"{after['topics_year']} topics proposed in {today().year}" in text
    assert f"{after['completed']} projects completed" in text
    assert "satisfied" in text


def test_figures_satisfaction_is_the_share_of_satisfied_and_basically_satisfied(topics, make_user, community):
    """Against a place of its own, so the figure is exact: 2 of 3 ratings → 66.7 %."""
    from consult.home.queries import now_happening
    from consult.places.commands import create_place
    from consult.topics.projects import rate_topic
    from consult.topics.tables import Topic

    grid = run(create_place(None, community["community"], "grid-" + uuid.uuid4().hex[:6], "grid", 10))
    tid, _ = topics.create("evaluating")
    run(Topic.update({Topic.grid: grid}).where(Topic.id == tid))
    for value in ("satisfied", "basically_satisfied", "unsatisfied"):
        run(rate_topic(viewer(make_user("representative")), tid, value))
    path = run(_path_of(grid))
    figures = run(now_happening(path))["figures"]
    assert figures["ratings"] == 3 and figures["satisfaction"] == 66.7


async def _path_of(place_id):
    from consult.places.queries import tree

    return (await tree()).path_of(place_id)


def test_no_private_data_on_the_home_page(client, topics, make_user):
    """Authors' names and sign-in names (a phone number may be one) never reach the home page."""
    from consult.topics.discussion import add_comment

    author = make_user("resident", name=f"13{uuid.uuid4().int % 10**9:09d}")
    tid, _ = topics.create("discussing", author=author, title=f"Private {uuid.uuid4().hex[:6]}")
    _ends_on(tid, 0)
    commenter = make_user("resident")
    run(add_comment(viewer(commenter), tid, "A comment by a neighbour."))
    html = _home(client).text
    assert topics_title(tid) in html
    for private in (author, author.upper(), commenter, commenter.upper()):  # user names, display names
        assert private not in html


def test_the_home_page_is_cached_per_revision_and_a_write_shows_at_once(client, topics, monkeypatch):
    """A second view reads only the revision; a write changes the revision and the page."""
    from consult import db

    _home(client)
    counted = []
    engine_class = type(db.engine())
    real = engine_class.run_querystring

    async def counting(self, querystring, *args, **kwargs):
        counted.append(str(querystring)[:60])
        return await real(self, querystring, *args, **kwargs)

    monkeypatch.setattr(engine_class, "run_querystring", counting)
    _home(client)
    assert len(counted) <= 2, counted  # the content revision (and nothing else of substance)
    counted.clear()
    tid, _ = topics.create("discussing", title=f"Fresh {uuid.uuid4().hex[:6]}")
    _ends_on(tid, -1)  # ended yesterday: the first of the open discussions
    counted.clear()
    text = _section(_home(client).text, "discussions")
    assert topics_title(tid) in text and "Discussion time is over" in text
    # a miss: a handful of queries, not one per row (with the install's state for the first-run
    # gate and the tree of places, each read once per revision; the upcoming meetings are one
    # more list)
    assert len(counted) <= 11, "\n".join(counted)


def test_the_home_page_takes_a_place_and_refuses_an_unknown_one(client, topics, community):
    here, _ = topics.create("discussing", title=f"Here {uuid.uuid4().hex[:6]}")  # 幸福里社区
    _ends_on(here, 0)
    other = community["communities"]["和顺社区"]["id"]
    mine = community["community"]
    assert topics_title(here) in _section(_home(client, f"?place={mine}").text, "discussions")
    assert topics_title(here) in _section(_home(client, f"?place={community['street']}").text, "discussions")
    elsewhere = _home(client, f"?place={other}").text
    assert topics_title(here) not in elsewhere and "和顺社区" in text_of(elsewhere)
    assert english(client).get("/?place=999999").status_code == 404
    assert english(client).get("/?place=abc").status_code == 404


def test_a_place_shows_its_own_votes_those_above_and_the_whole_installs(client, new_client, make_user, community):
    from consult.voting.tables import Vote
    from tests.http.test_voting import open_vote

    staff = new_client()
    staff.login(make_user("staff"))
    ids = {}
    for key in ("street", "other", "none"):
        ids[key], _r, _c = open_vote(staff, make_user, title=f"{key} vote {uuid.uuid4().hex[:6]}")
    run(Vote.update({Vote.place: community["street"]}).where(Vote.id == ids["street"]))
    run(Vote.update({Vote.place: community["communities"]["和顺社区"]["id"]}).where(Vote.id == ids["other"]))
    html = _home(client, f"?place={community['community']}").text
    shown = _section(html, "votes")
    assert f'href="/votes/{ids["street"]}"' in html and f'href="/votes/{ids["none"]}"' in html
    assert f'href="/votes/{ids["other"]}"' not in html and "other vote" not in shown
