"""Work orders (issue 15 points 1, 2, 3, 6): opened from a topic or as a plain service
request, dispatched to a department with a deadline, escalated (吹哨) to the level above,
acknowledged, sent back within the window, replied, rated (不满意: round + 1 back to the
same department), escalated automatically when the 签收 clock runs out; every hop on the
public timeline; the wrong role, the wrong place and the wrong department are refused
and change nothing."""

from __future__ import annotations

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
    assert act(staff, oid, "escalate", reason="Needs the street's enforcement team.") == "at_level"
    assert order_row(oid)["holder_place"] == community["street"]
    # the community no longer holds it
    with pytest.raises(Exception) as refused:
        act(staff, oid, "dispatch", department=str(departments()[PROPERTY]), deadline=deadline())
    assert getattr(refused.value, "code", "") == "not_here"
    act(street_staff, oid, "dispatch", department=str(departments()[STREET_TEAM]), deadline=deadline())
    assert order_row(oid)["holder_department"] == departments()[STREET_TEAM]
