"""Notifications domain: input rules for announcements, message rendering, links."""

from __future__ import annotations

import pytest

from consult.notifications.domain import (
    KIND_LABELS,
    KINDS,
    NotificationInputError,
    Target,
    check_link,
    read_ratio,
    render_message,
    roles_matching,
    validate_announcement,
)

GRIDS = {1, 2, 3}
ROLES = {"resident", "party_member", "committee", "representative", "staff", "admin"}


def validate(title="Water off", body="Tuesday 9-12.", grid_ids=(), role=None, everyone=False):
    return validate_announcement(title, body, list(grid_ids), role, everyone, GRIDS, ROLES)


def errors_of(**kw) -> set[str]:
    with pytest.raises(NotificationInputError) as exc:
        validate(**kw)
    return set(exc.value.errors)


def test_each_kind_has_a_label():
    assert set(KINDS) == {k.value for k in KIND_LABELS}
    assert set(KINDS) == {"topic_state", "reply", "evaluation_open", "vote_open", "vote_published", "announcement",
                          "account", "work_order", "meeting"}


def test_a_valid_announcement_to_each_kind_of_audience():
    assert validate(grid_ids=["2", "1", "2"]).target == Target(grid_ids=(1, 2))
    assert validate(role="representative").target == Target(role="representative")
    assert validate(everyone=True).target == Target(everyone=True)
    draft = validate(title="  Hi  ", body=" line one\r\nline two ", everyone=True)
    assert (draft.title, draft.body) == ("Hi", "line one\nline two")


@pytest.mark.parametrize(
    "kw, fields",
    [
        ({"title": "x", "everyone": True}, {"title"}),
        ({"title": "t" * 81, "everyone": True}, {"title"}),
        ({"title": "tab\there", "everyone": True}, {"title"}),
        ({"body": "", "everyone": True}, {"body"}),
        ({"body": "b" * 2001, "everyone": True}, {"body"}),
        ({}, {"target"}),
        ({"grid_ids": ["1"], "everyone": True}, {"target"}),
        ({"role": "staff", "everyone": True}, {"target"}),
        ({"grid_ids": ["1"], "role": "staff"}, {"target"}),
        ({"grid_ids": ["9"]}, {"grid_ids"}),
        ({"grid_ids": ["abc"]}, {"grid_ids"}),
        ({"role": "king"}, {"role"}),
        ({"title": "", "body": ""}, {"title", "body", "target"}),
    ],
)
def test_bad_announcements_name_every_bad_field(kw, fields):
    assert errors_of(**kw) == fields


def test_limits_are_inclusive():
    shortest = validate(title="ab", body="b", everyone=True)
    assert (shortest.title, shortest.body, shortest.target) == ("ab", "b", Target(everyone=True))
    longest = validate(title="t" * 80, body="b" * 2000, everyone=True)
    assert (longest.title, longest.body) == ("t" * 80, "b" * 2000)


def test_render_message_translates_and_fills_in():
    zh = {"Topic {title} is now {state_label}.": "议题 {title} 现在{state_label}。", "under discussion": "讨论中"}
    text = render_message(lambda s: zh.get(s, s), "Topic {title} is now {state_label}.", {"title": "{x}", "state_label": "under discussion"})
    assert text == "议题 {x} 现在讨论中。"  # a value's braces are not a placeholder


def test_render_message_survives_missing_or_malformed_parameters():
    assert render_message(lambda s: s, "Hello {name} from {place}", {"name": "A"}) == "Hello A from {place}"
    assert render_message(lambda s: s, "Broken {", {}) == "Broken {"
    assert render_message(lambda s: s, "Plain", None) == "Plain"


@pytest.mark.parametrize("link", ["/topics/1", "/topics/1#c2", "/votes/3?tab=result"])
def test_links_on_this_site_are_accepted(link):
    assert check_link(link) == link


@pytest.mark.parametrize("link", ["", "topics/1", "//evil.example", "https://evil.example/", "/\\evil", "/a\nb", "/" + "x" * 300])
def test_links_elsewhere_are_refused(link):
    with pytest.raises(ValueError):
        check_link(link)


def test_party_members_count_as_residents_and_ratio():
    assert roles_matching("resident") == ("resident", "party_member")
    assert roles_matching("representative") == ("representative",)
    assert read_ratio(0, 0) == 0.0 and read_ratio(4, 1) == 0.25
