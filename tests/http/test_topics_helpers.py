"""Shared set-up for the topic HTTP tests (no tests here): make topics in a given state
through the services, look at rows, timeline and audit entries."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tests.conftest import run, user_id


def viewer(username):
    from consult.accounts.services import load_viewer

    return run(load_viewer(user_id(username)))


def english(client):
    client.tc.cookies.set("lang", "en")
    return client


def topic_row(tid):
    from consult.topics.tables import Topic

    return run(Topic.select().where(Topic.id == tid).first())


def state_of(tid):
    return topic_row(tid)["state"]


def events(tid):
    from consult.topics.tables import TopicEvent

    return run(TopicEvent.select().where(TopicEvent.topic == tid).order_by(TopicEvent.id))


def audit_for(tid, prefix="topic."):
    from consult.accounts.tables import AuditEntry

    rows = run(AuditEntry.select(AuditEntry.action, AuditEntry.actor, AuditEntry.detail)
               .where(AuditEntry.target_id == str(tid)).order_by(AuditEntry.id))
    return [r for r in rows if r["action"].startswith(prefix)]


def today():
    from consult.topics.clock import local_today

    return local_today()


SHEET = {
    "consensus_summary": "Most residents agree on the plan.",
    "title": "Parking project",
    "scope": "Forty new spaces on the north side.",
    "estimated_cost": "120000",
    "responsible_unit": "Residents' committee",
    "responsible_person": "Chen",
    "funding_route": "community",
}


class Topics:
    """Makes topics and the people who move them."""

    def __init__(self, make_user, community):
        self.make_user = make_user
        self.community = community
        self._committee = None
        self._staff = None

    @property
    def committee(self):
        if self._committee is None:
            self._committee = self.make_user("committee")
        return self._committee

    @property
    def staff(self):
        if self._staff is None:
            self._staff = self.make_user("staff")
        return self._staff

    def create(self, state="proposed", grid=0, author=None, title=None, category="parking",
               description="A description that is long enough.", funding_route="community", deadline_days=30):
        from consult.topics import commands
        from consult.topics.lifecycle import Action

        author = author or self.make_user("resident", grid=grid)
        title = title or f"Topic {uuid.uuid4().hex[:8]}"
        tid = run(commands.propose_topic(viewer(author), title, description, category, self.community["grids"][grid]))
        path = ["discussing", "project", "implementing", "evaluating"]
        if state in ("proposed",):
            return tid, author
        com, staff = viewer(self.committee), viewer(self.staff)
        if state == "rejected":
            run(commands.screen_topic(com, tid, Action.reject, {"reason": "Out of scope here."}))
            return tid, author
        run(commands.screen_topic(com, tid, Action.open_discussion, {"end_date": ""}))
        if state == "discussing":
            return tid, author
        sheet = dict(SHEET, funding_route=funding_route,
                     deadline=(today() + timedelta(days=deadline_days)).isoformat())
        run(commands.form_project(com, tid, sheet, today=today() + timedelta(days=min(0, deadline_days - 1))))
        if state == "project":
            return tid, author
        run(commands.start_implementation(staff, tid))
        if state == "implementing":
            return tid, author
        run(commands.open_evaluation(staff, tid, (today() + timedelta(days=1)).isoformat()))
        assert path and state == "evaluating"
        return tid, author
