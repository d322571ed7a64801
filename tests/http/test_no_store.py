"""`Cache-Control: no-store` on every response that may hold something only one person
should see (one rule, `consult.web.middleware.is_private`), and not on public pages for
visitors. Each kind of private page is checked: account, staff, ballot, ballot review,
receipt, a visitor's receipt check."""

from __future__ import annotations

from tests.http.test_voting import RECEIPT_RE, ballot_form, cast, open_vote, signed_in


def no_store(response) -> bool:
    return response.headers.get("cache-control") == "no-store"


def test_public_pages_for_visitors_are_not_marked(client):
    for path in ("/", "/topics", "/votes", "/dashboard", "/auth/login", "/healthz"):
        r = client.get(path)
        assert r.status_code == 200 and not no_store(r), path


def test_account_and_staff_pages_are_not_stored(client, make_user):
    client.login(make_user("staff"))
    for path in ("/account", "/notifications", "/staff/verification", "/staff/users", "/staff/votes",
                 "/staff/announcements", "/"):
        r = client.get(path)
        assert r.status_code == 200 and no_store(r), path  # "/" too: it shows who is signed in


def test_ballot_review_receipt_and_receipt_check_are_not_stored(client, make_user, new_client):
    client.login(make_user("staff"))
    vote_id, reps, candidates = open_vote(client, make_user)
    voter = signed_in(new_client, reps[0])
    ballot = voter.get(f"/votes/{vote_id}/ballot")
    assert ballot.status_code == 200 and no_store(ballot)
    choices = {c: "approve" for c in candidates[:1]}
    review = voter.post(f"/votes/{vote_id}/ballot/review", ballot_form(choices))
    assert review.status_code == 200 and no_store(review)
    receipt = cast(voter, vote_id, choices)
    assert receipt.status_code == 200 and no_store(receipt)
    code = RECEIPT_RE.search(receipt.text).group(0)
    visitor = new_client()
    # the check answers only once the vote is published (409 before); whatever it answers,
    # the code is in the URL, so the route is declared no-store
    check = visitor.get(f"/votes/{vote_id}/receipt?code={code}")
    assert check.status_code in (200, 409) and no_store(check)
    assert not no_store(visitor.get(f"/votes/{vote_id}"))  # the vote's public page stays cacheable


def test_the_rule_reads_the_route_the_method_and_the_viewer():
    from consult.accounts.domain import Viewer
    from consult.accounts.guards import VIEWER_KEY
    from consult.web.middleware import is_private

    class Handler:
        def __init__(self, **opt):
            self.opt = opt

    assert not is_private({"method": "GET", "route_handler": Handler()})
    assert is_private({"method": "POST", "route_handler": Handler()})
    assert is_private({"method": "GET", "route_handler": Handler(no_store=True)})
    assert is_private({"method": "GET", VIEWER_KEY: Viewer(id=1)})
    assert not is_private({"method": "GET", VIEWER_KEY: Viewer()})


def test_the_bells_badge_is_not_stored_even_for_a_visitor(client):
    """The badge is polled and changes with every notice: declared no_store on its route."""
    r = client.get("/notifications/count")
    assert r.status_code == 200 and r.headers.get("cache-control") == "no-store"
