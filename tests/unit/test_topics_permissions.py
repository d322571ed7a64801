"""What one viewer may do on one topic (consult.topics.permissions), and that every
state, action and choice has its label (consult.topics.labels)."""

import pytest

from consult.topics.evaluation import Rating
from consult.topics.forms import Stance
from consult.topics.labels import ACTION_BUTTONS, ACTION_DONE, ACTION_LABELS, FUNDING_LABELS, RATING_LABELS
from consult.topics.labels import STANCE_LABELS, STATE_LABELS
from consult.topics.lifecycle import (
    ACTION_INPUTS,
    ACTION_ROLES,
    Action,
    Activity,
    FundingRoute,
    TopicState,
    TransitionRefused,
)
from consult.topics.permissions import TopicPermissions

AUTHOR, OTHER = 7, 8


def perms(roles, viewer=OTHER, state="discussing", author=AUTHOR, viewer_grid=1, grid=1):
    return TopicPermissions.of(roles, viewer, viewer_grid, state, author, grid)


def test_a_resident_flags_others_comments_never_their_own():
    p = perms(["resident"])
    assert p.may_on(Activity.flag, AUTHOR) and not p.may_on(Activity.flag, OTHER)
    p.check(Activity.flag, AUTHOR)
    with pytest.raises(TransitionRefused) as excinfo:
        p.check(Activity.flag, OTHER)
    assert excinfo.value.code == "own_comment" and excinfo.value.status_code == 409


def test_guidance_only_on_ones_own_comment():
    p = perms(["party_member"])
    assert p.may_on(Activity.mark_guidance, OTHER) and not p.may_on(Activity.mark_guidance, AUTHOR)
    with pytest.raises(TransitionRefused) as excinfo:
        p.check(Activity.mark_guidance, AUTHOR)
    assert excinfo.value.code == "not_own_comment"


def test_seconds_come_from_other_residents():
    assert perms(["resident"]).may_second
    assert not perms(["resident"], viewer=AUTHOR).may_second
    assert not perms([], viewer=None).may_second


def test_a_visitor_may_do_nothing():
    p = perms([], viewer=None)
    assert p.activities == frozenset() and p.actions == () and not p.may_on(Activity.flag, AUTHOR)


def test_actions_and_the_early_end_of_an_evaluation_come_from_the_lifecycle():
    assert perms(["committee"], state="proposed").actions == (
        Action.open_discussion, Action.reject, Action.refer, Action.merge)
    assert perms(["staff"], state="evaluating").may_end_evaluation
    assert not perms(["committee"], state="evaluating").may_end_evaluation
    assert perms(["committee"]).sees_flags and perms(["admin"]).sees_flags and not perms(["resident"]).sees_flags


def test_residents_rate_only_in_their_grid():
    assert perms(["resident"], state="evaluating").may(Activity.rate)
    assert not perms(["resident"], state="evaluating", viewer_grid=2).may(Activity.rate)
    assert perms(["representative"], state="evaluating", viewer_grid=None).may(Activity.rate)


def test_every_member_has_a_label():
    assert set(STATE_LABELS) == set(TopicState)
    assert set(Action) | set(Activity) <= set(ACTION_LABELS)
    assert set(STANCE_LABELS) == set(Stance) and set(RATING_LABELS) == set(Rating)
    assert set(FUNDING_LABELS) == set(FundingRoute)


def test_every_action_a_person_takes_has_a_button_a_done_message_and_its_inputs():
    by_people = {a for a, roles in ACTION_ROLES.items() if roles - {"system"}} - {Action.close_satisfied,
                                                                                 Action.second_handling}
    assert set(ACTION_BUTTONS) == set(ACTION_DONE) == by_people
    assert set(ACTION_INPUTS) == set(Action)
    names = [i.name for inputs in ACTION_INPUTS.values() for i in inputs]
    assert "funding_route" in names and "target_id" in names


def test_route_guards_come_from_the_lifecycle_tables():
    from consult.topics.lifecycle import SCREENING_ACTIONS
    from consult.topics.permissions import who_may

    assert who_may(Activity.propose) == ("resident",)
    assert who_may(Activity.rate) == ("resident", "representative")
    from consult.topics.lifecycle import ROUTED_ACTIONS

    assert who_may(*ROUTED_ACTIONS) == ("committee", "staff")  # the system's own steps have no route
    assert who_may(Action.withdraw) == ("resident",)  # the author's own step, on its own route
    assert who_may(*SCREENING_ACTIONS) == ("committee",)
