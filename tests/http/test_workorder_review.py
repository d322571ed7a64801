"""Work orders, issue 15 point 4: staff of the order's level record follow-ups (回访) with an
outcome and a reason code; an order judged unreasonable (诉求不合理) leaves the rates only
when staff of the level above approve, never the proposer; the decision is public on the
order's and the topic's timeline; the wrong role, place, person and level are refused and
change nothing."""

from __future__ import annotations

import pytest

from tests.conftest import run, text_of
from tests.http._world import db_fingerprint
from tests.http.test_topics_helpers import english
from tests.http.test_workorders import departments, new_order, person, topics, PROPERTY, act, deadline  # noqa: F401

REASON = "The same request was answered three times already."


def exclusions(order_id):
    from consult.workorders.review_tables import WorkOrderExclusion as X

    return run(X.select(X.decision, X.proposed_by, X.decided_by).where(X.work_order == order_id).order_by(X.id))


def test_staff_of_the_level_record_a_follow_up_shown_on_the_timeline_without_a_person(
        topics, person, client, new_client):
    staff = person("staff")
    oid, _author, _tid = new_order(topics, staff)
    english(client).login(staff)
    page = client.get(f"/work-orders/{oid}").text
    assert 'id="act-follow_up"' in page
    r = client.post(f"/work-orders/{oid}/follow-ups", {"channel": "call", "outcome": "resolved", "reason": "after_reply"})
    assert r.status_code == 303
    from consult.accounts.tables import AuditEntry

    assert run(AuditEntry.exists().where(AuditEntry.action == "work_order.follow_up"))
    visitor = english(new_client())
    words = text_of(visitor.get(f"/work-orders/{oid}").text)
    assert "幸福里社区 followed up (phone call): the resident confirms it is resolved." in words
    assert "routine follow-up after the reply" in words
    assert staff.upper() not in words and staff not in words  # no person
    assert 'id="act-follow_up"' not in visitor.get(f"/work-orders/{oid}").text


def test_a_bad_follow_up_re_renders_the_form_and_changes_nothing(topics, person, client):
    staff = person("staff")
    oid, _a, _t = new_order(topics, staff)
    english(client).login(staff)
    before = db_fingerprint()
    r = client.post(f"/work-orders/{oid}/follow-ups", {"channel": "fax", "outcome": "", "reason": "after_reply"})
    assert r.status_code == 400 and "text/html" in r.headers["content-type"]
    assert 'id="e-channel"' in r.text and 'id="e-outcome"' in r.text
    assert db_fingerprint() == before


def test_the_wrong_role_and_the_wrong_place_may_not_follow_up(topics, person, client, community):
    staff = person("staff")
    oid, _a, _t = new_order(topics, staff)
    form = {"channel": "visit", "outcome": "partly", "reason": "spot_check"}
    english(client).login(person("committee"))  # wrong role: the guard
    before = db_fingerprint()
    assert client.post(f"/work-orders/{oid}/follow-ups", form).status_code == 403
    assert db_fingerprint() == before
    client.login(person("staff", community_name="和顺社区"))  # wrong place
    before = db_fingerprint()
    r = client.post(f"/work-orders/{oid}/follow-ups", form)
    assert r.status_code == 403 and "Only staff of the level that holds or dispatched" in r.text
    assert db_fingerprint() == before


