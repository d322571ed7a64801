"""The authorization matrix: every route and method of the app, every role.

MATRIX below is the table of who may use what, from SPEC §1 (roles) and the
guards' intent: admin may do everything, a party member counts as a resident, an
account without a verified role may read and look after its own account and
notifications but not write. Where the guard is shared and the domain decides
further (committee vs staff on ``/topics/{id}/actions/{action}``) the entry is
the guard's role set.

For each entry and role, with path parameters filled by real objects:
- a refused visitor is sent to sign in (303 to /auth/login); a refused signed-in
  person gets 403; for unsafe methods nothing in the database changes;
- an allowed role gets anything but 401/403 and never a 5xx (a business refusal
  such as 400/404/409 is fine).

A route in the app without an entry here fails `test_every_route_has_an_entry`.

Roles are scoped to places (SPEC §1): the matrix also runs every entry for actors whose
role lies elsewhere (``SCOPED_ACTORS``: the committee of 和顺社区, the staff of 朝阳街道),
on objects in 幸福里社区. Each passes or fails the guard as its role does; where the guard
lets it in, the committee of another community is refused by the place (``PLACE_REFUSED``:
403, nothing changed), and the street's staff is never refused in a community of its street.
``SCOPED_CASES`` then takes the topic steps (screen, moderate, form a project, the staff's
steps) in each community of the street and states the outcome of each.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import run

from tests.http._world import ROLES, SCOPED_ACTORS, add_scoped_actors, build_world, db_fingerprint

PUBLIC = frozenset(ROLES)
SIGNED_IN = frozenset(ROLES) - {"visitor"}
RESIDENTS = frozenset({"resident", "party_member", "admin"})  # party members count as residents
PARTY = frozenset({"party_member", "admin"})
COMMITTEE = frozenset({"committee", "admin"})
REPRESENTATIVES = frozenset({"representative", "admin"})
STAFF = frozenset({"staff", "admin"})
INTAKE = STAFF | {"grid_worker"}  # entering for a resident: staff or the grid worker
COMMITTEE_OR_STAFF = COMMITTEE | STAFF
RESIDENTS_OR_REPRESENTATIVES = RESIDENTS | REPRESENTATIVES
ADMIN = frozenset({"admin"})

MATRIX: dict[str, frozenset[str]] = {
    # site
    "GET /": PUBLIC,
    "GET /tasks": COMMITTEE | STAFF | REPRESENTATIVES,
    "GET /healthz": PUBLIC,
    "GET /photos/{photo_id:int}/{size:str}": PUBLIC,
    "GET /lang/{code:str}": PUBLIC,
    "GET /display/{mode:str}": PUBLIC,
    # accounts
    "GET /auth/register": PUBLIC,
    "POST /auth/register": PUBLIC,
    "GET /auth/login": PUBLIC,
    "POST /auth/login": PUBLIC,
    "POST /auth/logout": PUBLIC,
    "GET /account": SIGNED_IN,
    "POST /account/password": SIGNED_IN,
    "POST /account/role-requests": SIGNED_IN,
    "GET /staff/verification": STAFF,
    "GET /staff/users": STAFF,
    "POST /staff/users/{user_id:int}/verify": STAFF,
    "POST /staff/users/{user_id:int}/roles": STAFF,
    "GET /staff/users/{user_id:int}/roles/{role:str}/revoke": STAFF,  # the confirmation page
    "POST /staff/users/{user_id:int}/roles/{role:str}/revoke": STAFF,
    "POST /staff/role-requests/{request_id:int}/decline": STAFF,
    "GET /auth/forgot": PUBLIC,
    "GET /welcome": SIGNED_IN,
    "POST /account/verification": SIGNED_IN,  # ask again after a decline (409 when not declined)
    "GET /staff/users/{user_id:int}/decline": STAFF,
    "POST /staff/users/{user_id:int}/decline": STAFF,
    "GET /staff/users/{user_id:int}/one-time-password": STAFF,  # the confirmation page
    "POST /staff/users/{user_id:int}/one-time-password": STAFF,
    "GET /admin/audit": ADMIN,
    # notifications
    "GET /notifications/count": PUBLIC,  # a visitor gets an empty badge
    "GET /notifications": SIGNED_IN,
    "POST /notifications/{notification_id:int}/read": SIGNED_IN,
    "POST /notifications/read-all": SIGNED_IN,
    "POST /notifications/groups/read": SIGNED_IN,
    "GET /notifications/preferences": SIGNED_IN,
    "POST /notifications/preferences": SIGNED_IN,
    "GET /announcements/{announcement_id:int}": SIGNED_IN,
    "GET /staff/announcements": STAFF,
    "POST /staff/announcements": STAFF,
    # dashboard and open data
    "GET /dashboard": PUBLIC,
    "GET /api/v1/places": PUBLIC,
    "GET /api/v1/stats": PUBLIC,
    "GET /topics.csv": PUBLIC,
    # topics: read
    "GET /topics": PUBLIC,
    "GET /topics/{topic_id:int}": PUBLIC,
    "GET /api/v1/topics": PUBLIC,
    "GET /api/v1/topics/{topic_id:int}": PUBLIC,
    # topics: residents
    "GET /topics/new": RESIDENTS,
    "POST /topics": RESIDENTS,
    "POST /topics/{topic_id:int}/second": RESIDENTS,
    "POST /topics/{topic_id:int}/stance": RESIDENTS,
    "POST /topics/{topic_id:int}/comments": RESIDENTS,
    "POST /topics/{topic_id:int}/comments/{comment_id:int}/flag": RESIDENTS,
    "POST /topics/{topic_id:int}/comments/{comment_id:int}/guidance": PARTY,
    "POST /topics/{topic_id:int}/ratings": RESIDENTS_OR_REPRESENTATIVES,
    "POST /topics/{topic_id:int}/supervision": RESIDENTS_OR_REPRESENTATIVES,
    # topics: the author's own (the domain then refuses anyone but the author: DOMAIN_403)
    "GET /topics/{topic_id:int}/edit": RESIDENTS,
    "POST /topics/{topic_id:int}/edit": RESIDENTS,
    "GET /topics/{topic_id:int}/withdraw": RESIDENTS,  # the confirmation page
    "POST /topics/{topic_id:int}/withdraw": RESIDENTS,
    # topics: committee and staff
    "GET /committee/screening": COMMITTEE,
    "POST /topics/{topic_id:int}/comments/{comment_id:int}/pin": COMMITTEE,
    "POST /topics/{topic_id:int}/comments/{comment_id:int}/hide": COMMITTEE,
    "POST /topics/{topic_id:int}/comments/{comment_id:int}/unhide": COMMITTEE,
    "POST /topics/{topic_id:int}/comments/{comment_id:int}/dismiss-flags": COMMITTEE,
    "GET /committee/flags": COMMITTEE,
    "POST /topics/{topic_id:int}/actions/{action:str}": COMMITTEE_OR_STAFF,
    "POST /topics/{topic_id:int}/evaluation/end": STAFF,
    "POST /topics/{topic_id:int}/progress": STAFF,
    # votes: public
    "GET /votes": PUBLIC,
    "GET /votes/{vote_id:int}": PUBLIC,
    "GET /votes/{vote_id:int}/receipt": PUBLIC,
    "GET /votes/{vote_id:int}/results.csv": PUBLIC,
    "GET /api/v1/votes": PUBLIC,
    "GET /api/v1/votes/{vote_id:int}": PUBLIC,
    "GET /api/v1/votes/{vote_id:int}/results": PUBLIC,
    "GET /api/v1/votes/{vote_id:int}/ballots": PUBLIC,
    # votes: representatives
    "GET /votes/{vote_id:int}/ballot": REPRESENTATIVES,
    "POST /votes/{vote_id:int}/ballot": REPRESENTATIVES,
    "POST /votes/{vote_id:int}/ballot/count": REPRESENTATIVES,
    "POST /votes/{vote_id:int}/ballot/review": REPRESENTATIVES,
    "POST /votes/{vote_id:int}/reviews": REPRESENTATIVES,
    "GET /votes/{vote_id:int}/receipt/yours": REPRESENTATIVES,
    "POST /votes/{vote_id:int}/receipt/file": REPRESENTATIVES,
    # votes: staff
    "GET /staff/votes": STAFF,
    "POST /staff/votes": STAFF,
    "GET /staff/votes/{vote_id:int}": STAFF,
    "POST /staff/votes/{vote_id:int}/settings": STAFF,
    "POST /staff/votes/{vote_id:int}/candidates": STAFF,
    "POST /staff/votes/{vote_id:int}/candidates/from-projects": STAFF,
    "POST /staff/votes/{vote_id:int}/candidates/{candidate_id:int}/remove": STAFF,
    "POST /staff/votes/{vote_id:int}/roll": STAFF,
    "POST /staff/votes/{vote_id:int}/roll/{user_id:int}/remove": STAFF,
    "POST /staff/votes/{vote_id:int}/roll/csv": STAFF,
    "POST /staff/votes/{vote_id:int}/open": STAFF,
    "GET /staff/votes/{vote_id:int}/close/confirm": STAFF,
    "POST /staff/votes/{vote_id:int}/close": STAFF,
    "GET /staff/votes/{vote_id:int}/publish/confirm": STAFF,
    "POST /staff/votes/{vote_id:int}/publish": STAFF,
    "POST /staff/votes/{vote_id:int}/runoff": STAFF,
    # votes: the paper ballot desk (issue 16 point 4)
    "GET /staff/votes/{vote_id:int}/desk": STAFF,
    "GET /staff/votes/{vote_id:int}/desk/sign-in": STAFF,  # the confirmation page
    "POST /staff/votes/{vote_id:int}/desk/sign-in": STAFF,
    "GET /staff/votes/{vote_id:int}/desk/box": STAFF,  # the confirmation page
    "POST /staff/votes/{vote_id:int}/desk/box": STAFF,
    "POST /staff/votes/{vote_id:int}/desk/entries": STAFF,
    "POST /staff/votes/{vote_id:int}/desk/entries/{serial:int}/reconcile": STAFF,
    # places, departments, categories and first-run setup: the administrator's (whole install)
    "GET /admin/places": ADMIN,
    "POST /admin/places": ADMIN,
    "POST /admin/places/import": ADMIN,
    "GET /admin/places/{place_id:int}": ADMIN,
    "POST /admin/places/{place_id:int}": ADMIN,
    "GET /admin/places/{place_id:int}/move": ADMIN,  # the confirmation page
    "POST /admin/places/{place_id:int}/move": ADMIN,
    "GET /admin/places/{place_id:int}/deactivate": ADMIN,  # the confirmation page
    "POST /admin/places/{place_id:int}/deactivate": ADMIN,
    "POST /admin/places/{place_id:int}/reactivate": ADMIN,
    "GET /admin/departments": ADMIN,
    "POST /admin/departments": ADMIN,
    "POST /admin/departments/{department_id:int}": ADMIN,
    "GET /admin/categories": ADMIN,
    "POST /admin/categories": ADMIN,
    "POST /admin/categories/defaults": ADMIN,
    "POST /admin/categories/{category_id:int}": ADMIN,
    "GET /admin/setup": ADMIN,
    "POST /admin/setup/name": ADMIN,
    "POST /admin/setup/staff": ADMIN,
    "POST /admin/setup/finish": ADMIN,
    # places: settings per place (the world's staff are staff of its community)
    "GET /staff/settings": STAFF,
    "GET /staff/places/{place_id:int}/settings": STAFF,
    "POST /staff/places/{place_id:int}/settings": STAFF,
    "POST /staff/places/{place_id:int}/calendar": STAFF,  # the holiday calendar (staff of the place or above)
    "POST /staff/places/{place_id:int}/calendar/remove": STAFF,
    "POST /staff/places/{place_id:int}/calendar/upload": STAFF,
    "GET /staff/votes/{vote_id:int}/delete": STAFF,  # the confirmation page
    "POST /staff/votes/{vote_id:int}/delete": STAFF,
    # printed notices (公示): public data only
    "GET /votes/{vote_id:int}/print": PUBLIC,
    "GET /places/{place_id:int}/projects/print": PUBLIC,
    "GET /topics/{topic_id:int}/print": PUBLIC,
    # work orders: the order page is public; a move is for the signed-in (the domain checks
    # the role and its reach: the holder's place, the holder department, the requester)
    "GET /work-orders/{order_id:int}": PUBLIC,
    "POST /work-orders/{order_id:int}/act/{action:str}": SIGNED_IN,
    "GET /department/orders": SIGNED_IN,  # a person in no department reads that they are in none
    "GET /work-orders": COMMITTEE_OR_STAFF,
    "GET /work-orders/new": STAFF,
    "POST /work-orders/new": STAFF,
    "POST /topics/{topic_id:int}/work-order": COMMITTEE_OR_STAFF,
    # follow-ups and 诉求不合理: staff (the domain checks the order's level, and the level above)
    "POST /work-orders/{order_id:int}/follow-ups": STAFF,
    "POST /work-orders/{order_id:int}/unreasonable": STAFF,
    "POST /work-orders/{order_id:int}/unreasonable/decide": STAFF,
    # the public scoreboard and its open data
    "GET /work-orders/scoreboard": PUBLIC,
    "GET /work-orders/scoreboard.csv": PUBLIC,
    "GET /api/v1/stats/departments": PUBLIC,
    "GET /api/v1/work-orders": PUBLIC,
    # intake on a resident's behalf (代办); the public tracking page; the resident attaches a code
    "GET /intake/new": INTAKE,
    "POST /intake": INTAKE,
    "GET /intake": INTAKE,
    "POST /intake/{intake_id:int}/attach": STAFF,
    "GET /track": PUBLIC,
    "GET /track/{tracking_code:str}": PUBLIC,
    "POST /track/{tracking_code:str}/attach": RESIDENTS,
    "GET /topics/{topic_id:int}/assist": INTAKE,
    "POST /topics/{topic_id:int}/assist/{act:str}": INTAKE,
    "GET /admin/departments/{department_id:int}/members": ADMIN,
    "POST /admin/departments/{department_id:int}/members": ADMIN,
    "POST /admin/departments/{department_id:int}/members/remove": ADMIN,
    # meetings: public pages; the committee of the place schedules, changes and cancels; the
    # staff (or committee) of the place record them (the domain checks the place)
    "GET /meetings": PUBLIC,
    "GET /meetings/{meeting_id:int}": PUBLIC,
    "GET /places/{place_id:int}/meetings/new": COMMITTEE,
    "POST /places/{place_id:int}/meetings": COMMITTEE,
    "GET /meetings/{meeting_id:int}/edit": COMMITTEE,
    "POST /meetings/{meeting_id:int}/edit": COMMITTEE,
    "GET /meetings/{meeting_id:int}/cancel": COMMITTEE,  # the confirmation page
    "POST /meetings/{meeting_id:int}/cancel": COMMITTEE,
    "GET /meetings/{meeting_id:int}/record": COMMITTEE_OR_STAFF,
    "POST /meetings/{meeting_id:int}/record": COMMITTEE_OR_STAFF,
    "POST /meetings/{meeting_id:int}/decisions/{topic_id:int}/{action:str}": COMMITTEE_OR_STAFF,
}

# Not application routes: the static files router and the OpenAPI schema, by name.
SKIPPED_HANDLER_NAMES = {"static", "static/head"}
SKIPPED_PATHS = {"/api/schema", "/api/schema/openapi.json", "/api/schema/{path:str}"}

# Requests that end or replace the session run on a fresh client, so the role's own stays signed in.
SESSION_CHANGING = {"POST /auth/logout", "POST /auth/login"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# Which object fills a path parameter, per entry (else DEFAULT_PARAMS by name).
DEFAULT_PARAMS = {
    "topic_id": "topic_discussing",
    "photo_id": "photo",
    "comment_id": "comment",
    "vote_id": "vote_published",
    "user_id": "target_user",
    "request_id": "role_request",
    "announcement_id": "announcement",
    "candidate_id": "candidate",
    "place_id": "community_place",
    "department_id": "department",
    "category_id": "category",
    "order_id": "work_order",
    "intake_id": "intake",
    "meeting_id": "meeting",
}
PARAMS: dict[str, dict[str, str]] = {
    "POST /topics/{topic_id:int}/second": {"topic_id": "topic_proposed"},
    "GET /topics/{topic_id:int}/edit": {"topic_id": "topic_proposed"},
    "POST /topics/{topic_id:int}/edit": {"topic_id": "topic_proposed"},
    "GET /topics/{topic_id:int}/withdraw": {"topic_id": "topic_proposed"},
    "POST /topics/{topic_id:int}/withdraw": {"topic_id": "topic_proposed"},
    "POST /topics/{topic_id:int}/comments/{comment_id:int}/guidance": {"comment_id": "party_comment"},
    "POST /topics/{topic_id:int}/actions/{action:str}": {"topic_id": "topic_proposed"},
    "POST /topics/{topic_id:int}/evaluation/end": {"topic_id": "topic_evaluating"},
    "POST /topics/{topic_id:int}/progress": {"topic_id": "topic_implementing"},
    "POST /topics/{topic_id:int}/supervision": {"topic_id": "topic_implementing"},
    "POST /topics/{topic_id:int}/ratings": {"topic_id": "topic_evaluating"},
    "GET /votes/{vote_id:int}/ballot": {"vote_id": "vote_open"},
    "POST /votes/{vote_id:int}/ballot": {"vote_id": "vote_open"},
    "POST /votes/{vote_id:int}/ballot/count": {"vote_id": "vote_open"},
    "POST /votes/{vote_id:int}/ballot/review": {"vote_id": "vote_open"},
    "GET /staff/votes/{vote_id:int}": {"vote_id": "vote_draft"},
    "POST /staff/votes/{vote_id:int}/settings": {"vote_id": "vote_draft"},
    "POST /staff/votes/{vote_id:int}/candidates": {"vote_id": "vote_draft"},
    "POST /staff/votes/{vote_id:int}/candidates/from-projects": {"vote_id": "vote_draft"},
    "POST /staff/votes/{vote_id:int}/candidates/{candidate_id:int}/remove": {"vote_id": "vote_draft"},
    "POST /staff/votes/{vote_id:int}/roll": {"vote_id": "vote_draft"},
    "POST /staff/votes/{vote_id:int}/roll/{user_id:int}/remove": {"vote_id": "vote_draft", "user_id": "roll_user"},
    "POST /staff/votes/{vote_id:int}/roll/csv": {"vote_id": "vote_draft"},
    "POST /staff/votes/{vote_id:int}/open": {"vote_id": "vote_draft"},
    "POST /staff/votes/{vote_id:int}/close": {"vote_id": "vote_open"},
    "POST /staff/votes/{vote_id:int}/publish": {"vote_id": "vote_open"},
    "GET /staff/votes/{vote_id:int}/close/confirm": {"vote_id": "vote_open"},
    "GET /staff/votes/{vote_id:int}/delete": {"vote_id": "vote_draft"},
    "POST /staff/votes/{vote_id:int}/delete": {"vote_id": "vote_draft"},  # without confirm: changes nothing
    "GET /staff/votes/{vote_id:int}/publish/confirm": {"vote_id": "vote_open"},
    "GET /votes/{vote_id:int}/receipt/yours": {"vote_id": "vote_open"},
    "POST /votes/{vote_id:int}/receipt/file": {"vote_id": "vote_open"},
    "GET /meetings/{meeting_id:int}/record": {"meeting_id": "meeting_held"},
    "POST /meetings/{meeting_id:int}/record": {"meeting_id": "meeting_held"},
    "POST /meetings/{meeting_id:int}/decisions/{topic_id:int}/{action:str}": {"meeting_id": "meeting_held"},
    "GET /staff/votes/{vote_id:int}/desk": {"vote_id": "vote_open"},
    "GET /staff/votes/{vote_id:int}/desk/sign-in": {"vote_id": "vote_open"},
    "POST /staff/votes/{vote_id:int}/desk/sign-in": {"vote_id": "vote_open"},  # without confirm: changes nothing
    "GET /staff/votes/{vote_id:int}/desk/box": {"vote_id": "vote_open"},
    "POST /staff/votes/{vote_id:int}/desk/box": {"vote_id": "vote_open"},  # without confirm: changes nothing
    "POST /staff/votes/{vote_id:int}/desk/entries": {"vote_id": "vote_open"},
    "POST /staff/votes/{vote_id:int}/desk/entries/{serial:int}/reconcile": {"vote_id": "vote_open"},
}
LITERAL_PARAMS = {"code": "en", "mode": "elder", "role": "representative", "action": "open_discussion", "size": "320",
                  "tracking_code": "ABCD-EFGH-JKMN", "act": "second", "serial": "1"}

# A plausible form for some entries, so an allowed role reaches past the first check.
FORMS: dict[str, dict] = {
    "POST /topics/{topic_id:int}/stance": {"stance": "support"},
    "POST /topics/{topic_id:int}/comments": {"body": "Matrix check comment."},
    "POST /topics/{topic_id:int}/comments/{comment_id:int}/hide": {"reason": "Off topic for this discussion."},
    "POST /topics/{topic_id:int}/supervision": {"body": "Supervision note from the matrix check."},
    "POST /topics/{topic_id:int}/ratings": {"value": "satisfied"},
    "POST /topics/{topic_id:int}/progress": {"percent": "10", "note": "Started.", "on_date": ""},
    "POST /staff/users/{user_id:int}/roles": {"role": "committee"},
    "POST /account/role-requests": {"role": "representative", "note": "matrix"},
    "POST /staff/announcements": {"title": "Matrix check", "body": "An announcement.", "everyone": "1"},
    "POST /staff/places/{place_id:int}/settings": {"min_ratings": "5"},
    "POST /staff/places/{place_id:int}/calendar": {"day": "2031-05-01", "kind": "holiday", "name": "matrix"},
    "POST /staff/places/{place_id:int}/calendar/remove": {"day": "2031-05-01"},
    "POST /notifications/groups/read": {"subject": "/topics/1"},
    "POST /work-orders/{order_id:int}/act/{action:str}": {"reason": "Matrix check: needs the street."},
    "POST /work-orders/{order_id:int}/follow-ups": {"channel": "call", "outcome": "resolved", "reason": "spot_check"},
    "POST /work-orders/{order_id:int}/unreasonable": {"reason": "Matrix check: an unreasonable request."},
    "POST /admin/departments/{department_id:int}/members": {"username": "nobody-here"},
}


# Allowed at the guard, refused by the domain with 403 for a reason of its own (SPEC §3: only
# representatives on the vote's roll cast and review; an admin is on no roll here).
DOMAIN_403 = {
    # only the topic's author edits or withdraws it; nobody in the matrix wrote topic_proposed
    **{(f"{method} /topics/{{topic_id:int}}/{page}", role): "not the author"
       for method, page in (("GET", "edit"), ("POST", "edit"), ("GET", "withdraw"))
       for role in ("resident", "party_member", "admin")},
    ("GET /votes/{vote_id:int}/ballot", "admin"): "not on the roll",
    ("POST /votes/{vote_id:int}/ballot", "admin"): "not on the roll",
    ("POST /votes/{vote_id:int}/ballot/count", "admin"): "not on the roll",
    ("POST /votes/{vote_id:int}/ballot/review", "admin"): "not on the roll",
    ("POST /votes/{vote_id:int}/reviews", "admin"): "not on the roll",
    # the world's staff are the order's own level: only the level above decides 诉求不合理
    ("POST /work-orders/{order_id:int}/unreasonable/decide", "staff"): "not the level above",
}
GUARD_MESSAGES = ("This needs one of these roles", "awaiting verification")


def _guard_refusal(response) -> bool:
    return any(m in response.text for m in GUARD_MESSAGES)


def _is_auto_options(handler) -> bool:
    return getattr(getattr(handler, "fn", None), "__name__", "") == "options_handler"


def app_entries(app) -> set[str]:
    """'METHOD /path' for every HTTP handler of the app (less the skipped ones and Litestar's automatic OPTIONS)."""
    from litestar.routes import HTTPRoute

    found = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path in SKIPPED_PATHS:
            continue
        for method, value in route.route_handler_map.items():
            handler = value[0] if isinstance(value, tuple) else value
            if handler.name in SKIPPED_HANDLER_NAMES or (method == "OPTIONS" and _is_auto_options(handler)):
                continue
            found.add(f"{method} {route.path}")
    return found


@pytest.fixture(scope="module")
def world(app, community):
    w = build_world(app, community)
    yield w
    w.close()


def test_every_route_has_an_entry(app):
    routes = app_entries(app)
    missing = sorted(routes - MATRIX.keys())
    stale = sorted(MATRIX.keys() - routes)
    assert not missing, f"new route without an entry in the matrix: {missing}"
    assert not stale, f"matrix entries for routes the app no longer has: {stale}"
    # the skipped routes exist, so skipping them by name still means something
    names = {h.name for r in app.routes for h in getattr(r, "route_handlers", [])}
    assert SKIPPED_HANDLER_NAMES & names
    assert SKIPPED_PATHS <= {r.path for r in app.routes}


def _url(key: str, world, role: str) -> str:
    method, template = key.split(" ", 1)
    overrides = PARAMS.get(key, {})

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name in LITERAL_PARAMS:
            return LITERAL_PARAMS[name]
        if name == "notification_id":
            return str(world.notification_of.get(role, world.ids["any_notification"]))
        return str(world.ids[overrides.get(name, DEFAULT_PARAMS[name])])

    return re.sub(r"\{(\w+):\w+\}", fill, template)


def _send(client, method: str, url: str, data: dict | None):
    if method in SAFE_METHODS:
        return client.request(method, url, csrf=False)
    return client.request(method, url, data=data or {})


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_matrix_entry(key, world):
    method, _template = key.split(" ", 1)
    allowed = MATRIX[key]
    problems = []
    for role in ROLES:
        url = _url(key, world, role)
        fresh = key in SESSION_CHANGING
        client = world.fresh_client(role) if fresh else world.client(role)
        data = dict(FORMS.get(key, {}))
        if key == "POST /auth/login":
            data = {"username": world.users[role] or "nobody-here", "password": "test-password-1", "next": "/"}
        try:
            before = db_fingerprint() if method not in SAFE_METHODS and role not in allowed else None
            r = _send(client, method, url, data)
            where = f"{role}: {method} {url} -> {r.status_code}"
            if r.status_code >= 500:
                problems.append(f"{where} (server error)")
            elif role in allowed:
                if r.status_code == 401 or (r.status_code == 403 and _guard_refusal(r)):
                    problems.append(f"{where}, but the matrix allows {role}")
                elif r.status_code == 403 and (key, role) not in DOMAIN_403:
                    problems.append(f"{where}: a domain-level 403 not listed in DOMAIN_403")
            else:
                if role == "visitor":
                    location = r.headers.get("location", "")
                    if r.status_code != 303 or not location.startswith("/auth/login"):
                        problems.append(f"{where} (location {location!r}), expected 303 to /auth/login")
                elif r.status_code != 403 or not _guard_refusal(r):
                    problems.append(f"{where}, expected the guard's 403")
                if before is not None and db_fingerprint() != before:
                    problems.append(f"{where}: a refused {method} changed the database")
        finally:
            if fresh:
                client.tc.__exit__(None, None, None)
    assert not problems, "\n".join(problems)


def test_the_world_is_what_the_matrix_assumes(world):
    """The roles really hold what their names say (so an 'allowed' pass means something)."""
    from consult.accounts.services import load_viewer
    from tests.conftest import user_id

    for role in ROLES[2:]:
        v = run_viewer(load_viewer, user_id(world.users[role]))
        assert role in v.granted and v.verified
    v = run_viewer(load_viewer, user_id(world.users["unverified"]))
    assert not v.granted and not v.verified
    assert world.client("visitor").get("/account").status_code == 303
    for role in ROLES[1:]:
        assert world.client(role).get("/account").status_code == 200, role


def run_viewer(load_viewer, uid):
    from tests.conftest import run

    return run(load_viewer(uid))


def test_drafts_are_hidden_from_everyone_but_staff(world):
    """Beyond the guards: a draft vote's pages and JSON are not public (SPEC §3: public from leaving draft)."""
    vote_id = world.ids["vote_draft"]
    for role in ROLES:
        c = world.client(role)
        for url in (f"/votes/{vote_id}", f"/api/v1/votes/{vote_id}"):
            status = c.get(url).status_code
            if role in STAFF and not url.startswith("/api/"):
                assert status == 200, (role, url, status)
            else:
                assert status == 404, (role, url, status)


# ---------------------------------------------------------------- roles scoped to places

# Entries where the guard lets a scoped actor in and the place refuses it (403, nothing changed).
PLACE_REFUSED = {
    "committee@和顺社区": {
        "POST /topics/{topic_id:int}/comments/{comment_id:int}/pin",
        "POST /topics/{topic_id:int}/comments/{comment_id:int}/hide",
        "POST /topics/{topic_id:int}/comments/{comment_id:int}/unhide",
        "POST /topics/{topic_id:int}/comments/{comment_id:int}/dismiss-flags",
        "POST /topics/{topic_id:int}/actions/{action:str}",
        "POST /topics/{topic_id:int}/work-order",
        "GET /places/{place_id:int}/meetings/new",
        "POST /places/{place_id:int}/meetings",
        "GET /meetings/{meeting_id:int}/edit",
        "POST /meetings/{meeting_id:int}/edit",
        "GET /meetings/{meeting_id:int}/cancel",
        "POST /meetings/{meeting_id:int}/cancel",
        "GET /meetings/{meeting_id:int}/record",
        "POST /meetings/{meeting_id:int}/record",
        "POST /meetings/{meeting_id:int}/decisions/{topic_id:int}/{action:str}",
    },
    # a grid worker of 和顺社区 enters for residents of their own grid only
    "grid_worker@和顺社区": {
        "GET /topics/{topic_id:int}/assist",
        "POST /topics/{topic_id:int}/assist/{act:str}",
    },
    "staff@朝阳街道": set(),  # the street's staff act in every community of the street
}
# the topic's refusal, the work order's (opening one from a topic in another community), the intake's, the meeting's
PLACE_MESSAGES = ("does not reach this topic", "may open a work order for it", "may enter for a resident here",
                  "does not reach this meeting", "does not reach this place")


@pytest.fixture(scope="module")
def scoped_world(world):
    add_scoped_actors(world)
    return world


def _scoped_url(key: str, world) -> str:
    """As ``_url``, with topics and comments of the scoped actors' own set in 幸福里社区."""
    _method, template = key.split(" ", 1)
    overrides = PARAMS.get(key, {})

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name in LITERAL_PARAMS:
            return LITERAL_PARAMS[name]
        if name == "notification_id":
            return str(world.ids["any_notification"])
        chosen = overrides.get(name, DEFAULT_PARAMS[name])
        return str(world.ids.get("matrix:" + chosen, world.ids[chosen]))

    return re.sub(r"\{(\w+):\w+\}", fill, template)


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_matrix_entry_for_roles_held_at_another_place(key, scoped_world):
    method, _template = key.split(" ", 1)
    problems = []
    for actor, (role, _place, _home) in SCOPED_ACTORS.items():
        if key in SESSION_CHANGING:
            continue  # signing in and out has nothing to do with places
        url = _scoped_url(key, scoped_world)
        guard_allows = role in MATRIX[key]
        place_refuses = key in PLACE_REFUSED[actor]
        client = scoped_world.fresh_client(actor)  # signing in writes: the fingerprint comes after
        before = db_fingerprint() if method not in SAFE_METHODS and not (guard_allows and not place_refuses) else None
        try:
            r = _send(client, method, url, dict(FORMS.get(key, {})))
        finally:
            client.tc.__exit__(None, None, None)
        where = f"{actor}: {method} {url} -> {r.status_code}"
        if r.status_code >= 500:
            problems.append(f"{where} (server error)")
        elif not guard_allows:
            if r.status_code != 403 or not _guard_refusal(r):
                problems.append(f"{where}, expected the guard's 403")
        elif place_refuses:
            if r.status_code != 403 or not any(m in r.text for m in PLACE_MESSAGES):
                problems.append(f"{where}, expected the place's 403")
        elif r.status_code in (401, 403):
            problems.append(f"{where}, but {actor}'s role reaches this place")
        if before is not None and db_fingerprint() != before:
            problems.append(f"{where}: a refused {method} changed the database")
    assert not problems, "\n".join(problems)


_SHEET = {"consensus_summary": "Agreed at the meeting.", "title": "Fix the lights", "scope": "Two lamps.",
          "estimated_cost": "1200", "responsible_unit": "Property office", "responsible_person": "Wang",
          "deadline": "2099-01-01", "funding_route": "community"}
# (actor, community of the topic, the topic's state, what is posted under /topics/{id}/, form, status)
SCOPED_CASES = [
    # the committee of 和顺社区 in 幸福里社区: screen, moderate, form a project — refused, 403
    ("committee@和顺社区", "幸福里社区", "proposed", "actions/open_discussion", {"end_date": ""}, 403),
    ("committee@和顺社区", "幸福里社区", "discussing", "comments/{comment}/pin", {}, 403),
    ("committee@和顺社区", "幸福里社区", "discussing", "comments/{comment}/hide", {"reason": "Off topic here."}, 403),
    ("committee@和顺社区", "幸福里社区", "discussing", "actions/form_project", _SHEET, 403),
    # ... and in its own community: allowed
    ("committee@和顺社区", "和顺社区", "proposed", "actions/open_discussion", {"end_date": ""}, 303),
    ("committee@和顺社区", "和顺社区", "discussing", "comments/{comment}/pin", {}, 303),
    ("committee@和顺社区", "和顺社区", "discussing", "actions/form_project", _SHEET, 303),
    # the staff of 朝阳街道 in every community of the street
    *[("staff@朝阳街道", name, state, step, form, 303)
      for name in ("幸福里社区", "和顺社区", "新风社区")
      for state, step, form in (("project", "actions/start_implementation", {}),
                                ("implementing", "progress", {"percent": "40", "note": "Half done.", "on_date": ""}),
                                ("evaluating", "evaluation/end", {"confirm": "yes"}))],
]


@pytest.mark.parametrize("actor,name,state,step,form,status", SCOPED_CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[3]}" for c in SCOPED_CASES])
def test_a_role_acts_exactly_where_it_is_held(scoped_world, actor, name, state, step, form, status):
    from consult.topics.tables import Topic

    w = scoped_world
    topic_id = w.ids[f"{name}:topic_{state}"]
    url = f"/topics/{topic_id}/" + step.replace("{comment}", str(w.ids[f"{name}:comment"]))
    client = w.fresh_client(actor)
    before = db_fingerprint() if status == 403 else None
    try:
        r = client.post(url, form)
    finally:
        client.tc.__exit__(None, None, None)
    assert r.status_code == status, (actor, name, url, r.status_code, r.text[:500])
    if status == 403:
        assert PLACE_MESSAGES[0] in r.text and not _guard_refusal(r)
        assert db_fingerprint() == before
        assert run(Topic.select(Topic.state).where(Topic.id == topic_id).first())["state"] == state
