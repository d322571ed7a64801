"""The deliberation loop over HTTP: propose, screen (accept/reject/refer/merge), form the
project, implement, evaluate (→ 二次办理 → closed), with each role refused where the
spec does not allow it and a refused step changing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import run, text_of, user_id
from tests.http.test_topics_helpers import (
    SHEET,
    Topics,
    audit_for,
    english,
    events,
    state_of,
    today,
    topic_row,
    viewer,
)


@pytest.fixture
def topics(make_user, community):
    return Topics(make_user, community)


def propose(client, community, **over):
    data = {"title": "More bicycle racks", "description": "The racks by gate 2 are always full.",
            "category": "parking", "grid_id": str(community["grids"][0])}
    data.update(over)
    return client.post("/topics", data)


# ---------------------------------------------------------------- propose


def test_resident_proposes_and_sees_it_in_my_topics(client, make_user, community):
    name = make_user("resident")
    client.login(name)
    r = propose(client, community, title="Broken swing in the playground")
    assert r.status_code == 303
    tid = int(r.headers["location"].rsplit("/", 1)[1])
    row = topic_row(tid)
    assert row["state"] == "proposed" and row["author"] == user_id(name)
    mine = client.get("/topics?mine=1")
    assert "Broken swing in the playground" in mine.text and "已提出" in mine.text
    other = make_user("resident")
    client2 = client  # same client, other person: my topics are only mine
    client2.post("/auth/logout")
    client2.login(other)
    assert "Broken swing in the playground" not in client2.get("/topics?mine=1").text
    assert [e["action"] for e in events(tid)] == ["propose"]
    assert [a["action"] for a in audit_for(tid)] == ["topic.propose"]


def test_proposal_input_errors_are_shown_next_to_fields_and_nothing_is_saved(client, make_user, community):
    from consult.topics.tables import Topic

    client.login(make_user("resident"))
    english(client)
    before = run(Topic.count())
    r = propose(client, community, title="abc", description="short", category="nope", grid_id="99999")
    assert r.status_code == 400
    page = text_of(r.text)
    assert "Must be at least 4 characters." in page
    assert "Must be at least 10 characters." in page
    assert page.count("Choose one of the listed options.") == 2
    assert r.text.count('aria-invalid="true"') == 4
    assert run(Topic.count()) == before
    too_long = propose(client, community, title="x" * 81)
    assert too_long.status_code == 400 and "Must be at most 80 characters." in text_of(too_long.text)


def test_visitor_is_sent_to_sign_in_and_unverified_or_non_residents_are_refused(client, make_user, community):
    r = client.get("/topics/new")
    assert r.status_code == 303 and r.headers["location"].startswith("/auth/login?next=/topics/new")
    assert propose(client, community).status_code == 303
    client.login(make_user())  # no role: awaiting verification
    r = propose(client, community)
    assert r.status_code == 403 and "等待社区工作者核实" in r.text
    client.post("/auth/logout")
    client.login(make_user("committee"))  # committee alone is not a resident
    assert propose(client, community).status_code == 403


# ---------------------------------------------------------------- screening


def test_screening_queue_lists_longest_waiting_first_with_the_two_day_flag(client, topics, make_user):
    from consult.topics import clock
    from consult.topics.tables import Topic

    old, _ = topics.create(title="Waiting three days")
    new, _ = topics.create(title="Proposed just now")
    run(Topic.update({Topic.created_at: clock.utcnow() - timedelta(days=3)}).where(Topic.id == old))
    client.login(topics.committee)
    english(client)
    page = client.get("/committee/screening")
    assert page.status_code == 200
    text = text_of(page.text)
    assert text.index("Waiting three days") < text.index("Proposed just now")
    assert "Not screened in time" in text
    # the list's flag filter finds it too
    flagged = client.get("/topics?flag=unanswered")
    assert "Waiting three days" in flagged.text and "Proposed just now" not in flagged.text


def test_screening_queue_is_for_the_committee_only(client, make_user):
    assert client.get("/committee/screening").status_code == 303
    for roles in (("resident",), ("staff",), ("representative",)):
        c = client
        c.post("/auth/logout")
        c.login(make_user(*roles))
        assert c.get("/committee/screening").status_code == 403, roles


def test_committee_opens_discussion_with_an_end_date(client, topics):
    tid, _ = topics.create()
    client.login(topics.committee)
    end = (today() + timedelta(days=10)).isoformat()
    r = client.post(f"/topics/{tid}/actions/open_discussion", {"end_date": end})
    assert r.status_code == 303
    row = topic_row(tid)
    assert row["state"] == "discussing" and row["discussion_ends_on"].isoformat() == end
    assert row["screened_at"] is not None
    last = events(tid)[-1]
    assert (last["action"], last["from_state"], last["to_state"], last["actor"]) == (
        "open_discussion", "proposed", "discussing", user_id(topics.committee))
    assert audit_for(tid)[-1]["action"] == "topic.open_discussion"
    page = client.get(f"/topics/{tid}")
    assert "讨论中" in page.text


def test_default_end_date_is_fourteen_days_and_a_past_date_is_refused(client, topics):
    tid, _ = topics.create()
    client.login(topics.committee)
    english(client)
    r = client.post(f"/topics/{tid}/actions/open_discussion", {"end_date": today().isoformat()})
    assert r.status_code == 400 and "Must be a date after" in text_of(r.text)
    assert state_of(tid) == "proposed" and len(events(tid)) == 1
    assert client.post(f"/topics/{tid}/actions/open_discussion", {"end_date": ""}).status_code == 303
    assert topic_row(tid)["discussion_ends_on"] == today() + timedelta(days=14)


def test_committee_rejects_with_a_public_reason(client, topics):
    tid, _ = topics.create()
    client.login(topics.committee)
    english(client)
    assert client.post(f"/topics/{tid}/actions/reject", {"reason": ""}).status_code == 400
    assert state_of(tid) == "proposed"
    r = client.post(f"/topics/{tid}/actions/reject", {"reason": "Handled by the owners' meeting."})
    assert r.status_code == 303 and state_of(tid) == "rejected"
    visitor = client
    visitor.post("/auth/logout")
    assert "Handled by the owners&#39; meeting." in visitor.get(f"/topics/{tid}").text


def test_committee_can_also_reject_a_discussion(client, topics):
    tid, _ = topics.create("discussing")
    client.login(topics.committee)
    assert client.post(f"/topics/{tid}/actions/reject", {"reason": "No consensus reached."}).status_code == 303
    assert events(tid)[-1]["from_state"] == "discussing" and state_of(tid) == "rejected"


def test_committee_refers_with_department_and_reference_number(client, topics):
    tid, _ = topics.create()
    client.login(topics.committee)
    english(client)
    r = client.post(f"/topics/{tid}/actions/refer", {"department": "", "reference_number": ""})
    assert r.status_code == 400 and text_of(r.text).count("This field is required.") == 2
    r = client.post(f"/topics/{tid}/actions/refer", {"department": "City works office", "reference_number": "12345-77"})
    assert r.status_code == 303
    row = topic_row(tid)
    assert (row["state"], row["department"], row["reference_number"]) == ("referred", "City works office", "12345-77")
    assert "City works office" in client.get(f"/topics/{tid}").text


def test_merge_carries_seconds_and_followers_over(client, topics, make_user):
    from consult.topics import discussion
    from consult.topics.tables import TopicFollower, TopicSecond

    target, target_author = topics.create("discussing")
    source, source_author = topics.create()
    both, only_source = make_user("resident"), make_user("resident")
    for who, tid in ((both, target), (both, source), (only_source, source)):
        run(discussion.second_topic(viewer(who), tid))
    client.login(topics.committee)
    english(client)
    r = client.post(f"/topics/{source}/actions/merge", {"target_id": str(source)})
    assert r.status_code == 400 and "cannot be merged into itself" in text_of(r.text)
    r = client.post(f"/topics/{source}/actions/merge", {"target_id": "999999"})
    assert r.status_code == 400 and "There is no topic number 999999." in text_of(r.text)
    r = client.post(f"/topics/{source}/actions/merge", {"target_id": str(target)})
    assert r.status_code == 303
    assert state_of(source) == "merged" and topic_row(source)["merged_into"] == target
    seconders = {r["user"] for r in run(TopicSecond.select(TopicSecond.user).where(TopicSecond.topic == target))}
    # the source's author and its seconders now second the target, each once
    assert seconders == {user_id(both), user_id(only_source), user_id(source_author)}
    followers = {r["user"] for r in run(TopicFollower.select(TopicFollower.user).where(TopicFollower.topic == target))}
    assert {user_id(source_author), user_id(only_source), user_id(both), user_id(target_author)} <= followers
    assert events(target)[-1]["action"] == "absorb"
    page = client.get(f"/topics/{target}")
    assert "3 seconds" in text_of(page.text)
    # a merged topic cannot take in another one
    other, _ = topics.create()
    r = client.post(f"/topics/{other}/actions/merge", {"target_id": str(source)})
    assert r.status_code == 400 and "only a proposed topic or one under discussion" in text_of(r.text)


# ---------------------------------------------------------------- refusals change nothing


def test_a_transition_in_the_wrong_state_is_refused_with_a_translated_message_and_changes_nothing(client, topics):
    from consult.accounts.tables import AuditEntry

    tid, _ = topics.create("discussing")
    client.login(topics.committee)
    before_events, before_audit = len(events(tid)), run(AuditEntry.count())
    r = client.post(f"/topics/{tid}/actions/open_discussion", {"end_date": ""})
    assert r.status_code == 409
    assert "讨论中" in r.text and "开启讨论" in r.text  # state and action named in Chinese
    assert state_of(tid) == "discussing" and len(events(tid)) == before_events
    assert run(AuditEntry.count()) == before_audit
    english(client)
    r = client.post(f"/topics/{tid}/actions/frobnicate", {})
    assert r.status_code == 409 and "is not an action on topics" in text_of(r.text)


@pytest.mark.parametrize(
    "state, action, roles, status",
    [
        ("proposed", "open_discussion", ("resident",), 403),  # guard: not committee/staff
        ("proposed", "open_discussion", ("staff",), 409),  # domain: staff may not screen
        ("proposed", "reject", ("representative",), 403),
        ("proposed", "refer", ("staff",), 409),
        ("proposed", "merge", ("party_member",), 403),
        ("discussing", "form_project", ("staff",), 409),
        ("project", "start_implementation", ("committee",), 409),
        ("implementing", "open_evaluation", ("committee",), 409),
        ("project", "elect", ("staff",), 409),  # the system's step, never a person's
        ("project", "mark_not_elected", ("committee",), 409),
    ],
)
def test_each_role_is_refused_where_the_spec_does_not_allow_it(client, topics, make_user, state, action, roles, status):
    tid, _ = topics.create(state)
    client.login(make_user(*roles))
    form = dict(SHEET, deadline=(today() + timedelta(days=9)).isoformat(), end_date="", reason="A reason here",
                department="Dept", reference_number="1", target_id="1")
    r = client.post(f"/topics/{tid}/actions/{action}", form)
    assert r.status_code == status, r.text[:300]
    assert state_of(tid) == state


def test_admin_may_take_every_human_step(client, topics, make_user):
    tid, _ = topics.create()
    client.login(make_user("admin"))
    assert client.post(f"/topics/{tid}/actions/open_discussion", {"end_date": ""}).status_code == 303
    sheet = dict(SHEET, deadline=(today() + timedelta(days=9)).isoformat())
    assert client.post(f"/topics/{tid}/actions/form_project", sheet).status_code == 303
    assert client.post(f"/topics/{tid}/actions/start_implementation", {}).status_code == 303
    assert state_of(tid) == "implementing"


# ---------------------------------------------------------------- project, implementation


def test_committee_closes_discussion_with_summary_and_project_sheet(client, topics):
    from consult.topics.tables import ProjectSheet

    tid, _ = topics.create("discussing")
    client.login(topics.committee)
    english(client)
    bad = dict(SHEET, estimated_cost="-5", deadline=today().isoformat(), funding_route="lottery", scope="")
    r = client.post(f"/topics/{tid}/actions/form_project", bad)
    assert r.status_code == 400
    text = text_of(r.text)
    for message in ("Must not be negative.", "Must be a date after", "Choose one of the listed options.",
                    "This field is required."):
        assert message in text
    assert state_of(tid) == "discussing" and run(ProjectSheet.count().where(ProjectSheet.topic == tid)) == 0
    assert client.post(f"/topics/{tid}/actions/form_project", dict(bad, estimated_cost="12.5")).status_code == 400
    deadline = (today() + timedelta(days=60)).isoformat()
    r = client.post(f"/topics/{tid}/actions/form_project", dict(SHEET, deadline=deadline, funding_route="annual_vote"))
    assert r.status_code == 303
    sheet = run(ProjectSheet.select().where(ProjectSheet.topic == tid).first())
    assert (sheet["estimated_cost"], sheet["funding_route"], sheet["deadline"].isoformat()) == (120000, "annual_vote", deadline)
    assert topic_row(tid)["consensus_summary"] == SHEET["consensus_summary"]
    page = text_of(client.get(f"/topics/{tid}").text)
    for fact in ("Parking project", "120,000", "Residents' committee", "Chen", deadline):
        assert fact in page.replace("&#39;", "'") or fact in client.get(f"/topics/{tid}").text


def test_staff_start_implementation_and_post_progress_with_limits(client, topics, make_user):
    from consult.topics.tables import ProgressUpdate

    tid, _ = topics.create("project")
    client.login(topics.staff)
    english(client)
    # progress only while implementing
    assert client.post(f"/topics/{tid}/progress", {"percent": "10", "note": "x"}).status_code == 409
    assert client.post(f"/topics/{tid}/actions/start_implementation", {}).status_code == 303
    r = client.post(f"/topics/{tid}/progress", {"percent": "101", "note": "", "date": (today() + timedelta(days=1)).isoformat()})
    assert r.status_code == 400
    text = text_of(r.text)
    assert "Must be between 0 and 100." in text and "This field is required." in text and "Must not be a date after" in text
    assert run(ProgressUpdate.count().where(ProgressUpdate.topic == tid)) == 0
    r = client.post(f"/topics/{tid}/progress", {"percent": "40", "note": "Foundations poured.", "date": ""})
    assert r.status_code == 303
    assert "Foundations poured." in client.get(f"/topics/{tid}").text
    # others may not post progress
    other = client
    other.post("/auth/logout")
    other.login(make_user("committee", "resident"))
    assert other.post(f"/topics/{tid}/progress", {"percent": "50", "note": "x"}).status_code == 403


def test_representatives_and_residents_post_supervision_notes_staff_cannot(client, topics, make_user):
    tid, _ = topics.create("implementing")
    for roles, status in ((("representative",), 303), (("resident",), 303), (("staff",), 403)):
        client.post("/auth/logout")
        client.login(make_user(*roles, grid=2))
        r = client.post(f"/topics/{tid}/supervision", {"body": f"Note from {roles[0]}"})
        assert r.status_code == status, roles
    page = client.get(f"/topics/{tid}").text
    assert "Note from representative" in page and "Note from resident" in page
    proposed, _ = topics.create()
    client.post("/auth/logout")
    client.login(make_user("representative"))
    assert client.post(f"/topics/{proposed}/supervision", {"body": "too early"}).status_code == 409


def test_overdue_projects_are_flagged_on_the_list_page_and_api(client, topics):
    late, _ = topics.create("implementing", deadline_days=-3, title="Late lift repair")
    on_time, _ = topics.create("implementing", deadline_days=30, title="Timely bench")
    english(client)
    listing = client.get("/topics?flag=overdue")
    assert "Late lift repair" in listing.text and "Timely bench" not in listing.text
    assert "Overdue" in text_of(client.get(f"/topics/{late}").text)
    assert "Overdue" not in text_of(client.get(f"/topics/{on_time}").text)
    assert client.get(f"/api/v1/topics/{late}").json()["overdue"] is True
    items = {i["id"]: i for i in client.get("/api/v1/topics?flag=overdue").json()["items"]}
    assert late in items and on_time not in items


# ---------------------------------------------------------------- evaluation


def rate(new_client, make_user, tid, values, grid=0):
    people = []
    for value in values:
        c = new_client()
        name = make_user("resident", grid=grid)
        c.login(name)
        r = c.post(f"/topics/{tid}/ratings", {"value": value, "comment": ""})
        assert r.status_code == 303, r.text[:300]
        people.append((c, name))
    return people


def test_evaluation_second_handling_then_closed_round_trip(client, topics, new_client, make_user):
    from consult.topics import projects
    from consult.topics.tables import TopicRating

    tid, _ = topics.create("implementing")
    client.login(topics.staff)
    end = (today() + timedelta(days=3)).isoformat()
    assert client.post(f"/topics/{tid}/actions/open_evaluation", {"end_date": end}).status_code == 303
    assert state_of(tid) == "evaluating"
    people = rate(new_client, make_user, tid, ["satisfied", "basically_satisfied", "unsatisfied", "unsatisfied", "unsatisfied"])
    # one rating per person per round (database rule; the page answers 409)
    again = people[0][0].post(f"/topics/{tid}/ratings", {"value": "satisfied"})
    assert again.status_code == 409
    # the window has not ended: nothing happens
    assert run(projects.close_due_evaluations(today=today() + timedelta(days=3))) == []
    # window ended: 2/5 = 40 % < 80 % → second handling, round 2, back to implementing
    assert run(projects.close_due_evaluations(today=today() + timedelta(days=4))) == [(tid, "second_handling")]
    row = topic_row(tid)
    assert (row["state"], row["round"], row["evaluation_ends_on"]) == ("implementing", 2, None)
    last = events(tid)[-1]
    assert (last["action"], last["from_state"], last["to_state"], last["actor"], last["round"]) == (
        "second_handling", "evaluating", "implementing", None, 2)
    assert audit_for(tid)[-1]["action"] == "topic.second_handling"
    page = client.get(f"/topics/{tid}").text
    assert "二次办理" in page
    # second round: progress again, a new window, the same people rate again
    assert client.post(f"/topics/{tid}/progress", {"percent": "100", "note": "Fixed the drains."}).status_code == 303
    assert client.post(f"/topics/{tid}/actions/open_evaluation", {"end_date": end}).status_code == 303
    for c, _ in people:
        assert c.post(f"/topics/{tid}/ratings", {"value": "satisfied"}).status_code == 303
    assert run(TopicRating.count().where(TopicRating.topic == tid)) == 10
    assert run(projects.close_due_evaluations(today=today() + timedelta(days=4))) == [(tid, "close")]
    assert state_of(tid) == "closed"
    detail = client.get(f"/api/v1/topics/{tid}").json()
    assert [(e["round"], e["satisfied"], e["total"]) for e in detail["evaluation"]] == [(1, 1, 5), (2, 5, 5)]
    assert [e["action"] for e in detail["timeline"]][-3:] == ["second_handling", "open_evaluation", "close_satisfied"]
    # a closed project is never overdue, and cannot be rated any more
    assert detail["overdue"] is False
    assert people[0][0].post(f"/topics/{tid}/ratings", {"value": "satisfied"}).status_code == 409


def test_too_few_ratings_extend_the_window_once(client, topics, new_client, make_user):
    from consult.topics import projects

    tid, _ = topics.create("evaluating")  # window ends tomorrow
    rate(new_client, make_user, tid, ["satisfied", "satisfied"])
    later = today() + timedelta(days=2)
    assert run(projects.close_due_evaluations(today=later)) == [(tid, "extend")]
    row = topic_row(tid)
    assert row["state"] == "evaluating" and row["evaluation_extended"] is True
    assert row["evaluation_ends_on"] == later + timedelta(days=14)
    assert events(tid)[-1]["action"] == "extend_evaluation"
    # after the extension the rule decides on what there is: 2/2 satisfied → closed
    assert run(projects.close_due_evaluations(today=later + timedelta(days=15))) == [(tid, "close")]
    assert state_of(tid) == "closed"


def test_evaluation_closes_on_the_next_request(client, topics, new_client, make_user):
    from consult import topics as controllers
    from consult.topics import projects
    from consult.topics.tables import Topic

    tid, _ = topics.create("evaluating")
    rate(new_client, make_user, tid, ["unsatisfied"] * 5)
    run(Topic.update({Topic.evaluation_ends_on: today() - timedelta(days=1)}).where(Topic.id == tid))
    run(projects.decide_due_evaluations())  # the periodic job decides; a page view never writes
    client.get(f"/topics/{tid}")
    assert state_of(tid) == "implementing" and topic_row(tid)["round"] == 2
    assert ("periodic" in dir(controllers)) and controllers.periodic[0][0] == 60


def test_who_may_rate(client, topics, make_user):
    tid, _ = topics.create("evaluating", grid=0)
    for roles, grid, status in (
        (("resident",), 1, 409),  # a resident of another grid
        (("representative",), 3, 303),  # representatives rate any topic
        (("staff",), 0, 403),
        (("committee",), 0, 403),
        (("party_member",), 0, 303),  # a party member is a resident
    ):
        client.post("/auth/logout")
        client.login(make_user(*roles, grid=grid))
        r = client.post(f"/topics/{tid}/ratings", {"value": "satisfied"})
        assert r.status_code == status, (roles, r.text[:200])
    english(client)
    r = client.post(f"/topics/{tid}/ratings", {"value": "great"})
    assert r.status_code in (400, 409)


def test_staff_can_end_an_evaluation_window_early_by_the_same_rule(client, topics, new_client, make_user):
    tid, _ = topics.create("evaluating")
    rate(new_client, make_user, tid, ["satisfied"] * 4 + ["basically_satisfied"])
    client.login(make_user("committee"))
    assert client.post(f"/topics/{tid}/evaluation/end", {}).status_code == 403
    client.post("/auth/logout")
    client.login(topics.staff)
    assert client.post(f"/topics/{tid}/evaluation/end", {}).status_code == 303
    assert state_of(tid) == "closed"
    assert events(tid)[-1]["actor"] == user_id(topics.staff)


def test_staff_cannot_close_or_send_back_by_hand_only_by_the_rule(client, topics, new_client, make_user):
    """Residents rated it unsatisfied: no button, and no direct post, closes it as satisfied."""
    tid, _ = topics.create("evaluating")
    rate(new_client, make_user, tid, ["unsatisfied"] * 5)
    client.login(topics.staff)
    page = client.get(f"/topics/{tid}").text
    assert f"/topics/{tid}/actions/close_satisfied" not in page
    assert f"/topics/{tid}/actions/second_handling" not in page
    assert f"/topics/{tid}/evaluation/end" in page
    for action in ("close_satisfied", "second_handling"):
        refused = client.post(f"/topics/{tid}/actions/{action}", {})
        assert refused.status_code in (400, 409) and "text/html" in refused.headers["content-type"]
        assert state_of(tid) == "evaluating"
    assert client.post(f"/topics/{tid}/evaluation/end", {}).status_code == 303
    assert topic_row(tid)["state"] == "implementing"  # 0 % < 80 %: second handling, by the rule


def test_rating_comments_are_shown_without_names_for_second_handling(client, topics, new_client, make_user):
    tid, _ = topics.create("implementing")
    client.login(topics.staff)
    end = (today() + timedelta(days=3)).isoformat()
    assert client.post(f"/topics/{tid}/actions/open_evaluation", {"end_date": end}).status_code == 303
    c = new_client()
    name = make_user("resident")
    c.login(name)
    r = c.post(f"/topics/{tid}/ratings", {"value": "unsatisfied", "comment": "充电桩还没有挂<b>安全标识</b>"})
    assert r.status_code == 303
    page = client.get(f"/topics/{tid}").text
    assert "第 1 轮评价意见" in page
    assert "充电桩还没有挂&lt;b&gt;安全标识&lt;/b&gt;" in page
    section = page.split('id="evaluation"')[1].split("</section>")[0]
    assert name not in section and name.upper() not in section
