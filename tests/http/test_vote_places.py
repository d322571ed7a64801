"""A vote belongs to a place (issue 13 point 3): a community's residents' council, a street,
a district people's congress. Every staff step is taken only by staff or administrators
whose scope covers that place; candidates come only from projects at or below it; the
roll, not the place, decides who casts; public pages show the place."""

from __future__ import annotations

import html
import re
import uuid

import pytest

from tests.conftest import PASSWORD, run, text_of, user_id
from tests.http._world import db_fingerprint
from tests.http.test_topics_helpers import Topics, english
from tests.http.test_voting import add_candidate, candidate_ids, cast, create_vote, set_roll, signed_in


@pytest.fixture
def person(app, community):
    """A user in a community of the street (by name), roles granted there or at ``place``."""
    from consult.accounts.services import create_user

    def make(*roles, community_name="幸福里社区", place=None, grid=0):
        name = f"p{uuid.uuid4().hex[:8]}"
        grid_id = community["communities"][community_name]["grids"][grid] if community_name != "幸福里社区" \
            else community["grids"][grid]
        place_id = community[place] if place else None
        run(create_user(name, PASSWORD, list(roles), display_name=name.upper(), grid_id=grid_id, place_id=place_id))
        return name

    return make


def community_id(community, name):
    return community["community"] if name == "幸福里社区" else community["communities"][name]["id"]


def project_in(person, community, community_name: str, title: str) -> int:
    """A project on the annual-vote route in that community (proposed, screened and formed there)."""
    grids = community["grids"] if community_name == "幸福里社区" else community["communities"][community_name]["grids"]
    made = Topics(lambda *roles, grid=0: person(*roles, community_name=community_name, grid=grid),
                  {"grids": grids})
    tid, _ = made.create("project", funding_route="annual_vote", title=title)
    return tid


def vote_place(vote_id):
    from consult.voting.tables import Vote

    return run(Vote.select(Vote.place).where(Vote.id == vote_id).first())["place"]


def vote_state(vote_id):
    from consult.voting.tables import Vote

    return run(Vote.select(Vote.state).where(Vote.id == vote_id).first())["state"]


def candidate_topics(vote_id):
    from consult.voting.tables import Candidate

    return sorted(r["topic"] for r in run(Candidate.select(Candidate.topic).where(Candidate.vote == vote_id))
                  if r["topic"] is not None)


def place_options(html: str) -> set[int]:
    """The values offered by the place field of the vote form."""
    select = re.search(r'<select id="f-place".*?</select>', html, re.S).group(0)
    return {int(v) for v in re.findall(r'<option value="(\d+)"', select)}


def _refused_everywhere(other, vote_id, steps, expect=403):
    """Each (method, path, data) refused with ``expect`` and nothing written."""
    for method, path, data in steps:
        before = db_fingerprint()
        r = other.get(path) if method == "GET" else other.post(path, data)
        assert r.status_code == expect, (method, path, r.status_code, text_of(r.text)[:300])
        assert db_fingerprint() == before, (method, path)


def test_a_new_vote_belongs_to_the_place_chosen_among_those_the_staff_serve(client, person, community):
    street_staff = person("staff", place="street")
    client.login(street_staff)
    offered = place_options(client.get("/staff/votes").text)
    # the street and each of its communities are offered; the district above is not
    assert offered == {community["street"], community["community"],
                       *(c["id"] for c in community["communities"].values())}
    vote_id = create_vote(client, place=str(community["street"]), title="街道票决")
    assert vote_place(vote_id) == community["street"]
    # Community staff are offered their own community only; the street is refused at the field.
    client.login(person("staff"))
    english(client)
    assert place_options(client.get("/staff/votes").text) == {community["community"]}
    before = db_fingerprint()
    r = client.post("/staff/votes", {"title": "A vote for the whole street", "year": "2026", "seats": "2",
                                     "threshold": "1/2", "basis": "enrolled", "secrecy": "secret", "rule": "majority",
                                     "public_weight": "0", "place": str(community["street"])})
    assert r.status_code == 400
    assert "Choose the place the vote belongs to from the list." in text_of(r.text)
    assert db_fingerprint() == before
    # A form without the field (a script): the widest place they serve, their community.
    assert vote_place(create_vote(client)) == community["community"]


