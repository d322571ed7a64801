"""Grouping unread notifications by subject (consult.notifications.domain), pure."""

from __future__ import annotations

import pytest

from consult.notifications.domain import ANNOUNCEMENTS, check_subject, group_unread, subject_of


def row(i, kind, link, title="T"):
    return {"id": i, "kind": kind, "link": link, "params": {"title": title}}


def test_the_subject_is_the_page_without_its_part_and_announcements_go_together():
    assert subject_of("reply", "/topics/5#c12") == "/topics/5"
    assert subject_of("topic_state", "/topics/5") == "/topics/5"
    assert subject_of("vote_open", "/votes/2") == "/votes/2"
    assert subject_of("announcement", "/announcements/9") == ANNOUNCEMENTS


def test_groups_come_newest_first_and_say_what_they_are_about():
    rows = [row(9, "reply", "/topics/5#c3", "New title"), row(8, "vote_open", "/votes/2"),
            row(7, "reply", "/topics/5#c2", "Old title"), row(6, "topic_state", "/topics/5"),
            row(5, "announcement", "/announcements/1"), row(4, "announcement", "/announcements/2"),
            row(3, "reply", "/topics/6#c1")]
    groups = group_unread(rows)
    assert [g.subject for g in groups] == ["/topics/5", "/votes/2", ANNOUNCEMENTS, "/topics/6"]
    topic = groups[0]
    assert topic.count == 3 and topic.about == "topic" and topic.kind == "" and topic.title == "New title"
    assert [n["id"] for n in topic.items] == [9, 7, 6]
    assert groups[1].about == "vote" and groups[1].kind == "vote_open"
    assert groups[2].about == "announcements" and groups[2].count == 2
    assert groups[3].kind == "reply" and groups[3].count == 1


@pytest.mark.parametrize("bad", ["", "//evil.example/", "https://evil.example/", "/topics/1#c2", "topics/1",
                                 "/a\\b", "/x\ny", None, 5])
def test_a_subject_to_mark_read_is_checked(bad):
    with pytest.raises(ValueError):
        check_subject(bad)


def test_good_subjects_pass():
    assert check_subject("/topics/1") == "/topics/1"
    assert check_subject(ANNOUNCEMENTS) == ANNOUNCEMENTS
