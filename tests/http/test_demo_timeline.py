"""The demo's topics tell their story over days, not in the second they were loaded
(issue 14 defect 9): every timeline is in order and in the past, an evaluation window
ends after it opened, the dashboard's medians are not zero, and no rating comment is
written three times."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import run


def _aware(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def demo(app):
    from consult.demo import load_demo

    run(load_demo())


def test_every_demo_timeline_is_in_order_and_in_the_past(demo):
    from consult.topics.tables import Topic, TopicEvent

    now = datetime.now(timezone.utc) + timedelta(seconds=5)
    topics = run(Topic.select(Topic.id, Topic.title, Topic.created_at))
    spans = []
    for topic in topics:
        events = run(TopicEvent.select(TopicEvent.at, TopicEvent.action).where(TopicEvent.topic == topic["id"])
                     .order_by(TopicEvent.id))
        times = [_aware(e["at"]) for e in events]
        assert times == sorted(times), topic["title"]
        assert all(t <= now for t in times), topic["title"]
        assert _aware(topic["created_at"]) <= times[0] + timedelta(seconds=1), topic["title"]
        spans.append(times[-1] - times[0])
    # The stories span weeks: most topics' timelines cover more than a day.
    assert sum(1 for s in spans if s > timedelta(days=1)) >= 8


def test_an_evaluation_window_ends_after_it_opened(demo):
    from consult.topics.tables import TopicEvent

    opened = run(TopicEvent.select(TopicEvent.topic, TopicEvent.at, TopicEvent.detail)
                 .where(TopicEvent.action == "open_evaluation"))
    assert len(opened) >= 3
    for e in opened:
        import json

        detail = e["detail"] if isinstance(e["detail"], dict) else json.loads(e["detail"] or "{}")
        ends = detail.get("end_date")
        assert ends and ends >= _aware(e["at"]).date().isoformat(), e


def test_the_dashboard_medians_are_not_zero(demo):
    from consult.dashboard import queries
    from consult.dashboard.domain import StatsFilters

    screening = run(queries.days_to_screening(StatsFilters()))
    assert screening.topics >= 5
    assert screening.median_days is not None and screening.median_days > 0
    closing = run(queries.days_project_to_closing(StatsFilters()))
    assert closing.topics >= 1 and closing.median_days is not None and closing.median_days > 0


def test_no_rating_comment_is_written_three_times(demo):
    from consult.topics.tables import TopicRating

    rows = run(TopicRating.select(TopicRating.topic, TopicRating.round, TopicRating.comment)
               .where(TopicRating.comment != ""))
    seen = [(r["topic"], r["round"], r["comment"]) for r in rows]
    assert len(seen) == len(set(seen))
