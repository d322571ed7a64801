"""The public list (问题清单) and the open-data API: filters, sorts, pagination, search,
counts in one query per page; the contracts the annual vote relies on; the demo data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import run, text_of, user_id
from tests.http.test_topics_helpers import Topics, events, state_of, topic_row, viewer


@pytest.fixture
def topics(make_user, community):
    return Topics(make_user, community)


def ids(client, url):
    return [item["id"] for item in client.get(url).json()["items"]]


def test_list_filters_by_state_category_grid_and_search(client, topics):
    tag = "Zebra"
    a, _ = topics.create(title=f"{tag} crossing at gate", category="safety", grid=0)
    b, _ = topics.create("discussing", title=f"Quiet hours {tag.lower()}", category="neighbours", grid=1)
    c, _ = topics.create(title="Nothing to see", description=f"The {tag.upper()} stripes are gone.", grid=2)
    found = ids(client, f"/api/v1/topics?q={tag.lower()}")
    assert set(found) == {a, b, c}  # case-insensitive, title and description
    assert ids(client, f"/api/v1/topics?q={tag}&state=discussing") == [b]
    assert ids(client, f"/api/v1/topics?q={tag}&category=safety") == [a]
    grid2 = topic_row(c)["grid"]
    assert ids(client, f"/api/v1/topics?q={tag}&grid={grid2}") == [c]
    assert ids(client, "/api/v1/topics?q=100%25") == []  # LIKE wildcards are literal
    page = client.get(f"/topics?q={tag}&state=discussing")
    assert page.status_code == 200 and "Quiet hours" in page.text and "crossing at gate" not in page.text
    # unknown filter values are ignored, not errors
    assert client.get("/topics?state=bogus&sort=sideways&grid=x&page=-3").status_code == 200


def test_sorts_newest_most_seconded_and_nearest_deadline(client, topics, make_user):
    from consult.topics import discussion

    tag = "Sortcheck"
    first, _ = topics.create(title=f"{tag} one")
    second, _ = topics.create(title=f"{tag} two")
    soon, _ = topics.create("implementing", title=f"{tag} three", deadline_days=5)
    later, _ = topics.create("implementing", title=f"{tag} four", deadline_days=50)
    for _ in range(2):
        run(discussion.second_topic(viewer(make_user("resident")), first))
    assert ids(client, f"/api/v1/topics?q={tag}")[:2] == [later, soon]
    assert ids(client, f"/api/v1/topics?q={tag}&sort=seconds")[0] == first
    assert ids(client, f"/api/v1/topics?q={tag}&sort=deadline")[:2] == [soon, later]
    assert client.get(f"/api/v1/topics?q={tag}&sort=seconds").json()["items"][0]["seconds"] == 2


def test_pagination_and_total(client, topics):
    tag = "Pagetest"
    made = [topics.create(title=f"{tag} {i}")[0] for i in range(23)]
    one = client.get(f"/api/v1/topics?q={tag}").json()
    two = client.get(f"/api/v1/topics?q={tag}&page=2").json()
    assert (one["total"], len(one["items"]), one["has_next"]) == (23, 20, True)
    assert (len(two["items"]), two["has_next"]) == (3, False)
    assert set(i["id"] for i in one["items"] + two["items"]) == set(made)
    html = client.get(f"/topics?q={tag}")
    assert 'rel="next"' in html.text and "page=2" in html.text


def test_list_counts_come_from_one_query_per_page(topics, make_user, monkeypatch):
    from consult import db
    from consult.topics import discussion, queries

    for i in range(5):
        tid, _ = topics.create("discussing", title=f"Onequery {i}")
        run(discussion.second_topic(viewer(make_user("resident")), tid))
    engine_class = type(db.engine())
    calls = []
    original = engine_class.run_querystring

    async def counting(self, querystring, *args, **kwargs):
        calls.append(str(querystring)[:60])
        return await original(self, querystring, *args, **kwargs)

    monkeypatch.setattr(engine_class, "run_querystring", counting)
    result = run(queries.list_topics(queries.TopicFilters(q="Onequery"), 1))
    assert len(result["rows"]) == 5 and all(r["seconds"] == 1 for r in result["rows"])
    assert result["total"] == 5
    # the content revision, one query for the page's rows with all their counts, one for
    # the total: never one per row
    assert len(calls) == 3 and "content_revision" in calls[0], calls
    calls.clear()
    one = run(queries.list_topics(queries.TopicFilters(q="Onequery 3"), 1))
    assert len(one["rows"]) == 1 and len(calls) == 3, calls
    calls.clear()
    # nothing changed since: only the revision is read, the rest comes from the cache
    again = run(queries.list_topics(queries.TopicFilters(q="Onequery 3"), 1))
    assert again["rows"] == one["rows"] and len(calls) == 1, calls


def test_htmx_filter_returns_only_the_results_and_the_history_restore_gets_the_page(client, topics):
    topics.create(title="Htmx list item")
    r = client.get("/topics?q=Htmx", headers={"hx-request": "true"})
    assert r.status_code == 200 and r.text.lstrip().startswith('<section id="results"')
    assert r.headers["HX-Push-Url"] == "/topics?q=Htmx"  # the address bar follows the filters
    restore = client.get("/topics?q=Htmx", headers={"hx-request": "true", "hx-history-restore-request": "true"})
    assert restore.text.lstrip().lower().startswith("<!doctype html>")
    page = client.get("/topics")
    assert 'hx-push-url="true"' in page.text and 'method="get" action="/topics"' in page.text


def test_the_filter_form_is_rendered_once_per_revision_language_and_filters(client, community, monkeypatch):
    """At 100,000 topics the place select is hundreds of options: a repeat view renders no
    form and reads no choices; another language or filter renders its own; a new place (a
    new revision) appears at once; the form keeps showing what each request asked for."""
    from consult.places import commands as place_commands
    from consult.topics import queries
    from consult.web import fragments

    rendered, chosen = [], []
    real_render, real_choices = fragments.render_block, queries.filter_choices

    def counting_render(env, template, block, context):
        rendered.append((template, block))
        return real_render(env, template, block, context)

    async def counting_choices(*args, **kwargs):
        chosen.append(args)
        return await real_choices(*args, **kwargs)

    monkeypatch.setattr(fragments, "render_block", counting_render)
    monkeypatch.setattr(queries, "filter_choices", counting_choices)
    forms = lambda: [r for r in rendered if r == ("topics/_filters.html", "filters")]  # noqa: E731
    client.tc.cookies.set("lang", "en")
    first = client.get("/topics?state=discussing")
    assert first.status_code == 200 and len(forms()) == 1 and len(chosen) == 1
    assert '<option value="discussing" selected>' in first.text
    again = client.get("/topics?state=discussing")
    assert again.text.count("<option") == first.text.count("<option") and len(forms()) == 1 and len(chosen) == 1
    other = client.get("/topics?state=proposed")
    assert '<option value="proposed" selected>' in other.text and '<option value="discussing" selected>' not in other.text
    assert len(forms()) == 2
    client.tc.cookies.set("lang", "zh_CN")
    assert "全部地点" in client.get("/topics?state=proposed").text and len(forms()) == 3
    run(place_commands.create_place(None, community["community"], "新建的第九网格", "grid"))
    assert "新建的第九网格" in client.get("/topics?state=proposed").text and len(forms()) == 4
    client.tc.cookies.delete("lang")


def test_topic_page_shows_everything_to_a_visitor(client, topics, make_user):
    from consult.topics import projects

    tid, _ = topics.create("implementing", title="Everything visible")
    run(projects.post_progress(viewer(topics.staff), tid, {"percent": "55", "note": "Half way there."}))
    page = client.get(f"/topics/{tid}")
    assert page.status_code == 200
    text = text_of(page.text)
    for fact in ("Everything visible", "A description that is long enough.", "Parking project", "120,000",
                 "Half way there.", "55%", "办理进程", "实施中", "开始实施"):
        assert fact in text, fact
    assert client.get("/topics/999999").status_code == 404
    assert client.get("/api/v1/topics/999999").status_code == 404


def test_api_detail_has_timeline_sheet_progress_and_tallies_and_is_in_the_schema(client, topics):
    tid, _ = topics.create("evaluating")
    data = client.get(f"/api/v1/topics/{tid}").json()
    assert data["state"] == "evaluating" and data["project"]["estimated_cost"] == 120000
    steps = [(e["from_state"], e["to_state"]) for e in data["timeline"]]
    assert steps == [("", "proposed"), ("proposed", "discussing"), ("discussing", "project"),
                     ("project", "implementing"), ("implementing", "evaluating")]
    assert all(e["actor"] for e in data["timeline"])
    schema = client.get("/api/schema/openapi.json").json()
    assert "/api/v1/topics" in schema["paths"] and "/api/v1/topics/{topic_id}" in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/v1/topics"]["get"]["parameters"]}
    assert {"q", "state", "category", "grid", "flag", "sort", "page"} <= params


def test_category_names_follow_the_language(client, topics):
    tid, _ = topics.create(title="Language check", category="elevator")
    assert "电梯加装" in client.get(f"/topics/{tid}").text
    client.tc.cookies.set("lang", "en")
    page = client.get(f"/topics/{tid}").text
    assert "Elevator retrofit" in page and "电梯加装" not in page


# ---------------------------------------------------------------- contracts with the annual vote


def test_annual_vote_projects_lists_vote_route_projects_with_support(topics, make_user):
    from consult.topics import clock, commands, discussion, queries

    vote_route, _ = topics.create("discussing", title="Vote route project")
    run(discussion.second_topic(viewer(make_user("resident")), vote_route))
    supporter = viewer(make_user("resident"))
    run(discussion.set_stance(supporter, vote_route, "support"))
    run(commands.form_project(viewer(topics.committee), vote_route, {
        "consensus_summary": "Agreed to ask for the vote.", "title": "Sheet title", "scope": "The whole north side.",
        "estimated_cost": "250000", "responsible_unit": "Street office", "responsible_person": "Liu",
        "deadline": (clock.local_today() + timedelta(days=90)).isoformat(), "funding_route": "annual_vote"}))
    community_route, _ = topics.create("project", funding_route="community")
    rows = {r["id"]: r for r in run(queries.annual_vote_projects())}
    assert vote_route in rows and community_route not in rows
    assert rows[vote_route] == {"id": vote_route, "title": "Sheet title", "scope": "The whole north side.",
                                "estimated_cost": 250000, "support": 2, "responsible_unit": "Street office",
                                "grid": topics.community["grids"][0]}  # a vote takes the projects below its place


def test_apply_vote_outcome_inside_the_callers_transaction(topics, make_user):
    from consult import db
    from consult.accounts.tables import AuditEntry
    from consult.topics import commands

    elected, _ = topics.create("project", funding_route="annual_vote")
    lost, _ = topics.create("project", funding_route="annual_vote")
    stray, _ = topics.create("discussing")
    staff_id = user_id(topics.staff)

    async def publish_and_fail():
        async with db.transaction():
            await commands.apply_vote_outcome([elected], [lost], 42, staff_id)
            raise RuntimeError("the vote's own write failed")

    with pytest.raises(RuntimeError):
        run(publish_and_fail())
    assert state_of(elected) == state_of(lost) == "project"  # rolled back with the caller

    async def publish():
        async with db.transaction():
            await commands.apply_vote_outcome([elected, stray], [lost], 42, staff_id)

    run(publish())
    assert (state_of(elected), state_of(lost), state_of(stray)) == ("implementing", "not_elected", "discussing")
    last = events(elected)[-1]
    assert (last["action"], last["actor"], topic_row(elected)["vote_id"]) == ("elect", staff_id, 42)
    assert events(lost)[-1]["action"] == "mark_not_elected"
    skipped = run(AuditEntry.select().where(AuditEntry.action == "topic.vote_outcome_skipped"))
    assert [r["target_id"] for r in skipped] == [str(stray)]


# ---------------------------------------------------------------- demo


def test_demo_topics_cover_every_state_and_are_idempotent(app):
    from consult.accounts.demo import load_base
    from consult.topics import demo
    from consult.topics.lifecycle import TopicState
    from consult.topics.tables import Topic, TopicComment

    run(load_base())
    first = run(demo.load())
    assert "Demo topics" in first
    assert run(demo.load()) == ""
    states = {r["state"] for r in run(Topic.select(Topic.state))}
    assert {s.value for s in TopicState} <= states
    assert run(Topic.count().where((Topic.state == "closed") & (Topic.round == 2))) >= 1
    assert run(TopicComment.count().where(TopicComment.guidance == True)) >= 1  # noqa: E712
