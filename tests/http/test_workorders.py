"""Work orders (issue 15 points 1, 2, 3, 6): opened from a topic or as a plain service
request, dispatched to a department with a deadline, escalated (吹哨) to the level above,
acknowledged, sent back within the window, replied, rated (不满意: round + 1 back to the
same department), escalated automatically when the 签收 clock runs out; every hop on the
public timeline; the wrong role, the wrong place and the wrong department are refused
and change nothing."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import PASSWORD, run, text_of, user_id
from tests.http.test_topics_helpers import Topics, english, today, viewer


def departments():
    from consult.places.tables import Department

    return {r["name"]: r["id"] for r in run(Department.select(Department.name, Department.id))}


PROPERTY, STREET_TEAM, DISTRICT_BUREAU = "幸福里物业服务中心", "朝阳街道城管执法队", "区住房和城乡建设局"


@pytest.fixture
def topics(make_user, community):
    return Topics(make_user, community)


@pytest.fixture
def person(app, community):
    """Someone living in 幸福里社区 (or ``community_name``) with ``roles`` at ``place``."""
    from consult.accounts.services import create_user

    def make(*roles, place=None, community_name="幸福里社区"):
        name = f"w{uuid.uuid4().hex[:8]}"
        grids = community["grids"] if community_name == "幸福里社区" else community["communities"][community_name]["grids"]
        run(create_user(name, PASSWORD, list(roles), display_name=name.upper(), grid_id=grids[0], place_id=place))
        return name

    return make


@pytest.fixture
def member(person):
    """A person working in the department named ``name``."""
    from consult.workorders.tables import DepartmentMember

    def make(name):
        username = person()
        run(DepartmentMember.insert(DepartmentMember(user=user_id(username), department=departments()[name])))
        return username

    return make


def order_row(order_id):
    from consult.workorders.tables import WorkOrder

    return run(WorkOrder.select().where(WorkOrder.id == order_id).first())


def hops(order_id):
    from consult.workorders.tables import WorkOrderEvent

    return [r["action"] for r in run(WorkOrderEvent.select(WorkOrderEvent.action)
                                     .where(WorkOrderEvent.work_order == order_id).order_by(WorkOrderEvent.id))]


def act(username, order_id, action, now=None, **form):
    from consult.workorders import commands

    return run(commands.act(viewer(username), order_id, action, form, now=now))


# The clock as people say it: singular or plural by the time of day the suite runs (an
# acknowledge clock of 2 working hours reads "1 hour left" at 09:13).
CLOCK = re.compile(r"\b\d+ (minutes?|hours?|days?) left\b")


def deadline(days=10):
    return (today() + timedelta(days=days)).isoformat()


def new_order(topics, community_staff):
    from consult.workorders import commands

    tid, author = topics.create("proposed")
    return run(commands.create_from_topic(viewer(community_staff), tid)), author, tid


def test_a_topic_order_goes_to_a_department_is_acknowledged_replied_and_rated(topics, person, member, community):
    staff = person("staff")
    oid, author, _tid = new_order(topics, staff)
    row = order_row(oid)
    assert (row["state"], row["holder_place"], row["round"]) == ("at_level", community["community"], 1)
    worker = member(PROPERTY)
    assert act(staff, oid, "dispatch", department=str(departments()[PROPERTY]), deadline=deadline()) == "dispatched"
    row = order_row(oid)
    assert row["holder_department"] == departments()[PROPERTY] and row["holder_place"] is None
    assert row["sent_by"] == community["community"] and row["ack_due_at"] is not None
    assert act(worker, oid, "acknowledge") == "acknowledged"
    assert act(worker, oid, "reply", result="The lights are repaired.") == "replied"
    assert act(author, oid, "rate", rating="unsatisfied") == "dispatched"  # 二次办理
    row = order_row(oid)
    assert (row["round"], row["holder_department"], row["acknowledged_at"]) == (2, departments()[PROPERTY], None)
    act(worker, oid, "acknowledge")
    act(worker, oid, "reply", result="Repaired again, checked at night.")
    assert act(author, oid, "rate", rating="satisfied") == "closed"
    assert order_row(oid)["closed_at"] is not None
    assert hops(oid) == ["create", "dispatch", "acknowledge", "reply", "rate", "acknowledge", "reply", "rate"]


def test_escalation_goes_up_and_the_street_dispatches_to_its_own_department(topics, person, member, community):
    staff, street_staff = person("staff"), person("staff", place=community["street"])
    oid, _author, _ = new_order(topics, staff)
    assert act(staff, oid, "escalate", reason="Needs the enforcement team of the street.") == "at_level"
    assert order_row(oid)["holder_place"] == community["street"]
    # the community no longer holds it
    with pytest.raises(Exception) as refused:
        act(staff, oid, "dispatch", department=str(departments()[PROPERTY]), deadline=deadline())
    assert getattr(refused.value, "code", "") == "not_here"
    act(street_staff, oid, "dispatch", department=str(departments()[STREET_TEAM]), deadline=deadline())
    assert order_row(oid)["holder_department"] == departments()[STREET_TEAM]


def snapshot(order_id):
    from consult.workorders.tables import WorkOrderEvent

    return order_row(order_id), run(WorkOrderEvent.count().where(WorkOrderEvent.work_order == order_id))


def test_wrong_role_wrong_place_and_wrong_department_are_refused_and_change_nothing(
        topics, person, member, community, client):
    staff = person("staff")
    oid, author, _ = new_order(topics, staff)
    other_staff = person("staff", community_name="和顺社区")  # staff of another community
    resident = person("resident")
    before = snapshot(oid)
    # wrong place: staff, but of another community
    client.login(other_staff)
    r = client.post(f"/work-orders/{oid}/act/escalate", {"reason": "Not mine to move."})
    assert r.status_code == 403 and "not held by a place or department you serve" in english(client).post(
        f"/work-orders/{oid}/act/escalate", {"reason": "Not mine to move."}).text
    # wrong role: a resident may not dispatch
    client.login(resident)
    assert client.post(f"/work-orders/{oid}/act/dispatch",
                       {"department": str(departments()[PROPERTY]), "deadline": deadline()}).status_code == 403
    assert snapshot(oid) == before
    # wrong department: a worker of the street's team may not acknowledge the property's order
    act(staff, oid, "dispatch", department=str(departments()[PROPERTY]), deadline=deadline())
    before = snapshot(oid)
    client.login(member(STREET_TEAM))
    r = client.post(f"/work-orders/{oid}/act/acknowledge", {})
    assert r.status_code == 403
    assert snapshot(oid) == before
    # a department of another level (the district's bureau is not below the community)
    order2, _, _ = new_order(topics, staff)
    client.login(staff)
    r = client.post(f"/work-orders/{order2}/act/dispatch",
                    {"department": str(departments()[DISTRICT_BUREAU]), "deadline": deadline()})
    assert r.status_code == 400 and 'id="dispatch-e-deadline"' not in r.text and 'id="e-department"' in r.text
    assert order_row(order2)["state"] == "at_level"


def test_bad_input_re_renders_the_form_at_the_field(topics, person, client):
    staff = person("staff")
    oid, _, _ = new_order(topics, staff)
    english(client).login(staff)
    r = client.post(f"/work-orders/{oid}/act/escalate", {"reason": ""})
    assert r.status_code == 400 and 'id="escalate-e-reason"' in r.text and "This field is required." in r.text
    assert order_row(oid)["state"] == "at_level" and hops(oid) == ["create"]


def test_send_back_within_the_window_returns_to_the_sender_and_not_after(topics, person, member, community):
    staff = person("staff")
    oid, _, _ = new_order(topics, staff)
    worker = member(PROPERTY)
    act(staff, oid, "dispatch", department=str(departments()[PROPERTY]), deadline=deadline())
    assert act(worker, oid, "send_back", reason="Not ours: the pipe belongs to the water company.") == "at_level"
    assert order_row(oid)["holder_place"] == community["community"]
    act(staff, oid, "dispatch", department=str(departments()[PROPERTY]), deadline=deadline())
    late = datetime.now(timezone.utc) + timedelta(days=8)
    with pytest.raises(Exception) as refused:
        act(worker, oid, "send_back", now=late, reason="Too late to send it back.")
    assert getattr(refused.value, "code", "") == "return_window"
    assert order_row(oid)["state"] == "dispatched"


def test_a_missed_acknowledgement_escalates_to_the_level_above_and_notifies_both(topics, person, member, community):
    from consult.notifications.tables import Notification
    from consult.workorders.escalation import escalate_missed_acknowledgements

    staff, street_staff = person("staff"), person("staff", place=community["street"])
    oid, _, _ = new_order(topics, staff)
    worker = member(PROPERTY)
    act(staff, oid, "dispatch", department=str(departments()[PROPERTY]), deadline=deadline())
    due = order_row(oid)["ack_due_at"]
    assert run(escalate_missed_acknowledgements(due - timedelta(minutes=1))) == 0
    assert order_row(oid)["state"] == "dispatched"
    assert run(escalate_missed_acknowledgements(due + timedelta(minutes=1))) >= 1
    row = order_row(oid)
    assert (row["state"], row["holder_place"], row["holder_department"]) == ("at_level", community["street"], None)
    assert hops(oid)[-1] == "auto_escalate"
    told = {r["user"] for r in run(Notification.select(Notification.user).where(
        Notification.link == f"/work-orders/{oid}"))}
    assert {user_id(worker), user_id(street_staff)} <= told


def test_the_public_page_shows_every_hop_with_level_and_department_names_and_no_private_data(
        topics, person, member, community, client, new_client):
    staff = person("staff")
    oid, author, tid = new_order(topics, staff)
    act(staff, oid, "escalate", reason="Needs the enforcement team of the street.")
    street_staff = person("staff", place=community["street"])
    act(street_staff, oid, "dispatch", department=str(departments()[STREET_TEAM]), deadline=deadline(3))
    visitor = english(new_client())
    text = text_of(visitor.get(f"/work-orders/{oid}").text)
    assert "幸福里社区 escalated it to 朝阳街道." in text
    assert "朝阳街道 dispatched it to 朝阳街道城管执法队." in text
    assert "Needs the enforcement team of the street." in text
    assert CLOCK.search(text), "the order's clock"
    assert author not in text and author.upper() not in text and staff.upper() not in text
    topic_text = text_of(visitor.get(f"/topics/{tid}").text)  # the same hops on the topic's timeline
    assert "幸福里社区 escalated it to 朝阳街道." in topic_text and "Needs the enforcement team of the street." in topic_text
    assert f"Work order {oid}" in topic_text and staff.upper() not in topic_text
    assert "<form" not in visitor.get(f"/work-orders/{oid}").text.split('id="order-timeline"')[0].split("</dl>")[1]


def test_the_queue_sorts_by_time_left_and_says_the_clock(topics, person, member, client, new_client):
    staff = person("staff")
    worker = member(PROPERTY)
    first, _, _ = new_order(topics, staff)
    second, _, _ = new_order(topics, staff)
    act(staff, first, "dispatch", department=str(departments()[PROPERTY]), deadline=deadline(20))
    act(staff, second, "dispatch", department=str(departments()[PROPERTY]), deadline=deadline(2))
    act(worker, first, "acknowledge")
    act(worker, second, "acknowledge")
    english(client).login(worker)
    html = client.get("/department/orders").text
    assert html.index(f'id="order-{second}"') < html.index(f'id="order-{first}"')
    assert CLOCK.search(text_of(html)), "the clock"
    other = english(new_client())
    other.login(person("resident"))
    page = other.get("/department/orders").text
    assert "You do not work in a department" in page, text_of(page)


def test_staff_enter_a_service_request_and_the_requester_page_is_public(person, client, community):
    staff = person("staff")
    english(client).login(staff)
    r = client.post("/work-orders/new", {"title": "Streetlight out", "description": "The lamp at gate 3 is dark.",
                                          "category": str(community["categories"]["facilities"]),
                                          "grid": str(community["grids"][0])})
    assert r.status_code == 303
    oid = int(r.headers["location"].rsplit("/", 1)[1])
    assert order_row(oid)["topic"] is None and order_row(oid)["state"] == "at_level"
    bad = client.post("/work-orders/new", {"title": "x", "description": "", "category": "0", "grid": "0"})
    assert bad.status_code == 400 and 'id="e-title"' in bad.text and 'id="e-grid"' in bad.text
    other = person("staff", community_name="和顺社区")
    client.login(other)
    r = client.post("/work-orders/new", {"title": "Streetlight out", "description": "The lamp at gate 3 is dark.",
                                          "category": str(community["categories"]["facilities"]),
                                          "grid": str(community["grids"][0])})
    assert r.status_code == 400  # a grid of another community is no choice for them


def test_a_topic_gets_one_open_order_and_only_from_its_own_level(topics, person, client):
    tid, _ = topics.create("proposed")
    english(client).login(person("staff", community_name="和顺社区"))
    assert client.post(f"/topics/{tid}/work-order").status_code == 403
    assert 'id="open-work-order"' not in client.get(f"/topics/{tid}").text
    client.login(person("committee"))
    assert 'id="open-work-order"' in client.get(f"/topics/{tid}").text
    assert client.post(f"/topics/{tid}/work-order").status_code == 303
    assert client.post(f"/topics/{tid}/work-order").status_code == 409


def test_an_admin_attaches_a_person_to_a_department(person, client):
    from consult.workorders.tables import DepartmentMember

    admin, worker = person("admin"), person()
    dep = departments()[PROPERTY]
    english(client).login(admin)
    assert client.post(f"/admin/departments/{dep}/members", {"username": worker}).status_code == 303
    assert run(DepartmentMember.exists().where(DepartmentMember.user == user_id(worker)))
    assert worker in client.get(f"/admin/departments/{dep}/members").text
    r = client.post(f"/admin/departments/{dep}/members", {"username": "no-such-person"})
    assert r.status_code == 400 and 'id="e-username"' in r.text
    assert client.post(f"/admin/departments/{dep}/members/remove", {"user": str(user_id(worker))}).status_code == 303
    assert not run(DepartmentMember.exists().where(DepartmentMember.user == user_id(worker)))
