"""Work orders, issue 15 point 5: the public scoreboard per department and per place, with
each formula beside its figure; the same figures at /api/v1/stats/departments and in CSV;
every order's public fields at /api/v1/work-orders, from which this test recomputes every
figure by hand; orders judged unreasonable are left out; writes bump the content revision."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from statistics import median

import pytest

from tests.conftest import run, text_of
from tests.http.test_topics_helpers import english, viewer
from tests.http.test_workorders import (  # noqa: F401 (fixtures)
    PROPERTY, STREET_TEAM, departments, member, new_order, person, topics,
)

T0 = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=30)


def at(days=0, hours=0, minutes=0):
    return T0 + timedelta(days=days, hours=hours, minutes=minutes)


def act(username, oid, action, when, **form):
    from consult.workorders import commands

    return run(commands.act(viewer(username), oid, action, form, now=when))


def day(when, plus):
    from consult.workorders.calendar import LOCAL

    return (when.astimezone(LOCAL).date() + timedelta(days=plus)).isoformat()


@pytest.fixture(scope="module")
def scenario(app, community):
    """Five orders: two of the property office (one in time and 满意, one late and 不满意),
    one escalated to the street, sent back once and now overdue, one never dispatched, and
    one judged unreasonable (left out)."""
    from consult.accounts.services import create_user
    from consult.workorders import commands, review_commands
    from consult.workorders.tables import DepartmentMember
    from tests.conftest import PASSWORD, user_id
    from tests.http.test_topics_helpers import Topics
    import uuid

    def someone(*roles, place=None):
        name = f"s{uuid.uuid4().hex[:8]}"
        run(create_user(name, PASSWORD, list(roles), display_name=name.upper(), grid_id=community["grids"][0],
                        place_id=place))
        return name

    def worker(dep):
        name = someone()
        run(DepartmentMember.insert(DepartmentMember(user=user_id(name), department=departments()[dep])))
        return name

    staff, street, street2 = someone("staff"), someone("staff", place=community["street"]), \
        someone("staff", place=community["street"])
    prop, team = worker(PROPERTY), worker(STREET_TEAM)
    topics_ = Topics(lambda *a, **k: someone(*(a or ("resident",))), community)

    def order():
        tid, author = topics_.create("proposed")
        return run(commands.create_from_topic(viewer(staff), tid, now=at())), author

    dep = departments()
    a, author_a = order()
    act(staff, a, "dispatch", at(), department=str(dep[PROPERTY]), deadline=day(at(), 5))
    act(prop, a, "acknowledge", at(minutes=1))
    act(prop, a, "reply", at(days=2), result="Repaired the lamp.")
    act(author_a, a, "rate", at(days=3), rating="satisfied")
    b, author_b = order()
    act(staff, b, "dispatch", at(), department=str(dep[PROPERTY]), deadline=day(at(), 1))
    act(prop, b, "acknowledge", at(days=2))  # late
    act(prop, b, "reply", at(days=4), result="Cleared the drain.")  # after the deadline
    act(author_b, b, "rate", at(days=5), rating="basically_satisfied")
    c, _author_c = order()
    act(staff, c, "escalate", at(), reason="Needs the street's enforcement team.")
    act(street, c, "dispatch", at(hours=1), department=str(dep[STREET_TEAM]), deadline=day(at(), 3))
    act(team, c, "send_back", at(hours=2), reason="Not ours: parking belongs to the property.")
    act(street, c, "dispatch", at(hours=3), department=str(dep[STREET_TEAM]), deadline=day(at(), 3))
    act(team, c, "acknowledge", at(hours=3, minutes=30))  # open, its deadline long past: overdue
    d, _author_d = order()  # at the community, never dispatched
    e, author_e = order()
    act(staff, e, "dispatch", at(), department=str(dep[PROPERTY]), deadline=day(at(), 2))
    act(prop, e, "acknowledge", at(days=1))
    act(prop, e, "reply", at(days=1, hours=2), result="Explained the rules.")
    act(author_e, e, "rate", at(days=2), rating="unsatisfied")
    run(review_commands.propose_unreasonable(viewer(staff), e, {"reason": "Asks for a private parking space."}))
    run(review_commands.decide_unreasonable(viewer(street2), e, {"decision": "approve", "confirm": "yes",
                                                                 "reason": "Not a public matter."}))
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def parse(value):
    return datetime.fromisoformat(value) if value else None


def recompute(rows, now):
    """The scoreboard's figures from the open data, by hand."""
    keep = [r for r in rows if not r["excluded"]]
    times = [{k: parse(r[k]) if k.endswith("_at") or k == "deadline" else r[k] for k in r} for r in keep]
    dispatched = [r for r in times if r["dispatched_at"]]
    in_time = [r for r in dispatched if r["acknowledged_at"] and r["acknowledged_at"] <= r["ack_due_at"]]
    due = [r for r in times if r["deadline"] and (r["resolved_at"] or r["deadline"] <= now)]
    resolved = [r for r in due if r["resolved_at"] and r["resolved_at"] <= r["deadline"]]
    rated = [r for r in times if r["rating"]]
    good = [r for r in rated if r["rating"] in ("satisfied", "basically_satisfied")]
    open_states = {"at_level", "dispatched", "acknowledged", "handling"}
    overdue = [r for r in times if r["state"] in open_states and r["deadline"] and r["deadline"] < now]
    acks = [(r["acknowledged_at"] - r["dispatched_at"]).total_seconds() for r in dispatched if r["acknowledged_at"]]
    resolves = [(r["resolved_at"] - r["created_at"]).total_seconds() for r in times if r["resolved_at"]]

    def pct(part, whole):
        if not whole:
            return "—"
        tenths = (Fraction(len(part), len(whole)) * 1000 + Fraction(1, 2)).__floor__()
        return f"{tenths // 10}.{tenths % 10}" if tenths % 10 else str(tenths // 10)

    def hours(values):
        if not values:
            return "—"
        tenths = (Fraction(median(values)) / 360 + Fraction(1, 2)).__floor__()
        return f"{tenths // 10}.{tenths % 10}" if tenths % 10 else str(tenths // 10)

    return {"orders": len(keep), "dispatched": len(dispatched), "acknowledged_in_time": len(in_time),
            "due": len(due), "resolved_in_time": len(resolved), "rated": len(rated), "satisfied": len(good),
            "overdue": len(overdue), "returned": sum(r["returned"] for r in keep),
            "response_rate": pct(in_time, dispatched), "resolution_rate": pct(resolved, due),
            "satisfaction_rate": pct(good, rated), "median_hours_to_acknowledge": hours(acks),
            "median_hours_to_resolve": hours(resolves)}


def test_every_figure_recomputed_by_hand_from_the_open_data(scenario, client, community):
    rows = client.get("/api/v1/work-orders").json()
    ours = {r["id"]: r for r in rows if r["id"] in scenario.values()}
    assert len(ours) == 5
    assert ours[scenario["e"]]["excluded"] and not ours[scenario["a"]]["excluded"]
    assert ours[scenario["c"]]["returned"] == 1 and ours[scenario["c"]]["department_name"] == STREET_TEAM
    for r in rows:  # public fields only: no person
        assert not {"requester", "created_by", "actor", "author", "result", "description"} & r.keys()
    now = datetime.now(timezone.utc)
    board = client.get("/api/v1/stats/departments").json()
    expected = recompute(rows, now)
    assert {k: board["total"][k] for k in expected} == expected
    for dep in board["departments"]:
        mine = [r for r in rows if r["department"] == dep["id"]]
        assert dep["figures"] == {**dep["figures"], **recompute(mine, now)}, dep["name"]
    # the scenario's own figures, as a person would read them
    prop = next(d for d in board["departments"] if d["name"] == PROPERTY)["figures"]
    assert (prop["dispatched"], prop["acknowledged_in_time"], prop["response_rate"]) == (2, 1, "50")
    assert (prop["due"], prop["resolved_in_time"], prop["resolution_rate"]) == (2, 1, "50")
    assert (prop["rated"], prop["satisfied"], prop["satisfaction_rate"]) == (2, 2, "100")
    team = next(d for d in board["departments"] if d["name"] == STREET_TEAM)["figures"]
    assert (team["returned"], team["overdue"], team["resolution_rate"]) == (1, 1, "0")
    assert team["satisfaction_rate"] == "—"  # nothing rated
    # per place: the street rolls up its communities
    street = client.get(f"/api/v1/stats/departments?place={community['district']}").json()
    assert [p["name"] for p in street["places"]] == ["朝阳街道"]
    assert street["places"][0]["figures"] == street["total"]


def test_the_page_writes_each_formula_beside_its_figure_and_links_the_open_data(scenario, client):
    page = english(client).get("/work-orders/scoreboard")
    assert page.status_code == 200
    words = text_of(page.text)
    board = client.get("/api/v1/stats/departments").json()["total"]
    assert "acknowledged in time ÷ dispatched" in words
    assert f"{board['acknowledged_in_time']} ÷ {board['dispatched']}" in words
    assert "(satisfied + basically satisfied) ÷ rated" in words
    assert "replied by the deadline ÷ due" in words
    assert PROPERTY in words and STREET_TEAM in words
    assert 'href="/api/v1/work-orders' in page.text and 'href="/work-orders/scoreboard.csv' in page.text
    zh = text_of(client.get("/work-orders/scoreboard", headers={"Cookie": "lang=zh-CN"}).text)
    assert "响应率" in zh


def test_the_csv_has_the_same_figures_with_chinese_headers(scenario, new_client):
    r = new_client().get("/work-orders/scoreboard.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert "响应率" in "".join(table[0])
    board = new_client().get("/api/v1/stats/departments").json()
    prop = next(row for row in table if row[1] == PROPERTY)
    figures = next(d for d in board["departments"] if d["name"] == PROPERTY)["figures"]
    assert prop[6] == figures["response_rate"] and prop[9] == figures["resolution_rate"]


def test_an_approved_exclusion_leaves_the_rates_and_the_cache_sees_every_write(scenario, client, community):
    from consult.cache import content_revision
    from consult.workorders import review_commands
    from consult.accounts.services import create_user
    from tests.conftest import PASSWORD
    import uuid

    first = client.get("/api/v1/stats/departments").json()["total"]
    rev = run(content_revision())
    names = []
    for place in (None, community["street"]):
        names.append(f"x{uuid.uuid4().hex[:8]}")
        run(create_user(names[-1], PASSWORD, ["staff"], display_name="X", grid_id=community["grids"][0],
                        place_id=place))
    run(review_commands.record_follow_up(viewer(names[0]), scenario["a"],
                                         {"channel": "call", "outcome": "resolved", "reason": "after_reply"}))
    assert run(content_revision()) > rev
    run(review_commands.propose_unreasonable(viewer(names[0]), scenario["b"], {"reason": "Unreasonable demand."}))
    run(review_commands.decide_unreasonable(viewer(names[1]), scenario["b"],
                                            {"decision": "approve", "reason": "Agreed.", "confirm": "yes"}))
    after = client.get("/api/v1/stats/departments").json()["total"]
    assert after["orders"] == first["orders"] - 1 and after["rated"] == first["rated"] - 1


def test_a_period_and_an_unknown_place(scenario, client):
    assert client.get("/api/v1/stats/departments?period=month").status_code == 200
    old = client.get("/api/v1/stats/departments?from=2001-01-01&to=2001-12-31").json()["total"]
    assert old["orders"] == 0 and old["response_rate"] == "—" and old["median_hours_to_resolve"] == "—"
    assert client.get("/api/v1/stats/departments?period=decade").status_code == 400
    assert client.get("/api/v1/stats/departments?place=999999").status_code == 404
    assert client.get("/work-orders/scoreboard?place=999999").status_code == 404
    assert client.get("/work-orders/scoreboard?period=decade&from=bad").status_code == 200


def test_the_dashboard_and_the_work_order_list_link_the_scoreboard(scenario, client, community):
    from tests.conftest import PASSWORD  # noqa: F401
    assert 'href="/work-orders/scoreboard' in client.get("/dashboard").text
    from consult.accounts.services import create_user
    import uuid

    name = f"l{uuid.uuid4().hex[:8]}"
    run(create_user(name, PASSWORD, ["staff"], display_name="L", grid_id=community["grids"][0]))
    client.login(name)
    assert 'href="/work-orders/scoreboard"' in client.get("/work-orders").text


def test_the_medians_come_from_sql_not_from_rows_read_into_python(scenario, client, monkeypatch):
    """Issue 15 point 5: every figure is an SQL aggregate, the medians too (window
    functions over exact microsecond durations), so the scoreboard never loads the orders."""
    from consult.workorders import scoreboard

    query = "/api/v1/stats/departments?from=2000-01-03"  # a scope no other test has cached
    rows = client.get("/api/v1/work-orders?from=2000-01-03").json()

    def refuse(*_args, **_kwargs):
        raise AssertionError("the scoreboard read every order into Python")

    monkeypatch.setattr(scoreboard, "order_rows", refuse)
    board = client.get(query).json()
    expected = recompute(rows, datetime.now(timezone.utc))
    assert {k: board["total"][k] for k in expected} == expected
    assert board["total"]["median_hours_to_acknowledge"] != "—"


def test_a_stored_time_reads_as_its_exact_microseconds_on_either_engine(scenario):
    from consult.workorders.scoreboard import _microseconds
    from consult.workorders.tables import WorkOrder

    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    was = run(WorkOrder.select(WorkOrder.created_at).where(WorkOrder.id == scenario["d"]).first())["created_at"]
    run(WorkOrder.update({WorkOrder.created_at: datetime(2026, 3, 12, 9, 30, 5, 999_974, tzinfo=timezone.utc)})
        .where(WorkOrder.id == scenario["d"]))
    try:
        rows = run(WorkOrder.raw(f"SELECT id, created_at, {_microseconds('created_at')} AS us FROM work_order"))
    finally:  # the module's scenario stays as the other tests know it
        run(WorkOrder.update({WorkOrder.created_at: was}).where(WorkOrder.id == scenario["d"]))
    assert len(rows) >= 5
    for r in rows:
        created = r["created_at"]
        if isinstance(created, str):
            created = datetime.fromisoformat(created)
        if created.tzinfo is None:
            created = created.replace(tzinfo=timezone.utc)
        assert int(r["us"]) == (created - epoch) // timedelta(microseconds=1), r
    mine = next(r for r in rows if r["id"] == scenario["d"])
    assert int(mine["us"]) == 1773307805_999974  # strftime alone rounds .9995 up a second
