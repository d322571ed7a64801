"""The data dashboard, /api/v1/stats and /topics.csv on a small fixed data set.

The data set (inserted straight into the tables, so that every timestamp is known;
times are Asia/Shanghai). d = days to screening (first step out of "proposed").

    T1 2024-01-05 grid A parking    closed       d=2    project 2024-02-01 10:00 -> closed 2024-03-16 10:00 (44 days)
                                                        round 1 ratings: 3 satisfied, 1 basic, 1 unsatisfied; 6 seconds
    T2 2024-01-20 grid B parking    rejected     d=0.5
    T3 2024-02-10 grid A elevator   evaluating   d=4    deadline 2024-06-30 (overdue); round 2
                                                        round 1: 1 satisfied, 4 unsatisfied; round 2: 2 satisfied, 1 basic; 1 second
    T4 2024-02-15 grid B sanitation evaluating   d=1    deadline 2099-12-31; round 1: 2 basic, 1 unsatisfied
    T5 2025-03-03 grid A sanitation proposed     (not screened; took in T8: an "absorb" entry proposed->proposed); 3 seconds
    T6 2025-03-20 grid A parking    discussing   d=3    2 seconds; title starts with "=" (CSV injection check)
    T7 2025-04-01 grid B elevator   project      d=6    deadline 2099-12-31; 4 seconds
    T8 2025-01-01 00:30 grid B parking merged    d=10   (2024-12-31 16:30 UTC: year 2025 in Shanghai); 5 seconds

Hand-computed figures are in EXPECTED_* below.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from tests.conftest import run, text_of, user_id

SH = timezone(timedelta(hours=8))


def at(y, m, d, h=9, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=SH)


def english(client):
    client.tc.cookies.set("lang", "en")
    return client


async def _insert(users: list[int], grids: list[int], cats: dict[str, int]) -> dict[str, int]:
    from consult.topics.tables import ProjectSheet, Topic, TopicEvent, TopicRating, TopicSecond

    A, B = grids[0], grids[1]
    ids: dict[str, int] = {}

    async def topic(key, title, created, grid, cat, state, round_=1, merged_into=None):
        row = Topic(title=title, description="A description long enough.", category=cats[cat], grid=grid,
                    author=users[0], state=state, created_at=created, updated_at=created, round=round_,
                    merged_into=merged_into)
        await row.save()
        ids[key] = row.id
        await TopicEvent.insert(TopicEvent(topic=row.id, at=created, actor=users[0], action="propose",
                                           from_state="", to_state="proposed"))
        return row.id

    async def step(key, when, from_state, to_state, round_=1, action="step"):
        await TopicEvent.insert(TopicEvent(topic=ids[key], at=when, action=action, from_state=from_state,
                                           to_state=to_state, round=round_))

    async def sheet(key, deadline):
        await ProjectSheet.insert(ProjectSheet(topic=ids[key], title="Project sheet", scope="Scope of the project.",
                                               estimated_cost=1000, responsible_unit="Unit", responsible_person="Wu",
                                               deadline=deadline, funding_route="community"))

    async def seconds(key, n):
        await TopicSecond.insert(*[TopicSecond(topic=ids[key], user=u) for u in users[1:1 + n]])

    async def ratings(key, round_, values):
        await TopicRating.insert(*[TopicRating(topic=ids[key], user=u, round=round_, value=v)
                                   for u, v in zip(users[1:], values)])

    await topic("T1", "一号楼停车难", at(2024, 1, 5), A, "parking", "closed")
    await step("T1", at(2024, 1, 7), "proposed", "discussing")
    await step("T1", at(2024, 2, 1, 10), "discussing", "project")
    await step("T1", at(2024, 2, 5), "project", "implementing")
    await step("T1", at(2024, 3, 1), "implementing", "evaluating")
    await step("T1", at(2024, 3, 16, 10), "evaluating", "closed")
    await sheet("T1", date(2024, 4, 1))
    await seconds("T1", 6)
    await ratings("T1", 1, ["satisfied"] * 3 + ["basically_satisfied", "unsatisfied"])

    await topic("T2", "Parking on the lawn", at(2024, 1, 20), B, "parking", "rejected")
    await step("T2", at(2024, 1, 20, 21), "proposed", "rejected")

    await topic("T3", "电梯加装 Building 3", at(2024, 2, 10), A, "elevator", "evaluating", round_=2)
    await step("T3", at(2024, 2, 14), "proposed", "discussing")
    await step("T3", at(2024, 3, 1), "discussing", "project")
    await step("T3", at(2024, 3, 5), "project", "implementing")
    await step("T3", at(2024, 4, 1), "implementing", "evaluating")
    await step("T3", at(2024, 4, 20), "evaluating", "implementing", round_=2)
    await step("T3", at(2024, 5, 1), "implementing", "evaluating", round_=2)
    await sheet("T3", date(2024, 6, 30))
    await seconds("T3", 1)
    await ratings("T3", 1, ["satisfied"] + ["unsatisfied"] * 4)
    await ratings("T3", 2, ["satisfied", "satisfied", "basically_satisfied"])

    await topic("T4", "Rubbish bins by gate 2", at(2024, 2, 15), B, "sanitation", "evaluating")
    await step("T4", at(2024, 2, 16), "proposed", "discussing")
    await step("T4", at(2024, 3, 10), "discussing", "project")
    await step("T4", at(2024, 3, 12), "project", "implementing")
    await step("T4", at(2024, 5, 1), "implementing", "evaluating")
    await sheet("T4", date(2099, 12, 31))
    await ratings("T4", 1, ["basically_satisfied", "basically_satisfied", "unsatisfied"])

    await topic("T5", "清理楼道杂物", at(2025, 3, 3), A, "sanitation", "proposed")
    await seconds("T5", 3)

    await topic("T6", "=SUM(1,2) 停车位", at(2025, 3, 20), A, "parking", "discussing")
    await step("T6", at(2025, 3, 23), "proposed", "discussing")
    await seconds("T6", 2)

    await topic("T7", "Lift for building 7", at(2025, 4, 1), B, "elevator", "project")
    await step("T7", at(2025, 4, 7), "proposed", "discussing")
    await step("T7", at(2025, 4, 20), "discussing", "project")
    await sheet("T7", date(2099, 12, 31))
    await seconds("T7", 4)

    await topic("T8", "Parking again", at(2025, 1, 1, 0, 30), B, "parking", "merged", merged_into=ids["T5"])
    await step("T8", at(2025, 1, 11, 0, 30), "proposed", "merged")
    await step("T5", at(2025, 1, 11, 0, 30), "proposed", "proposed", action="absorb")
    await seconds("T8", 5)
    return ids


@pytest.fixture(scope="module")
def data(app, community):
    from consult.accounts.services import create_user
    from tests.conftest import PASSWORD

    users = []
    for i in range(7):
        name = f"dash{i}"
        run(create_user(name, PASSWORD, ["resident"], display_name=name.upper(), grid_id=community["grids"][0]))
        users.append(user_id(name))
    ids = run(_insert(users, community["grids"], community["categories"]))
    return {"ids": ids, "A": community["grids"][0], "B": community["grids"][1]}


def stats(client, **params):
    r = client.get("/api/v1/stats", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def cells(body):
    return {(c["category"], c["grid_id"]): c["topics"] for c in body["topics_by_category_grid"]}


def months(body):
    return {m["month"]: m["topics"] for m in body["opened_per_month"]}


def rounds(body):
    return [(r["round"], r["satisfied"], r["basically_satisfied"], r["unsatisfied"], r["total"], r["rate_percent"])
            for r in body["satisfaction_by_round"]]


def by_category(body):
    return {c["category"]: (c["satisfied"], c["basically_satisfied"], c["unsatisfied"], c["total"], c["rate_percent"])
            for c in body["satisfaction_by_category"]}


def top(body, ids):
    names = {v: k for k, v in ids.items()}
    return [(names[t["id"]], t["seconds"]) for t in body["most_seconded_open"]]


# ------------------------------------------------------------------ the figures, through the API


def test_all_years_all_grids_match_the_hand_computed_figures(client, data):
    A, B, ids = data["A"], data["B"], data["ids"]
    body = stats(client)
    assert body["year"] is None and body["grid_id"] is None
    assert body["topics"] == 8
    assert cells(body) == {("parking", A): 2, ("parking", B): 2, ("elevator", A): 1, ("elevator", B): 1,
                           ("sanitation", A): 1, ("sanitation", B): 1}
    m = months(body)
    assert list(m)[0] == "2024-01" and list(m)[-1] == "2025-04" and len(m) == 16  # every month, zeros included
    assert {k: v for k, v in m.items() if v} == {"2024-01": 2, "2024-02": 2, "2025-01": 1, "2025-03": 2,
                                                   "2025-04": 1}
    # screening: 0.5, 1, 2, 3, 4, 6, 10 -> 3 (T5 never screened; its "absorb" entry is not a screening)
    assert body["days_to_screening"] == {"median_days": 3.0, "topics": 7}
    assert body["days_project_to_closing"] == {"median_days": 44.0, "topics": 1}
    # open projects T3 (past deadline), T4, T7
    assert body["overdue"] == {"open_projects": 3, "overdue": 1, "share_percent": 33.3}
    # round 1: T1 3/1/1 + T3 1/0/4 + T4 0/2/1 = 4/3/6 -> 7/13; round 2: T3 2/1/0 -> 3/3
    assert rounds(body) == [(1, 4, 3, 6, 13, 53.8), (2, 2, 1, 0, 3, 100.0)]
    assert by_category(body) == {"parking": (3, 1, 1, 5, 80.0), "elevator": (3, 1, 4, 8, 50.0),
                                 "sanitation": (0, 2, 1, 3, 66.7)}
    # closed T1 (6) and merged T8 (5) are not open; T4 has no seconds
    assert top(body, ids) == [("T7", 4), ("T5", 3), ("T6", 2), ("T3", 1)]
    assert body["most_seconded_open"][0]["url"] == f"/topics/{ids['T7']}"


def test_year_filter_uses_the_year_proposed_in_shanghai_time(client, data):
    A, B, ids = data["A"], data["B"], data["ids"]
    y2024 = stats(client, year=2024)
    assert y2024["year"] == 2024 and y2024["topics"] == 4
    assert cells(y2024) == {("parking", A): 1, ("parking", B): 1, ("elevator", A): 1, ("sanitation", B): 1}
    assert list(months(y2024)) == [f"2024-{m:02d}" for m in range(1, 13)]
    assert {k: v for k, v in months(y2024).items() if v} == {"2024-01": 2, "2024-02": 2}
    assert y2024["days_to_screening"] == {"median_days": 1.5, "topics": 4}  # 0.5, 1, 2, 4
    assert y2024["days_project_to_closing"] == {"median_days": 44.0, "topics": 1}
    assert y2024["overdue"] == {"open_projects": 2, "overdue": 1, "share_percent": 50.0}
    assert rounds(y2024) == [(1, 4, 3, 6, 13, 53.8), (2, 2, 1, 0, 3, 100.0)]
    assert top(y2024, ids) == [("T3", 1)]

    y2025 = stats(client, year=2025)
    assert y2025["topics"] == 4  # T8 was proposed at 00:30 on 1 January 2025 in Shanghai
    assert {k: v for k, v in months(y2025).items() if v} == {"2025-01": 1, "2025-03": 2, "2025-04": 1}
    assert y2025["days_to_screening"] == {"median_days": 6.0, "topics": 3}  # 3, 6, 10
    assert y2025["days_project_to_closing"] == {"median_days": None, "topics": 0}
    assert y2025["overdue"] == {"open_projects": 1, "overdue": 0, "share_percent": 0.0}
    assert y2025["satisfaction_by_round"] == [] and y2025["satisfaction_by_category"] == []
    assert top(y2025, ids) == [("T7", 4), ("T5", 3), ("T6", 2)]

    empty = stats(client, year=2023)
    assert empty["topics"] == 0 and empty["topics_by_category_grid"] == []
    assert [m["topics"] for m in empty["opened_per_month"]] == [0] * 12


def test_grid_filter_and_both_filters(client, data):
    A, B, ids = data["A"], data["B"], data["ids"]
    b = stats(client, grid=B)
    assert b["grid_id"] == B and b["topics"] == 4
    assert cells(b) == {("parking", B): 2, ("elevator", B): 1, ("sanitation", B): 1}
    assert b["days_to_screening"] == {"median_days": 3.5, "topics": 4}  # 0.5, 1, 6, 10
    assert b["days_project_to_closing"] == {"median_days": None, "topics": 0}
    assert b["overdue"] == {"open_projects": 2, "overdue": 0, "share_percent": 0.0}
    assert rounds(b) == [(1, 0, 2, 1, 3, 66.7)]
    assert top(b, ids) == [("T7", 4)]

    a2025 = stats(client, year=2025, grid=A)
    assert a2025["topics"] == 2
    assert a2025["days_to_screening"] == {"median_days": 3.0, "topics": 1}
    assert a2025["overdue"] == {"open_projects": 0, "overdue": 0, "share_percent": None}
    assert top(a2025, ids) == [("T5", 3), ("T6", 2)]


def test_sql_median_agrees_with_the_plain_median(data):
    from consult.dashboard import queries as services
    from consult.dashboard.domain import StatsFilters, median

    assert run(services.days_to_screening(StatsFilters())).median_days == median([0.5, 1, 2, 3, 4, 6, 10])
    assert run(services.days_to_screening(StatsFilters(year=2024))).median_days == median([0.5, 1, 2, 4])


def test_api_validates_its_parameters_and_is_in_the_openapi_schema(client, data):
    assert client.get("/api/v1/stats?year=abc").status_code == 400
    assert client.get("/api/v1/stats?year=1850").status_code == 400
    schema = client.get("/api/schema/openapi.json").json()
    op = schema["paths"]["/api/v1/stats"]["get"]
    assert {p["name"] for p in op["parameters"]} == {"year", "place", "grid"}  # grid: the old name of place
    components = schema["components"]["schemas"]
    stats_schema = next(v for k, v in components.items() if k.endswith("Stats"))
    assert {"topics_by_category_grid", "opened_per_month", "days_to_screening", "days_project_to_closing",
            "overdue", "satisfaction_by_round", "satisfaction_by_category", "most_seconded_open"} <= set(
        stats_schema["properties"])
    assert "/topics.csv" in schema["paths"]


# ------------------------------------------------------------------ the page


def section(html, fig_id):
    match = re.search(rf'<section[^>]*id="{fig_id}".*?</section>', html, re.S)
    assert match, fig_id
    return match.group(0)


def test_page_shows_tables_and_svg_charts_for_every_figure(client, data):
    english(client)
    r = client.get("/dashboard")
    assert r.status_code == 200
    html = r.text
    assert "style=" not in html  # the CSP forbids inline styles
    assert "<script" not in html.split("</head>", 1)[1]
    grid = section(html, "fig-category-grid")
    assert '<svg class="chart heatmap"' in grid and "<title" in grid and 'role="img"' in grid
    assert "Parking" in text_of(grid)
    rows = re.findall(r"<tr><th scope=\"row\">([^<]+)</th>((?:<td class=\"num\"[^>]*>\d+</td>)+)</tr>", grid)
    table = {name: [int(n) for n in re.findall(r">(\d+)<", tds)] for name, tds in rows}
    assert table["Parking"][:2] == [2, 2] and table["Parking"][-1] == 4
    assert table["Elevator retrofit"][:2] == [1, 1]
    assert table["Total"][-1] == 8
    assert "<polyline" in section(html, "fig-months")
    durations = text_of(section(html, "fig-durations"))
    assert "3.0 days" in durations and "44.0 days" in durations
    overdue = text_of(section(html, "fig-overdue"))
    assert "33.3%" in overdue
    sat = section(html, "fig-satisfaction")
    assert sat.count("<svg") == 2 and "53.8%" in sat and "100.0%" in sat and "66.7%" in sat
    top_html = section(html, "fig-top")
    assert top_html.index("Lift for building 7") < top_html.index("清理楼道杂物") < top_html.index("=SUM(1,2)")
    assert "No data yet." not in html


def test_page_filters_work_without_javascript_and_htmx_gets_only_the_figures(client, data):
    english(client)
    r = client.get(f"/dashboard?year=2025&grid={data['B']}")
    assert r.status_code == 200
    html = r.text
    assert "<html" in html and '<option value="2025" selected' in html
    assert f'<option value="{data["B"]}" selected' in html
    assert "No data yet." in section(html, "fig-satisfaction")
    assert "No data yet." in text_of(section(html, "fig-durations"))  # nothing closed in 2025
    assert "8.0 days" in text_of(section(html, "fig-durations"))  # T7 6 and T8 10
    part = client.get(f"/dashboard?year=2025&grid={data['B']}", headers={"HX-Request": "true"})
    assert part.status_code == 200 and "<html" not in part.text and part.text.lstrip().startswith("<div id=\"figures\"")
    assert "Vary" in part.headers and "HX-Request" in part.headers["Vary"]
    form = re.search(r"<form[^>]*action=\"/dashboard\"[^>]*>", html).group(0)
    assert 'method="get"' in form and 'hx-push-url="true"' in form and 'hx-target="#figures"' in form
    # junk in the query string is ignored, not an error
    assert client.get("/dashboard?year=abc&grid=x").status_code == 200


def test_page_is_chinese_by_default(client, data):
    client.tc.cookies.delete("lang") if "lang" in client.tc.cookies else None
    html = client.get("/dashboard").text
    assert "停车" in section(html, "fig-category-grid")


# ------------------------------------------------------------------ CSV


def read_csv(response):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_lists_every_matching_topic_with_the_public_list_filters(client, data):
    english(client)
    ids = data["ids"]
    rows = read_csv(client.get("/topics.csv"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["ID", "Title", "State"] and header[-1] == "Link"
    assert len(body) == 8
    by_id = {int(r[0]): r for r in body}
    assert by_id[ids["T1"]][1] == "一号楼停车难" and by_id[ids["T1"]][2] == "completed"
    assert by_id[ids["T6"]][1] == "'=SUM(1,2) 停车位"  # never a formula in a spreadsheet
    assert by_id[ids["T3"]][header.index("Overdue")] == "yes"
    assert by_id[ids["T3"]][header.index("Project deadline")] == "2024-06-30"
    assert by_id[ids["T8"]][header.index("Proposed at")] == "2025-01-01 00:30"
    assert by_id[ids["T7"]][header.index("Seconds")] == "4"
    assert by_id[ids["T7"]][-1].endswith(f"/topics/{ids['T7']}")

    grid_b = read_csv(client.get(f"/topics.csv?grid={data['B']}"))[1:]
    assert {int(r[0]) for r in grid_b} == {ids["T2"], ids["T4"], ids["T7"], ids["T8"]}
    parking = read_csv(client.get("/topics.csv?category=parking&state=discussing"))[1:]
    assert [int(r[0]) for r in parking] == [ids["T6"]]
    overdue = read_csv(client.get("/topics.csv?flag=overdue"))[1:]
    assert [int(r[0]) for r in overdue] == [ids["T3"]]
    by_seconds = read_csv(client.get("/topics.csv?sort=seconds"))[1:]
    assert [int(r[0]) for r in by_seconds[:3]] == [ids["T1"], ids["T8"], ids["T7"]]
    found = read_csv(client.get("/topics.csv?q=楼道"))[1:]
    assert [int(r[0]) for r in found] == [ids["T5"]]


def test_csv_header_is_chinese_by_default(client, data):
    client.tc.cookies.delete("lang") if "lang" in client.tc.cookies else None
    from consult.web import i18n

    rows = read_csv(client.get("/topics.csv?state=closed"))
    token = i18n.set_locale("zh_CN")
    try:
        completed = i18n.gettext("completed")  # the topics feature's label, from the shared catalog
    finally:
        i18n._locale.reset(token)
    assert rows[0][1] == "标题" and rows[1][2] == completed


def test_the_figures_are_read_once_per_revision_and_a_write_shows_at_once(client, make_user, community, monkeypatch):
    """The dashboard's aggregates are shared per content revision: a repeat view runs a
    tiny query, and a new topic (a new revision) is counted at once."""
    from consult import db
    from consult.dashboard import queries
    from consult.dashboard.domain import StatsFilters
    from consult.topics import commands
    from tests.http.test_topics_helpers import viewer

    before = run(queries.stats(StatsFilters())).topics
    counted = []
    engine_class = type(db.engine())
    real = engine_class.run_querystring

    async def counting(self, querystring, *args, **kwargs):
        counted.append(str(querystring)[:60])
        return await real(self, querystring, *args, **kwargs)

    monkeypatch.setattr(engine_class, "run_querystring", counting)
    assert run(queries.stats(StatsFilters())).topics == before
    assert len(counted) <= 3, counted  # the revision (and the tree, cached too): no aggregate
    run(commands.propose_topic(viewer(make_user("resident")), "A new topic to count", "A description long enough.",
                               "parking", community["grids"][0]))
    assert run(queries.stats(StatsFilters())).topics == before + 1


def test_the_page_is_rendered_once_per_revision_language_and_filters(client, make_user, community, monkeypatch):
    """The filter form and the figures are shared HTML: a repeat view renders no block and
    reads no choices, another language or another filter renders its own, and a write (a
    new revision) shows at once."""
    from consult.dashboard import queries
    from consult.topics import commands
    from consult.web import fragments
    from tests.http.test_topics_helpers import viewer

    rendered, chosen = [], []
    real_render, real_choices = fragments.render_block, queries.choices

    def counting_render(env, template, block, context):
        rendered.append((template, block))
        return real_render(env, template, block, context)

    async def counting_choices(*args, **kwargs):
        chosen.append(args)
        return await real_choices(*args, **kwargs)

    monkeypatch.setattr(fragments, "render_block", counting_render)
    monkeypatch.setattr(queries, "choices", counting_choices)
    client.tc.cookies.set("lang", "en")
    first = client.get("/dashboard?year=2026")
    assert first.status_code == 200 and rendered == [("dashboard/_figures.html", "filters"),
                                                       ("dashboard/_figures.html", "figures")]
    again = client.get("/dashboard?year=2026")
    assert again.text == first.text and len(rendered) == 2 and len(chosen) == 1
    assert client.get("/dashboard?year=2026", headers={"HX-Request": "true"}).status_code == 200
    assert len(rendered) == 2  # the htmx swap is the same cached figures block
    client.tc.cookies.set("lang", "zh_CN")
    assert "全部地点" in client.get("/dashboard?year=2026").text and len(rendered) == 4
    client.get(f"/dashboard?place={community['grids'][0]}")
    assert len(rendered) == 6
    count = re.search(r"(\d+) 个议题|(\d+) topics?", client.get("/dashboard").text)
    run(commands.propose_topic(viewer(make_user("resident")), "One more topic to count", "A description long enough.",
                               "parking", community["grids"][0]))
    after = re.search(r"(\d+) 个议题|(\d+) topics?", client.get("/dashboard").text)
    assert count and after and int(after.group(1) or after.group(2)) == int(count.group(1) or count.group(2)) + 1
    client.tc.cookies.delete("lang")


def test_a_rate_below_the_threshold_is_marked_in_words_not_only_by_colour(client, data):
    english(client)
    sat = section(client.get("/dashboard").text, "fig-satisfaction")
    low = re.findall(r'<rect class="bar low"[^>]*></rect>\s*<text class="value"[^>]*>([^<]+)</text>', sat)
    assert low and all(v.endswith("▼") for v in low)
    assert "▼ marks a rate below the threshold" in text_of(sat)
