"""The dashboard on a database with places and categories but no topic yet: every
figure says "no data yet" and nothing fails (its own module, so its own database)."""

from __future__ import annotations

from tests.conftest import text_of

FIGURES = ["fig-category-grid", "fig-months", "fig-durations", "fig-overdue", "fig-satisfaction", "fig-top"]


def test_empty_database_shows_no_data_yet_for_every_figure(client, community):
    client.tc.cookies.set("lang", "en")
    r = client.get("/dashboard")
    assert r.status_code == 200
    html = r.text
    for fig in FIGURES:
        start = html.index(f'id="{fig}"')
        end = html.find("</section>", start)
        assert "No data yet." in html[start:end], fig
    # two medians and two satisfaction breakdowns: 8 figures in all
    assert html.count("No data yet.") == 8
    assert "<svg" not in html
    assert "0 topics" in text_of(html)


def test_empty_database_api_and_csv(client, community):
    body = client.get("/api/v1/stats").json()
    assert body["topics"] == 0
    assert body["topics_by_category_grid"] == [] and body["opened_per_month"] == []
    assert body["days_to_screening"] == {"median_days": None, "topics": 0}
    assert body["days_project_to_closing"] == {"median_days": None, "topics": 0}
    assert body["overdue"] == {"open_projects": 0, "overdue": 0, "share_percent": None}
    assert body["satisfaction_by_round"] == [] and body["satisfaction_by_category"] == []
    assert body["most_seconded_open"] == []
    assert client.get("/api/v1/stats?year=2024").json()["opened_per_month"][0] == {"month": "2024-01", "topics": 0}
    r = client.get("/topics.csv")
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    assert len(r.content.decode("utf-8-sig").strip().splitlines()) == 1  # the header only


def test_dashboard_with_htmx_on_an_empty_database(client, community):
    r = client.get("/dashboard?year=2020", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.text
