"""The meeting rules, pure: when a meeting may be changed, cancelled, recorded and decided
at, which topic moves a meeting may decide (read from the topics' own lifecycle table), and
the forms."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from consult.meetings.forms import (
    LOCAL, MeetingInputError, validate_hands, validate_meeting, validate_reason, validate_record,
)
from consult.meetings.labels import KIND_LABELS, STATE_LABELS
from consult.meetings.lifecycle import (
    DECISIONS, MEETING_ROLES, MeetingKind, MeetingRefused, MeetingState, Step, allowed_steps, check, decisions_in,
)
from consult.topics.lifecycle import ACTION_ROLES, ROUTED_ACTIONS, Action, TopicState

NOW = datetime(2026, 3, 12, 11, 0, tzinfo=timezone.utc)  # 19:00 in Beijing
LATER, EARLIER = NOW + timedelta(days=2), NOW - timedelta(hours=1)
COMMITTEE, STAFF, RESIDENT = frozenset({"committee"}), frozenset({"staff"}), frozenset({"resident"})


def test_the_committee_changes_or_cancels_only_before_the_meeting_starts():
    assert allowed_steps("scheduled", LATER, NOW, COMMITTEE) == {Step.edit, Step.cancel}
    assert allowed_steps("scheduled", EARLIER, NOW, COMMITTEE) == {Step.record}
    with pytest.raises(MeetingRefused) as exc:
        check(Step.edit, "scheduled", EARLIER, NOW, COMMITTEE)
    assert exc.value.code == "started"
    with pytest.raises(MeetingRefused) as exc:
        check(Step.cancel, "cancelled", LATER, NOW, COMMITTEE)
    assert exc.value.code == "state"


def test_staff_record_at_or_after_the_meeting_and_decide_once_it_is_held():
    with pytest.raises(MeetingRefused) as exc:
        check(Step.record, "scheduled", LATER, NOW, STAFF)
    assert exc.value.code == "not_started"
    check(Step.record, "scheduled", NOW, NOW, STAFF)  # from the minute it starts
    assert allowed_steps("held", EARLIER, NOW, STAFF) == {Step.record, Step.decide}
    with pytest.raises(MeetingRefused) as exc:
        check(Step.decide, "scheduled", EARLIER, NOW, STAFF)
    assert exc.value.code == "state"
    assert allowed_steps("held", EARLIER, NOW, RESIDENT) == set()
    with pytest.raises(MeetingRefused) as exc:
        check(Step.edit, "scheduled", LATER, NOW, STAFF)  # staff record; the committee schedules
    assert exc.value.code == "role" and exc.value.status_code == 403
    assert allowed_steps("held", EARLIER, NOW, frozenset({"admin"})) == {Step.record, Step.decide}


def test_a_decision_is_a_move_the_topic_takes_online_and_never_the_systems():
    for action in DECISIONS:
        assert action in ROUTED_ACTIONS and ACTION_ROLES[action] & MEETING_ROLES
    assert Action.elect not in DECISIONS and Action.withdraw not in DECISIONS
    assert decisions_in(TopicState.proposed) == (Action.open_discussion, Action.reject, Action.refer)
    assert decisions_in(TopicState.discussing) == (Action.reject, Action.form_project)
    assert decisions_in(TopicState.project) == (Action.start_implementation,)
    assert decisions_in(TopicState.closed) == ()


def test_every_kind_and_state_has_a_label():
    assert set(KIND_LABELS) == {k.value for k in MeetingKind}
    assert set(STATE_LABELS) == {s.value for s in MeetingState}


def _meeting(**changes):
    values = {"kind": "red_hall", "title": "三月红色议事厅", "location": "党群服务中心", "on_date": "2026-03-14",
              "at_time": "19:30", **changes}
    return values


def test_a_meeting_form_in_beijing_time_with_its_agenda():
    data = validate_meeting(_meeting(), ["7", "3", "7"], agenda_choices={3, 7}, now=NOW)
    assert data.kind is MeetingKind.red_hall and data.topic_ids == (7, 3)
    assert data.starts_at == datetime(2026, 3, 14, 11, 30, tzinfo=timezone.utc)
    assert data.starts_at.astimezone(LOCAL).hour == 19


def test_a_bad_meeting_form_reports_every_field_at_once():
    with pytest.raises(MeetingInputError) as exc:
        validate_meeting(_meeting(kind="party", title="x", location="", at_time="25:61"), [], agenda_choices={3},
                         now=NOW)
    assert set(exc.value.errors) == {"kind", "title", "location", "at_time", "topics"}
    with pytest.raises(MeetingInputError) as exc:
        validate_meeting(_meeting(on_date="2025-12-01"), ["4"], agenda_choices={3}, now=NOW)
    assert set(exc.value.errors) == {"on_date", "topics"}  # too long ago; not a listed topic
    with pytest.raises(MeetingInputError) as exc:
        validate_meeting(_meeting(on_date="2027-06-01"), ["3"], agenda_choices={3}, now=NOW)
    assert exc.value.errors["on_date"].code == "too_late"


def test_the_record_and_the_show_of_hands():
    data = validate_record(" 讨论了停车问题。\r\n同意开展讨论。 ", "", ["5", "5", "6"], {5, 6, 9})
    assert data.minutes == "讨论了停车问题。\n同意开展讨论。" and data.head_count == 0 and data.attendee_ids == (5, 6)
    with pytest.raises(MeetingInputError) as exc:
        validate_record("short", "-1", ["8"], {5})
    assert set(exc.value.errors) == {"minutes", "head_count", "attendees"}
    assert validate_hands({}) is None and validate_hands({"hands_for": " "}) is None
    assert validate_hands({"hands_for": "12", "hands_abstain": "2"}) == (12, 0, 2)
    with pytest.raises(MeetingInputError):
        validate_hands({"hands_for": "many"})
    assert validate_reason("  会议室另有安排。 ") == "会议室另有安排。"
    with pytest.raises(MeetingInputError):
        validate_reason("no")
