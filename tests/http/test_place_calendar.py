"""The holiday calendar as a place setting (issue 15 point 3): staff of a place add and
remove days and upload a CSV file on the place's settings page (a bad row is reported by
its line number and nothing is imported); the places below inherit the days; the wrong
role and the wrong place are refused and change nothing; every change is audited; the
work-order clocks and the escalation job read the calendar of the order's place."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest

from tests.conftest import PASSWORD, run, text_of, user_id
from tests.http.test_topics_helpers import Topics, english, viewer

LOCAL_TZ = "Asia/Shanghai"


@pytest.fixture
def person(app, community):
    from consult.accounts.services import create_user

    def make(*roles, place=None, grid=None):
        name = f"c{uuid.uuid4().hex[:8]}"
        run(create_user(name, PASSWORD, list(roles), display_name=name.upper(), grid_id=grid or community["grids"][0],
                        place_id=place))
        return name

    return make


def days_of(place_id):
    from consult.places.tables import CalendarDay as C

    return {(r["day"].isoformat(), r["kind"], r["name"]) for r in run(C.select(C.day, C.kind, C.name).where(C.place == place_id))}


def audit_actions(place_id):
    from consult.accounts.tables import AuditEntry

    rows = run(AuditEntry.select(AuditEntry.action).where(
        (AuditEntry.target_type == "place") & (AuditEntry.target_id == str(place_id))).order_by(AuditEntry.id))
    return [r["action"] for r in rows]


def test_staff_add_and_remove_a_day_and_the_places_below_inherit_it(client, person, community):
    from consult.places import queries

    place = community["communities"]["和顺社区"]["id"]
    staff = person("staff", place=community["street"])
    english(client).login(staff)
    r = client.post(f"/staff/places/{place}/calendar", {"day": "2031-05-01", "kind": "holiday", "name": "劳动节"})
    assert r.status_code == 303, r.text
    assert days_of(place) == {("2031-05-01", "holiday", "劳动节")}
    grid = community["communities"]["和顺社区"]["grids"][0]
    held = run(queries.calendar_days(grid))
    assert held[date(2031, 5, 1)].name == "劳动节"  # inherited by the grid below
    page = text_of(client.get(f"/staff/places/{grid}/settings").text)
    assert "Inherited from the places above" in page and "2031-05-01" in page
    r = client.post(f"/staff/places/{place}/calendar/remove", {"day": "2031-05-01"})
    assert r.status_code == 303 and days_of(place) == set()
    assert audit_actions(place)[-2:] == ["place.calendar_day_set", "place.calendar_day_removed"]


def test_a_bad_day_re_renders_the_page_with_the_errors_and_changes_nothing(client, person, community):
    place = community["communities"]["和顺社区"]["id"]
    english(client).login(person("staff", place=place))
    r = client.post(f"/staff/places/{place}/calendar", {"day": "soon", "kind": "party"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert 'id="e-day"' in r.text and 'id="e-kind"' in r.text
    assert days_of(place) == set()


def test_a_csv_upload_imports_every_day_or_nothing_with_the_bad_line_named(client, person, community):
    place = community["communities"]["新风社区"]["id"] if "新风社区" in community["communities"] else community["community"]
    english(client).login(person("staff", place=place))
    bad = "date,kind,name\n2031-10-01,holiday,国庆节\n2031-10-02,holidy,国庆节\n".encode()
    r = client.post(f"/staff/places/{place}/calendar/upload", files={"file": ("days.csv", bad, "text/csv")})
    assert r.status_code == 400 and "Line 3: the kind must be holiday or workday." in text_of(r.text)
    assert days_of(place) == set()
    good = "date,kind,name\n2031-10-01,holiday,国庆节\n2031-10-11,workday,国庆调休\n".encode()
    r = client.post(f"/staff/places/{place}/calendar/upload", files={"file": ("days.csv", good, "text/csv")})
    assert r.status_code == 303, r.text
    assert days_of(place) == {("2031-10-01", "holiday", "国庆节"), ("2031-10-11", "workday", "国庆调休")}
    assert "place.calendar_imported" in audit_actions(place)


def test_the_wrong_role_and_the_wrong_place_are_refused_and_change_nothing(new_client, person, community):
    place = community["community"]  # 幸福里社区
    elsewhere = community["communities"]["和顺社区"]["id"]
    for who in (person("committee", place=place), person("staff", place=elsewhere)):
        c = english(new_client())
        c.login(who)
        for path, form in (("calendar", {"day": "2031-06-01", "kind": "holiday"}), ("calendar/remove", {"day": "2031-06-01"})):
            assert c.post(f"/staff/places/{place}/calendar" + path[len("calendar"):], form).status_code == 403
        r = c.post(f"/staff/places/{place}/calendar/upload", files={"file": ("d.csv", b"2031-06-01,holiday,x\n", "text/csv")})
        assert r.status_code == 403
    assert days_of(place) == set()


def test_the_escalation_job_counts_no_working_time_on_a_holiday(person, make_user, community):
    from consult.places.calendar_changes import import_days
    from consult.places.tables import Department
    from consult.workorders import commands
    from consult.workorders.escalation import escalate_missed_acknowledgements
    from consult.workorders.tables import DepartmentMember, WorkOrder
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(LOCAL_TZ)
    topics = Topics(make_user, community)
    tid, _author = topics.create("proposed")
    staff = person("staff", place=community["community"])
    run(import_days(None, community["district"], "2027-09-30,holiday,国庆\n2027-10-01,holiday,国庆\n".encode()))
    department = run(Department.select(Department.id).where(Department.place == community["community"]).first())["id"]
    worker = person()
    run(DepartmentMember.insert(DepartmentMember(user=user_id(worker), department=department)))
    oid = run(commands.create_from_topic(viewer(staff), tid))
    wednesday_evening = datetime(2027, 9, 29, 17, 0, tzinfo=zone)
    run(commands.act(viewer(staff), oid, "dispatch", {"department": str(department), "deadline": "2027-10-20"},
                     now=wednesday_evening))
    due = run(WorkOrder.select(WorkOrder.ack_due_at).where(WorkOrder.id == oid).first())["ack_due_at"]
    assert due == datetime(2027, 10, 4, 10, 0, tzinfo=zone)  # one hour Wednesday, the holiday and weekend, Monday
    assert run(escalate_missed_acknowledgements(datetime(2027, 10, 1, 12, 0, tzinfo=zone))) == 0  # on the holiday
    assert run(WorkOrder.select(WorkOrder.state).where(WorkOrder.id == oid).first())["state"] == "dispatched"
    assert run(escalate_missed_acknowledgements(due + timedelta(minutes=1))) >= 1
    assert run(WorkOrder.select(WorkOrder.state).where(WorkOrder.id == oid).first())["state"] == "at_level"
