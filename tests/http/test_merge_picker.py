"""The merge target is picked from a list, not typed as a number (issue 14): the merge form
offers the open topics (proposed or under discussion) of the same community, never the
topic itself, a closed one or another community's; the pick is an ordinary form field."""

from __future__ import annotations

import re

import pytest

from tests.http.test_topics_helpers import Topics, english, state_of


@pytest.fixture
def topics(make_user, community):
    return Topics(make_user, community)


def _options(html: str) -> set[int]:
    box = re.search(r'<select id="f-target_id"[^>]*>(.*?)</select>', html, re.S)
    assert box, "the merge form has no picker"
    return {int(v) for v in re.findall(r'<option value="(\d+)"', box.group(1))}


def test_the_picker_lists_open_topics_of_the_same_community(client, topics):
    source, _ = topics.create("proposed")
    proposed, _ = topics.create("proposed", grid=1)
    discussing, _ = topics.create("discussing")
    rejected, _ = topics.create("rejected")
    client.login(topics.committee)
    english(client)
    page = client.get(f"/topics/{source}")
    assert page.status_code == 200
    offered = _options(page.text)
    assert {proposed, discussing} <= offered
    assert source not in offered and rejected not in offered
    r = client.post(f"/topics/{source}/actions/merge", {"target_id": str(discussing)})
    assert r.status_code == 303, r.text[:500]
    assert state_of(source) == "merged"


def test_another_communitys_topics_are_not_offered(client, topics, community):
    from consult.accounts.services import create_user
    from tests.conftest import PASSWORD, run

    grids = community["communities"]["新风社区"]["grids"]
    run(create_user("xf_author_1", PASSWORD, ["resident"], display_name="XF", grid_id=grids[0]))
    from consult.topics import commands
    from tests.http.test_topics_helpers import viewer

    far = run(commands.propose_topic(viewer("xf_author_1"), "A topic of 新风社区", "A description long enough.",
                                     "parking", grids[0]))
    source, _ = topics.create("proposed")
    client.login(topics.committee)
    assert far not in _options(client.get(f"/topics/{source}").text)


def test_a_picked_topic_that_closed_meanwhile_is_refused_at_the_field(client, topics):
    source, _ = topics.create("proposed")
    target, _ = topics.create("rejected")
    client.login(topics.committee)
    english(client)
    r = client.post(f"/topics/{source}/actions/merge", {"target_id": str(target)})
    assert r.status_code == 400 and "only a proposed topic or one under discussion" in r.text
    assert '<select id="f-target_id"' in r.text and 'aria-invalid="true"' in r.text
    assert state_of(source) == "proposed"