def test_staff_of_another_community_are_refused_on_each_step(client, person, community, new_client, make_user):
    owner = client
    owner.login(person("staff"))  # 幸福里社区
    vote_id = create_vote(owner, seats="1")
    add_candidate(owner, vote_id, "候选项目一号")
    add_candidate(owner, vote_id, "候选项目二号")
    reps = [make_user("representative") for _ in range(3)]
    set_roll(owner, vote_id, [(u, "1") for u in reps])
    cid = candidate_ids(vote_id)[0]
    rep0 = user_id(reps[0])
    other = english(signed_in(new_client, person("staff", community_name="和顺社区")))
    resident = signed_in(new_client, make_user("resident"))
    base = f"/staff/votes/{vote_id}"
    draft_steps = [
        ("GET", base, None),
        ("POST", f"{base}/settings", {"title": "Changed by another", "year": "2026", "seats": "1", "threshold": "1/2",
                                      "basis": "enrolled", "secrecy": "secret", "rule": "majority",
                                      "public_weight": "0"}),
        ("POST", f"{base}/candidates", {"title": "Another candidate", "cost": "10"}),
        ("POST", f"{base}/candidates/from-projects", {"topic": ["1"]}),
        ("POST", f"{base}/candidates/{cid}/remove", {}),
        ("POST", f"{base}/roll", {"user_id": str(rep0), "weight": "2"}),
        ("POST", f"{base}/roll/{rep0}/remove", {}),
        ("POST", f"{base}/roll/csv", {"csv_text": f"{reps[0]},1"}),
        ("POST", f"{base}/open", {}),
    ]
    _refused_everywhere(other, vote_id, draft_steps)
    _refused_everywhere(resident, vote_id, draft_steps)  # the wrong role, too
    r = other.post(f"{base}/open")
    assert "the place this vote belongs to" in text_of(r.text) and "幸福里社区" in text_of(r.text)
    # the draft is not theirs to see: not listed, no public page
    assert f"/staff/votes/{vote_id}" not in other.get("/staff/votes").text
    assert other.get(f"/votes/{vote_id}").status_code == 404
    assert owner.post(f"{base}/open").status_code == 303
    _refused_everywhere(other, vote_id, [("GET", f"{base}/close/confirm", None),
                                         ("POST", f"{base}/close", {"confirm": "yes"})])
    ids = candidate_ids(vote_id)
    for rep in reps:
        assert cast(signed_in(new_client, rep), vote_id, {ids[0]: "approve"}).status_code == 200
    assert owner.post(f"{base}/close", {"confirm": "yes"}).status_code == 303
    _refused_everywhere(other, vote_id, [("GET", f"{base}/publish/confirm", None),
                                         ("POST", f"{base}/publish", {"confirm": "yes"})])
    assert owner.post(f"{base}/publish", {"confirm": "yes"}).status_code == 303
    _refused_everywhere(other, vote_id, [("POST", f"{base}/runoff", {})])
    assert vote_state(vote_id) == "published"


def test_street_staff_run_a_community_vote_of_their_street(client, person, community, new_client):
    client.login(person("staff", community_name="新风社区"))
    vote_id = create_vote(client, seats="1")
    street = signed_in(new_client, person("staff", place="street"))
    page = street.get(f"/staff/votes/{vote_id}")
    assert page.status_code == 200 and "新风社区居民议事会" in text_of(page.text)  # the vote's place, shown
    add_candidate(street, vote_id, "街道工作人员添加的候选")
    assert len(candidate_ids(vote_id)) == 1


