"""Every CSV the app serves neutralises a formula cell (OWASP CSV injection): one planted
=HYPERLINK(...) value per route, read back through the CSV reader a spreadsheet would use."""

from __future__ import annotations

import csv
import io

from tests.http.test_voting import add_candidate, cast, create_vote, set_roll, signed_in, staff  # noqa: F401
from tests.conftest import text_of

FORMULA = '=HYPERLINK("http://x","click")'


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "text/csv; charset=utf-8"  # one charset, not two
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _assert_neutral(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (cell, row)


def test_results_csv_neutralises_a_formula_in_a_candidate_title(staff, make_user, new_client):
    vote_id = create_vote(staff, secrecy="recorded", seats="1")
    add_candidate(staff, vote_id, FORMULA)
    add_candidate(staff, vote_id, "@SUM(1+1) 候选")
    reps = [make_user("representative") for _ in range(3)]
    set_roll(staff, vote_id, [(rep, "1") for rep in reps])
    assert staff.post(f"/staff/votes/{vote_id}/open").status_code == 303
    from tests.http.test_voting import candidate_ids

    first, second = candidate_ids(vote_id)
    for rep in reps:
        assert cast(signed_in(new_client, rep), vote_id, {first: "approve"}).status_code == 200
    assert staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"}).status_code == 303
    r = staff.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"})
    assert r.status_code == 303, text_of(r.text)[:500]
    rows = _rows(new_client().get(f"/votes/{vote_id}/results.csv"))
    titles = {row[0]: row[1] for row in rows[1:]}
    assert titles[first] == "'" + FORMULA and titles[second] == "'@SUM(1+1) 候选"
    _assert_neutral(rows)


def test_topics_csv_neutralises_a_formula_in_a_topic_title(client, make_user, community):
    from tests.http.test_topics_helpers import Topics

    tid, _author = Topics(make_user, community).create(state="discussing", title=FORMULA)
    rows = _rows(client.get("/topics.csv", params={"q": "HYPERLINK"}))
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id[str(tid)][1] == "'" + FORMULA
    _assert_neutral(rows)
