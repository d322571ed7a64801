"""The demo's work orders (issue 15 point 7): every state across the demo's departments
and levels, some overdue, one returned, one escalated twice, one escalated automatically,
times spread over weeks and consistent (each hop after the one before, acknowledgement
after dispatch); loading again adds nothing; the department accounts work their queue."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import run, text_of
from tests.http.test_topics_helpers import english


@pytest.fixture(scope="module")
def demo(app):
    from consult.demo import load_demo

    return run(load_demo())


def orders():
    from consult.workorders.tables import WorkOrder

    return run(WorkOrder.select().order_by(WorkOrder.id))


def hops_by_order():
    from consult.workorders.tables import WorkOrderEvent as E

    out: dict[int, list[dict]] = {}
    for r in run(E.select().order_by(E.id)):
        out.setdefault(r["work_order"], []).append(r)
    return out


def test_the_demo_has_orders_in_every_state_across_levels_and_departments(demo):
    from consult.places.tables import Department
    from consult.workorders.lifecycle import OrderState

    assert "Demo work orders" in demo and "demo_dept_property" in demo
    rows = orders()
    assert {r["state"] for r in rows} == {s.value for s in OrderState}
    names = {r["id"]: r["name"] for r in run(Department.select(Department.id, Department.name))}
    assert {names[r["handler_department"]] for r in rows if r["handler_department"]} == {
        "幸福里物业服务中心", "朝阳街道城管执法队", "区住房和城乡建设局"}
    hops = hops_by_order()
    actions = {oid: [h["action"] for h in hs] for oid, hs in hops.items()}
    assert any(a.count("escalate") == 2 for a in actions.values())  # community → street → district
    assert any("send_back" in a for a in actions.values())
    assert any("auto_escalate" in a for a in actions.values())
    assert any("close_unrated" in a for a in actions.values())
    assert any(r["round"] == 2 and r["state"] == "closed" for r in rows)
    assert {r["rating"] for r in rows} >= {"satisfied", "basically_satisfied"}


def test_some_demo_orders_are_overdue_and_the_times_are_spread_and_consistent(demo):
    now = datetime.now(timezone.utc)
    rows = orders()
    overdue = [r for r in rows if r["state"] in ("acknowledged", "handling") and r["deadline"] < now]
    assert len(overdue) >= 2
    created = sorted(r["created_at"] for r in rows)
    assert created[-1] - created[0] > timedelta(days=28)
    for r in rows:
        if r["acknowledged_at"] is not None:
            assert r["dispatched_at"] <= r["acknowledged_at"], r["title"]
        if r["replied_at"] is not None and r["acknowledged_at"] is not None:
            assert r["acknowledged_at"] <= r["replied_at"], r["title"]
        if r["closed_at"] is not None:
            assert r["created_at"] < r["closed_at"] <= now, r["title"]
    for oid, hops in hops_by_order().items():
        times = [h["at"] for h in hops]
        assert times == sorted(times), oid
    waits = {r["acknowledged_at"] - r["dispatched_at"] for r in rows if r["acknowledged_at"] and r["round"] == 1}
    assert len(waits) >= 3  # different speeds: the medians mean something


def test_the_demo_loads_once_and_its_department_accounts_see_their_queue(demo, client):
    from consult.accounts.demo import DEMO_PASSWORD
    from consult.demo import load_demo

    before = len(orders())
    assert "already loaded" in run(load_demo())
    assert len(orders()) == before
    english(client)
    r = client.login("demo_dept_property", DEMO_PASSWORD)
    assert r.headers["location"] == "/department/orders"
    page = text_of(client.get("/department/orders").text)
    assert "幸福里物业服务中心" in page and ("left" in page or "overdue" in page)