def test_an_unreasonable_order_leaves_the_rates_only_when_the_level_above_approves(
        topics, person, client, new_client, community):
    staff = person("staff")
    oid, _author, tid = new_order(topics, staff)
    street_a, street_b = person("staff", place=community["street"]), person("staff", place=community["street"])
    english(client).login(staff)
    assert client.post(f"/work-orders/{oid}/unreasonable", {"reason": REASON}).status_code == 303
    assert [x["decision"] for x in exclusions(oid)] == [""]
    # a second proposal while one waits
    assert client.post(f"/work-orders/{oid}/unreasonable", {"reason": REASON}).status_code == 409
    decide = {"decision": "approve", "reason": "Repeated requests on a settled matter.", "confirm": "yes"}
    other = english(new_client())
    outsider, street_committee = person("staff", community_name="和顺社区"), person("committee", place=community["street"])

    def refused(c, form, status=403):
        before = db_fingerprint()
        r = c.post(f"/work-orders/{oid}/unreasonable/decide", form)
        assert r.status_code == status and db_fingerprint() == before
        return r.text

    # wrong level: staff of the order's own level (the community) may not decide
    assert "Only staff of the level above" in refused(client, decide)
    # wrong place: staff of another community
    other.login(outsider)
    assert "Only staff of the level that holds or dispatched" in refused(other, decide)
    # wrong role: the street's committee (the guard)
    other.login(street_committee)
    refused(other, decide)
    # no confirmation ticked: the form again, nothing decided
    other.login(street_a)
    assert 'id="e-confirm"' in refused(other, {**decide, "confirm": ""}, 400)
    # the street approves
    assert other.post(f"/work-orders/{oid}/unreasonable/decide", decide).status_code == 303
    assert [x["decision"] for x in exclusions(oid)] == ["approved"]
    visitor = english(new_client())
    words = text_of(visitor.get(f"/work-orders/{oid}").text)
    assert "幸福里社区 proposed that the request is unreasonable; 朝阳街道 decides." in words
    assert "朝阳街道 approved: the request is unreasonable and leaves the rates." in words
    assert REASON in words and "Repeated requests on a settled matter." in words
    assert "judged unreasonable: left out of the rates" in words
    topic_words = text_of(visitor.get(f"/topics/{tid}").text)
    assert "朝阳街道 approved: the request is unreasonable and leaves the rates." in topic_words
    for name in (staff, street_a, street_b):
        assert name not in words and name.upper() not in words and name.upper() not in topic_words
    # final: no second proposal
    assert client.post(f"/work-orders/{oid}/unreasonable", {"reason": REASON}).status_code == 409


def test_the_proposer_may_not_approve_and_a_decline_keeps_the_order_in_the_rates(
        topics, person, client, community):
    staff = person("staff")
    oid, _author, _tid = new_order(topics, staff)
    street_a, street_b = person("staff", place=community["street"]), person("staff", place=community["street"])
    english(client).login(street_a)  # the street's staff reach the community: they may propose
    assert client.post(f"/work-orders/{oid}/unreasonable", {"reason": REASON}).status_code == 303
    before = db_fingerprint()
    decide = {"decision": "approve", "reason": "I proposed it, I approve it.", "confirm": "yes"}
    r = client.post(f"/work-orders/{oid}/unreasonable/decide", decide)
    assert r.status_code == 403 and "cannot approve it" in r.text
    assert db_fingerprint() == before
    client.login(street_b)
    r = client.post(f"/work-orders/{oid}/unreasonable/decide",
                    {"decision": "decline", "reason": "The request is fair.", "confirm": "yes"})
    assert r.status_code == 303
    assert [x["decision"] for x in exclusions(oid)] == ["declined"]
    assert "the request stays in the rates" in text_of(client.get(f"/work-orders/{oid}").text)
    # declined: it may be proposed again
    client.login(staff)
    assert client.post(f"/work-orders/{oid}/unreasonable", {"reason": REASON}).status_code == 303


def test_an_order_of_the_top_level_cannot_be_judged_unreasonable(topics, person, community):
    from consult.messages import Refusal
    from consult.workorders import review_commands
    from tests.http.test_topics_helpers import viewer

    staff, street, district = person("staff"), person("staff", place=community["street"]), \
        person("staff", place=community["district"])
    oid, _a, _t = new_order(topics, staff)
    act(staff, oid, "escalate", reason="For the street.")
    act(street, oid, "escalate", reason="For the district.")
    with pytest.raises(Refusal) as refused:
        run(review_commands.propose_unreasonable(viewer(district), oid, {"reason": REASON}))
    assert refused.value.code == "no_parent"
