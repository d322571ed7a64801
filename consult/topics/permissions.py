"""What one viewer may do on one topic and its comments, worked out once per request
from the lifecycle's tables. The commands check through it, the pages and templates
ask it; no rule is written a second time. Standard library and lifecycle only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from consult.places.settings import PlaceSettings
from consult.roles import Role, RolesHere, effective_roles, elsewhere_of
from consult.topics.lifecycle import (
    ACTION_ROLES,
    AUTHOR_ACTIONS,
    RULE_ACTIONS,
    ACTIVITY_RULES,
    Action,
    Activity,
    TopicState,
    allowed_actions,
    can,
    check,
    check_item,
)


# The key under which a topic's ``comments_by_author`` holds every comment id (no account has it).
ALL_COMMENTS = -1


@dataclass(frozen=True)
class TopicPermissions:
    """``activities``: what the viewer may do here, an own-only activity counted as
    allowed on their own items and an own-excluded one on others' items; ``may_on``
    tells for one item."""

    state: TopicState
    viewer_id: int | None
    roles: frozenset[str]
    in_grid: bool
    own_topic: bool
    actions: tuple[Action, ...]
    activities: frozenset[Activity]
    settings: PlaceSettings | None = None
    author_actions: tuple[Action, ...] = ()

    @classmethod
    def of(
        cls,
        granted: Iterable[str],
        viewer_id: int | None,
        viewer_grid: int | None,
        state: TopicState | str,
        author_id: int | None,
        grid_id: int | None,
        settings: PlaceSettings | None = None,
    ) -> TopicPermissions:
        roles = RolesHere.of(effective_roles(granted), elsewhere_of(granted))  # refusals can say "not here"
        state = TopicState(state)
        in_grid = viewer_grid is not None and viewer_grid == grid_id
        activities = frozenset(
            a for a in Activity
            if can(a, state, roles, in_topic_grid=in_grid, is_author=ACTIVITY_RULES[a].own_only, settings=settings)
        )
        own_topic = viewer_id is not None and viewer_id == author_id
        return cls(
            state=state, viewer_id=viewer_id, roles=roles, in_grid=in_grid, own_topic=own_topic,
            # the author's own steps (withdraw) are not among the committee's and staff's next
            # steps, and the evaluation rule's are taken by "end the evaluation window now"
            actions=tuple(a for a in allowed_actions(state, roles) if a not in AUTHOR_ACTIONS | RULE_ACTIONS),
            author_actions=tuple(a for a in allowed_actions(state, roles) if a in AUTHOR_ACTIONS and own_topic),
            activities=activities, settings=settings,
        )

    @classmethod
    def for_viewer(cls, viewer: Any, topic: Mapping[str, Any], settings: PlaceSettings | None = None) -> TopicPermissions:
        """From a ``Viewer`` and a topic row with its ``place_path``: only the roles that
        reach the topic's place count (consult.places.tree). ``settings``: those of the
        topic's grid (who may rate depends on them; None: the built-in defaults)."""
        return cls.of(viewer.granted_at(topic["place_path"]), viewer.id, viewer.grid_id, topic["state"], topic["author"],
                      topic["grid"], settings)

    def may(self, activity: Activity | str) -> bool:
        return activity in self.activities

    def open_for(self, activity: Activity | str) -> bool:
        """Whether anyone may do ``activity`` in this state (to invite a visitor to sign in)."""
        return self.state in ACTIVITY_RULES[Activity(activity)].states

    def is_own(self, author_id: int | None) -> bool:
        return self.viewer_id is not None and author_id == self.viewer_id

    def may_on(self, activity: Activity | str, author_id: int | None) -> bool:
        """Whether the viewer may do ``activity`` on an item written by ``author_id``."""
        rule = ACTIVITY_RULES[Activity(activity)]
        own = self.is_own(author_id)
        if (rule.own_only and not own) or (rule.own_excluded and own):
            return False
        return self.may(activity)

    def check(self, activity: Activity | str, author_id: int | None = None) -> None:
        """Refuse (``TransitionRefused``) what the viewer may not do on this item."""
        own = self.is_own(author_id)
        check(activity, self.state, self.roles, in_topic_grid=self.in_grid, is_author=own, settings=self.settings)
        check_item(activity, own)

    def ids_may_on(self, activity: Activity | str, every: frozenset[int], own: frozenset[int]) -> frozenset[int]:
        """Of the items ``every`` (``own``: those the viewer wrote), the ids the viewer may do
        ``activity`` on."""
        if not self.may(activity):
            return frozenset()
        on_own = self.viewer_id is not None and self.may_on(activity, self.viewer_id)
        on_others = self.may_on(activity, None)
        if on_own and on_others:
            return every
        if on_others:
            return every - own if own else every
        return own if on_own else frozenset()

    @property
    def may_second(self) -> bool:
        """Seconds come from other residents: not on one's own topic."""
        return self.may(Activity.second) and not self.own_topic

    @property
    def may_edit(self) -> bool:
        """The author corrects their own topic (and may withdraw it) until it is screened."""
        return self.own_topic and self.may(Activity.edit)

    @property
    def may_withdraw(self) -> bool:
        return Action.withdraw in self.author_actions

    @property
    def may_end_evaluation(self) -> bool:
        """Ending a window early is taken by who may close it (by the rule, never by hand)."""
        return Action.close_satisfied in allowed_actions(self.state, self.roles)

    @property
    def sees_flags(self) -> bool:
        """The committee sees how often a comment was flagged."""
        return Role.committee in self.roles

    @property
    def can(self) -> dict[str, bool]:
        """``{activity: allowed}`` for the templates."""
        return {a.value: a in self.activities for a in Activity}


def who_may(*things: Activity | Action) -> tuple[str, ...]:
    """The human roles that may do any of ``things`` somewhere (a route's guard: who may
    ask at all; the lifecycle then decides for this topic), in ``Role`` order."""
    roles: set[str] = set()
    for thing in things:
        if isinstance(thing, Action):
            roles |= ACTION_ROLES[thing]
        else:
            rule = ACTIVITY_RULES[thing]
            roles |= rule.roles | rule.grid_roles
    return tuple(role for role in Role if role in roles)
