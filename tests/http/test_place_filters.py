"""Everything filters by place and rolls up (issue 13 point 3): the topic list, its CSV,
/api/v1/topics, the dashboard and /api/v1/stats take ``place=<id>`` at any level and include
everything below it; ``grid=`` still works; an unknown place is a 404, never an empty list;
a street's (district's) dashboard compares its communities side by side, from one query.

The data set (inserted straight into the tables; A street 朝阳街道 of three communities,
and one more street 东湖街道 of the same district with one community):

    X1 幸福里 第一网格  Xa proposed     2025-03-01 (not screened: waiting since long ago)
    X2 幸福里 第二网格  Xb implementing 2024, deadline 2024-06-30 (overdue)
    X1                  Xc closed       2024, ratings 3 satisfied + 1 unsatisfied
    H1 和顺 第一网格    Ha project      2024, deadline 2099-12-31
    H2 和顺 第二网格    Hb evaluating   2024, deadline 2024-01-01 (overdue), ratings 1 basically + 1 unsatisfied
    H1                  Hc rejected     2024
    (新风社区: no topics)
    O1 东湖街道 · 湖滨社区 · 第一网格  Oa discussing 2024
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from tests.conftest import PASSWORD, run, text_of, user_id

SH = timezone(timedelta(hours=8))


def at(y, m, d):
    return datetime(y, m, d, 9, tzinfo=SH)


async def _insert(users, grids, cats) -> dict[str, int]:
    from consult.topics.tables import ProjectSheet, Topic, TopicRating

    ids = {}

    async def topic(key, grid, state, created, deadline=None, ratings=()):
        row = Topic(title=f"{key} 话题 {grid}", description="A description long enough.", category=cats["parking"],
                    grid=grids[grid], author=users[0], state=state, created_at=created, updated_at=created)
        await row.save()
        ids[key] = row.id
        if deadline:
            await ProjectSheet.insert(ProjectSheet(topic=row.id, title="Sheet", scope="Scope.", estimated_cost=100,
                                                   responsible_unit="Unit", responsible_person="Wu",
                                                   deadline=deadline, funding_route="community"))
        if ratings:
            await TopicRating.insert(*[TopicRating(topic=row.id, user=u, round=1, value=v)
                                       for u, v in zip(users[1:], ratings)])

    await topic("Xa", "X1", "proposed", at(2025, 3, 1))
    await topic("Xb", "X2", "implementing", at(2024, 3, 1), deadline=date(2024, 6, 30))
    await topic("Xc", "X1", "closed", at(2024, 4, 1), deadline=date(2024, 5, 1),
                ratings=["satisfied"] * 3 + ["unsatisfied"])
    await topic("Ha", "H1", "project", at(2024, 5, 1), deadline=date(2099, 12, 31))
    await topic("Hb", "H2", "evaluating", at(2024, 6, 1), deadline=date(2024, 1, 1),
                ratings=["basically_satisfied", "unsatisfied"])
    await topic("Hc", "H1", "rejected", at(2024, 7, 1))
    await topic("Oa", "O1", "discussing", at(2024, 8, 1))
    return ids


@pytest.fixture(scope="module")
def data(app, community):
    from consult.accounts.services import create_user
    from consult.places.commands import create_place

    other_street = run(create_place(None, community["district"], "东湖街道", "street"))
    other_community = run(create_place(None, other_street, "湖滨社区", "community"))
    o1 = run(create_place(None, other_community, "第一网格", "grid", 100))
    heshun = community["communities"]["和顺社区"]
    grids = {"X1": community["grids"][0], "X2": community["grids"][1], "H1": heshun["grids"][0],
             "H2": heshun["grids"][1], "O1": o1}
    users = []
    for i in range(5):
        name = f"pf{i}"
        run(create_user(name, PASSWORD, ["resident"], display_name=name.upper(), grid_id=grids["X1"]))
        users.append(user_id(name))
    ids = run(_insert(users, grids, community["categories"]))
    return {"ids": ids, "grids": grids, "street": community["street"], "district": community["district"],
            "xingfu": community["community"], "heshun": heshun["id"],
            "xinfeng": community["communities"]["新风社区"]["id"], "other_street": other_street,
            "other_community": other_community}


def api_ids(client, query: str) -> set[int]:
    r = client.get("/api/v1/topics?" + query)
    assert r.status_code == 200, r.text
    return {t["id"] for t in r.json()["items"]}


def keys(data, *names) -> set[int]:
    return {data["ids"][n] for n in names}


EVERY = ("Xa", "Xb", "Xc", "Ha", "Hb", "Hc", "Oa")


def test_a_place_at_any_level_includes_everything_below_it(client, data):
    assert api_ids(client, "") == keys(data, *EVERY)
    assert api_ids(client, f"place={data['district']}") == keys(data, *EVERY)
    assert api_ids(client, f"place={data['street']}") == keys(data, "Xa", "Xb", "Xc", "Ha", "Hb", "Hc")
    assert api_ids(client, f"place={data['other_street']}") == keys(data, "Oa")
    assert api_ids(client, f"place={data['heshun']}") == keys(data, "Ha", "Hb", "Hc")
    assert api_ids(client, f"place={data['xinfeng']}") == set()  # a place with no topics: an empty list
    assert api_ids(client, f"place={data['grids']['H1']}") == keys(data, "Ha", "Hc")
    # the other filters still narrow within the place
    assert api_ids(client, f"place={data['street']}&state=evaluating") == keys(data, "Hb")
    assert api_ids(client, f"place={data['street']}&flag=overdue") == keys(data, "Xb", "Hb")
    page = client.get(f"/api/v1/topics?place={data['street']}").json()
    assert page["total"] == 6


def test_grid_is_still_read_as_the_old_name_of_place(client, data):
    assert api_ids(client, f"grid={data['grids']['H1']}") == keys(data, "Ha", "Hc")
    assert api_ids(client, f"grid={data['heshun']}") == keys(data, "Ha", "Hb", "Hc")
    assert api_ids(client, f"place={data['heshun']}&grid={data['grids']['X1']}") == keys(data, "Ha", "Hb", "Hc")


@pytest.mark.parametrize("path", ["/topics", "/topics.csv", "/api/v1/topics", "/dashboard", "/api/v1/stats"])
def test_an_unknown_place_is_a_404_not_an_empty_list(client, data, path):
    client.tc.cookies.set("lang", "en")
    for name in ("place", "grid"):
        r = client.get(f"{path}?{name}=987654")
        assert r.status_code == 404, (path, name, r.status_code)
        if path.startswith("/api/"):
            assert r.json()["detail"] == "There is no place 987654."
        else:
            assert "There is no place 987654." in text_of(r.text)


def test_the_list_cache_is_keyed_on_the_place(client, data):
    """Two places read at the same content revision get their own rows and totals."""
    for _ in range(2):
        assert api_ids(client, f"place={data['xingfu']}") == keys(data, "Xa", "Xb", "Xc")
        assert api_ids(client, f"place={data['heshun']}") == keys(data, "Ha", "Hb", "Hc")
        assert client.get(f"/api/v1/topics?place={data['other_community']}").json()["total"] == 1


def test_the_csv_takes_the_place_and_names_each_grid_with_its_community(client, data):
    r = client.get(f"/topics.csv?place={data['street']}")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 6
    grid_column = rows[0].index("网格")
    by_id = {int(row[0]): row for row in rows[1:]}
    assert by_id[data["ids"]["Ha"]][grid_column] == "和顺社区 · 第一网格"
    assert by_id[data["ids"]["Xa"]][grid_column] == "幸福里社区 · 第一网格"


def test_the_list_page_offers_the_tree_as_one_place_select(client, data):
    client.tc.cookies.set("lang", "en")
    html = client.get(f"/topics?place={data['heshun']}").text
    assert 'name="grid"' not in html  # one spelling: the grid select became the place select
    select = re.search(r'<select id="f-place" name="place">(.*?)</select>', html, re.S).group(1)
    options = re.findall(r'<option value="(\d*)"\s*(selected)?>([^<]*)</option>', select)
    assert options[0][0] == "" and options[0][2] == "All places"
    texts = {int(v): (bool(sel), text) for v, sel, text in options[1:]}
    assert texts[data["heshun"]] == (True, "朝阳街道 · 和顺社区")
    assert texts[data["grids"]["H1"]] == (False, "和顺社区 · 第一网格")
    assert texts[data["district"]][1] == "和平区"
    order = [int(v) for v, _s, _t in options[1:]]
    assert order.index(data["street"]) < order.index(data["xingfu"]) < order.index(data["grids"]["X1"]) \
        < order.index(data["heshun"]) < order.index(data["other_street"])
    # the rows name each grid with its community
    assert "和顺社区 · 第一网格" in html and f'href="/topics/{data["ids"]["Xa"]}"' not in html


def test_stats_roll_up_and_take_grid_as_the_old_name(client, data):
    def topics(query):
        r = client.get("/api/v1/stats?" + query)
        assert r.status_code == 200, r.text
        return r.json()

    assert topics("")["topics"] == 7
    assert topics(f"place={data['district']}")["topics"] == 7
    street = topics(f"place={data['street']}")
    assert street["topics"] == 6 and street["place_id"] == data["street"] and street["grid_id"] is None
    assert street["overdue"] == {"open_projects": 3, "overdue": 2, "share_percent": 66.7}
    heshun = topics(f"place={data['heshun']}")
    assert heshun["topics"] == 3 and heshun["communities"] == []  # a community compares nothing
    grid = topics(f"grid={data['grids']['H1']}")
    assert grid["topics"] == 2 and grid["grid_id"] == data["grids"]["H1"] == grid["place_id"]
    assert {c["grid"] for c in street["topics_by_category_grid"]} == {
        "幸福里社区 · 第一网格", "幸福里社区 · 第二网格", "和顺社区 · 第一网格", "和顺社区 · 第二网格"}
    assert client.get("/api/v1/stats?place=abc").status_code == 400


def _row(place_id, name, households, topics, open_topics, unanswered, open_projects, overdue, closed,
         ratings, rate):
    return {"place_id": place_id, "name": name, "households": households, "topics": topics,
            "open_topics": open_topics, "unanswered": unanswered, "open_projects": open_projects,
            "overdue": overdue, "closed": closed, "ratings": ratings, "satisfaction_percent": rate}


def test_a_street_compares_its_communities_side_by_side(client, data):
    rows = client.get(f"/api/v1/stats?place={data['street']}").json()["communities"]
    x, h, n = 420 + 386 + 512 + 298, 356 + 402 + 318, 275 + 331
    assert rows == [
        _row(data["xingfu"], "幸福里社区", x, 3, 2, 1, 1, 1, 1, 4, 75.0),
        _row(data["heshun"], "和顺社区", h, 3, 2, 0, 2, 1, 0, 2, 50.0),
        _row(data["xinfeng"], "新风社区", n, 0, 0, 0, 0, 0, 0, 0, None),
    ]
    # a district: every community below it, each with its street; the year narrows the topics
    district = client.get(f"/api/v1/stats?place={data['district']}").json()["communities"]
    assert [r["name"] for r in district] == ["朝阳街道 · 幸福里社区", "朝阳街道 · 和顺社区", "朝阳街道 · 新风社区",
                                             "东湖街道 · 湖滨社区"]
    assert district[3]["topics"] == 1 and district[3]["open_topics"] == 1 and district[3]["households"] == 100
    in_2025 = client.get(f"/api/v1/stats?place={data['street']}&year=2025").json()["communities"]
    assert [(r["topics"], r["unanswered"], r["ratings"]) for r in in_2025] == [(1, 1, 0), (0, 0, 0), (0, 0, 0)]
    # the whole install compares every community
    assert len(client.get("/api/v1/stats").json()["communities"]) == 4


def test_the_comparison_is_one_query_grouped_by_community(data, monkeypatch):
    import consult.dashboard.queries as queries
    from consult.dashboard.domain import StatsFilters

    seen = []
    real = queries._raw

    async def counting(sql, *args):
        seen.append(sql)
        return await real(sql, *args)

    monkeypatch.setattr(queries, "_raw", counting)
    filters = run(queries.resolved(StatsFilters(place=data["district"])))
    rows = run(queries.community_comparison(filters))
    assert len(rows) == 4 and len(seen) == 1 and "GROUP BY c.id" in seen[0]


def test_the_dashboard_page_shows_the_comparison_and_the_place_select(client, data):
    client.tc.cookies.set("lang", "en")
    html = client.get(f"/dashboard?place={data['street']}").text
    table = re.search(r'<table id="communities-table"[^>]*>(.*?)</table>', html, re.S).group(1)
    row = re.search(rf'<tr id="community-{data["heshun"]}">(.*?)</tr>', table, re.S).group(1)
    assert text_of(row).split() == ["和顺社区", "1076", "3", "2", "0", "2", "1", "0", "2", "50.0%"]
    assert f'href="/dashboard?place={data["heshun"]}"' in row  # each row opens that community's dashboard
    assert f'<option value="{data["street"]}" selected>' in html
    assert "Communities side by side" in html
    community_page = client.get(f"/dashboard?place={data['heshun']}").text
    assert "communities-table" not in community_page
    assert "3 topics" in text_of(community_page) and "朝阳街道 · 和顺社区" in community_page
    # the CSV and list links keep the place
    assert f'/topics.csv?place={data["heshun"]}' in community_page
    assert f'/topics?place={data["heshun"]}' in community_page


def test_the_dashboard_page_in_chinese(client, data):
    client.tc.cookies.set("lang", "zh_CN")
    html = client.get(f"/dashboard?place={data['street']}").text
    assert "各社区对比" in html and "全部地点" in html