def test_a_street_vote_takes_candidates_from_two_communities(client, person, community):
    here = project_in(person, community, "幸福里社区", "幸福里的票决项目")
    there = project_in(person, community, "和顺社区", "和顺的票决项目")
    client.login(person("staff", place="street"))
    vote_id = create_vote(client, place=str(community["street"]), seats="1")
    assert vote_place(vote_id) == community["street"]
    page = client.get(f"/staff/votes/{vote_id}").text
    assert f'name="topic" value="{here}"' in page and f'name="topic" value="{there}"' in page
    r = client.post(f"/staff/votes/{vote_id}/candidates/from-projects", {"topic": [str(here), str(there)]})
    assert r.status_code == 303
    assert candidate_topics(vote_id) == sorted([here, there])


def test_a_community_vote_refuses_a_project_from_another_community(client, person, community):
    elsewhere = project_in(person, community, "和顺社区", "另一个社区的项目")
    own = project_in(person, community, "幸福里社区", "本社区的项目")
    client.login(person("staff"))  # 幸福里社区
    english(client)
    vote_id = create_vote(client, seats="1")
    page = client.get(f"/staff/votes/{vote_id}").text
    assert f'name="topic" value="{own}"' in page
    assert f'name="topic" value="{elsewhere}"' not in page  # the picker offers only its own
    before = db_fingerprint()
    r = client.post(f"/staff/votes/{vote_id}/candidates/from-projects", {"topic": [str(own), str(elsewhere)]})
    assert r.status_code == 403
    assert f"Project #{elsewhere} is not in 幸福里社区" in text_of(r.text)
    assert db_fingerprint() == before and candidate_topics(vote_id) == []
    # Moving a street vote down to one community is refused while it holds another's project.
    street_staff = person("staff", place="street")
    client.login(street_staff)
    street_vote = create_vote(client, place=str(community["street"]), seats="1")
    assert client.post(f"/staff/votes/{street_vote}/candidates/from-projects",
                       {"topic": [str(elsewhere)]}).status_code == 303
    settings = {"title": "街道票决", "year": "2026", "seats": "1", "threshold": "1/2", "basis": "enrolled",
                "secrecy": "secret", "rule": "majority", "public_weight": "0", "place": str(community["community"])}
    r = client.post(f"/staff/votes/{street_vote}/settings", settings)
    assert r.status_code == 400
    assert vote_place(street_vote) == community["street"]


def test_the_roll_decides_who_votes_and_public_pages_show_the_place(client, person, community, new_client):
    client.login(person("staff", place="street"))
    vote_id = create_vote(client, place=str(community["street"]), seats="1", title="朝阳街道年度票决")
    add_candidate(client, vote_id, "街道候选一")
    add_candidate(client, vote_id, "街道候选二")
    reps = [person("representative", community_name=name) for name in ("幸福里社区", "和顺社区", "新风社区")]
    set_roll(client, vote_id, [(u, "1") for u in reps])
    assert client.post(f"/staff/votes/{vote_id}/open").status_code == 303
    ids = candidate_ids(vote_id)
    for rep in reps:  # representatives of three communities, each on the roll
        assert cast(signed_in(new_client, rep), vote_id, {ids[1]: "approve"}).status_code == 200
    visitor = english(new_client())
    page = html.unescape(text_of(visitor.get(f"/votes/{vote_id}").text))
    assert "朝阳街道 representatives' meeting" in page and "和平区 · 朝阳街道" in page
    assert "朝阳街道 representatives' meeting" in html.unescape(text_of(visitor.get("/votes").text))
    listed = [v for v in visitor.get("/api/v1/votes").json() if v["id"] == vote_id][0]
    assert listed["place_id"] == community["street"] and listed["place"] == "和平区 · 朝阳街道"
    zh = new_client()
    assert "朝阳街道代表会议" in text_of(zh.get(f"/votes/{vote_id}").text)
