"""Every page of the app, with real ids from the test world, and who looks at it.

`PAGES` is the table the accessibility test (axe-core) and the sideways-scrolling test walk;
`tests/http/test_pages_table.py` fails when a GET route of the app is in neither `PAGES` nor
`NOT_PAGES` (so a new page must be added here), and checks that each page answers its status
as HTML for each of its roles.

The roles are the people of the browser tests (`BROWSER_ROLES`): a visitor, a resident, a
committee member, a staff member, a representative, and the administrator for the
administrator's own pages. Pages whose content changes with the viewer (home, a topic, a
vote, a work order, 404) are looked at by everyone; the other public pages by a visitor and a
resident (signed out and signed in headers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BROWSER_ROLES = ("visitor", "resident", "committee", "staff", "representative", "admin")

EVERYONE = frozenset(BROWSER_ROLES) - {"admin"}
PUBLIC = frozenset({"visitor", "resident"})
SIGNED_IN = EVERYONE - {"visitor"}
VISITOR = frozenset({"visitor"})
RESIDENT = frozenset({"resident"})
COMMITTEE = frozenset({"committee"})
STAFF = frozenset({"staff"})
REPRESENTATIVE = frozenset({"representative"})
ADMIN = frozenset({"admin"})
TASKS = frozenset({"committee", "staff", "representative"})


@dataclass(frozen=True)
class Page:
    route: str | None  # the app's path template ("/topics/{topic_id:int}"); None: no route (a 404)
    name: str  # a short name for messages and screenshots
    roles: frozenset[str]
    ids: tuple[tuple[str, str], ...] = ()  # path parameter -> key in World.ids
    literal: tuple[tuple[str, str], ...] = ()  # path parameter -> text
    query: str = ""
    status: int = 200
    path: str | None = None  # for route None: the address itself

    def url(self, ids: dict[str, int]) -> str:
        if self.route is None:
            return self.path or "/"
        given = {**{k: str(ids[v]) for k, v in self.ids}, **dict(self.literal)}
        filled = re.sub(r"\{(\w+):\w+\}", lambda m: given[m.group(1)], self.route)
        return filled + (("?" + self.query) if self.query else "")


def P(route, name, roles, status=200, query="", literal=(), path=None, **ids) -> Page:  # noqa: N802 - a row
    return Page(route, name, frozenset(roles), tuple(ids.items()), tuple(literal), query, status, path)


PAGES: tuple[Page, ...] = (
    # site
    P("/", "home", EVERYONE),
    P("/tasks", "tasks", TASKS),
    P(None, "no-such-page", EVERYONE, status=404, path="/no-such-page"),
    # accounts
    P("/auth/login", "login", VISITOR),
    P("/auth/register", "register", VISITOR),
    P("/auth/forgot", "forgot", VISITOR),
    P("/account", "account", SIGNED_IN),
    P("/welcome", "welcome", RESIDENT),
    P("/staff/verification", "verification", STAFF),
    P("/staff/users", "users", STAFF),
    P("/staff/users/{user_id:int}/roles/{role:str}/revoke", "revoke-confirm", STAFF,
      literal=(("role", "resident"),), user_id="role_holder"),
    P("/staff/users/{user_id:int}/decline", "decline", STAFF, user_id="target_user"),
    P("/staff/users/{user_id:int}/one-time-password", "one-time-password", STAFF, user_id="role_holder"),
    P("/admin/audit", "audit", ADMIN),
    # notifications
    P("/notifications", "notifications", SIGNED_IN),
    P("/notifications/preferences", "notification-preferences", RESIDENT),
    P("/announcements/{announcement_id:int}", "announcement", RESIDENT, announcement_id="announcement"),
    P("/staff/announcements", "announcements", STAFF),
    # dashboard
    P("/dashboard", "dashboard", PUBLIC | STAFF),
    P("/dashboard", "dashboard-street", PUBLIC, query="place={street}"),
    # topics
    P("/topics", "topics", PUBLIC | COMMITTEE),
    P("/topics/{topic_id:int}", "topic-proposed", EVERYONE, topic_id="topic_proposed"),
    P("/topics/{topic_id:int}", "topic-discussing", EVERYONE, topic_id="topic_discussing"),
    P("/topics/{topic_id:int}", "topic-project", EVERYONE, topic_id="topic_project"),
    P("/topics/{topic_id:int}", "topic-annual", COMMITTEE | STAFF, topic_id="topic_annual"),
    P("/topics/{topic_id:int}", "topic-implementing", EVERYONE, topic_id="topic_implementing"),
    P("/topics/{topic_id:int}", "topic-evaluating", EVERYONE, topic_id="topic_evaluating"),
    P("/topics/{topic_id:int}", "topic-rejected", PUBLIC, topic_id="topic_rejected"),
    P("/topics/{topic_id:int}", "topic-own", RESIDENT, topic_id="topic_own"),
    P("/topics/{topic_id:int}", "topic-missing", PUBLIC, status=404, literal=(("topic_id", "99999999"),)),
    P("/topics/new", "topic-new", RESIDENT),
    P("/topics/{topic_id:int}/edit", "topic-edit", RESIDENT, topic_id="topic_own"),
    P("/topics/{topic_id:int}/withdraw", "topic-withdraw", RESIDENT, topic_id="topic_own"),
    P("/topics/{topic_id:int}/print", "topic-print", PUBLIC, topic_id="topic_implementing"),
    P("/committee/screening", "screening", COMMITTEE),
    P("/committee/flags", "flags", COMMITTEE),
    # votes
    P("/votes", "votes", PUBLIC | REPRESENTATIVE),
    P("/votes/{vote_id:int}", "vote-open", EVERYONE, vote_id="vote_open"),
    P("/votes/{vote_id:int}", "vote-closed", PUBLIC | STAFF, vote_id="vote_closed"),
    P("/votes/{vote_id:int}", "vote-published", EVERYONE, vote_id="vote_published"),
    P("/votes/{vote_id:int}", "vote-draft", STAFF, vote_id="vote_draft"),
    P("/votes/{vote_id:int}/receipt", "receipt-check", PUBLIC, vote_id="vote_published"),
    P("/votes/{vote_id:int}/print", "vote-print", PUBLIC, vote_id="vote_published"),
    P("/votes/{vote_id:int}/ballot", "ballot", REPRESENTATIVE, vote_id="vote_open"),
    P("/votes/{vote_id:int}/receipt/yours", "receipt-yours", REPRESENTATIVE, vote_id="vote_published"),
    P("/staff/votes", "staff-votes", STAFF),
    P("/staff/votes/{vote_id:int}", "manage-draft", STAFF, vote_id="vote_draft"),
    P("/staff/votes/{vote_id:int}", "manage-open", STAFF, vote_id="vote_open"),
    P("/staff/votes/{vote_id:int}", "manage-closed", STAFF, vote_id="vote_closed"),
    P("/staff/votes/{vote_id:int}", "manage-published", STAFF, vote_id="vote_published"),
    P("/staff/votes/{vote_id:int}/close/confirm", "close-confirm", STAFF, vote_id="vote_open"),
    P("/staff/votes/{vote_id:int}/publish/confirm", "publish-confirm", STAFF, vote_id="vote_closed"),
    P("/staff/votes/{vote_id:int}/delete", "delete-confirm", STAFF, vote_id="vote_draft"),
    # places, settings, notices
    P("/admin/places", "places", ADMIN),
    P("/admin/places/{place_id:int}", "place-edit", ADMIN, place_id="place"),
    P("/admin/places/{place_id:int}/move", "place-move", ADMIN, place_id="place"),
    P("/admin/places/{place_id:int}/deactivate", "place-deactivate", ADMIN, place_id="place"),
    P("/admin/departments", "departments", ADMIN),
    P("/admin/categories", "categories", ADMIN),
    P("/admin/setup", "setup", ADMIN),
    P("/staff/settings", "settings", STAFF),
    P("/staff/places/{place_id:int}/settings", "place-settings", STAFF, place_id="community_place"),
    P("/places/{place_id:int}/projects/print", "projects-print", PUBLIC, place_id="community_place"),
    # work orders
    P("/work-orders/{order_id:int}", "work-order", EVERYONE, order_id="work_order"),
    P("/work-orders", "work-orders", COMMITTEE | STAFF),
    P("/work-orders/new", "work-order-new", STAFF),
    P("/department/orders", "department-orders", RESIDENT | STAFF),
    P("/admin/departments/{department_id:int}/members", "department-members", ADMIN, department_id="department"),
    P("/work-orders/scoreboard", "scoreboard", PUBLIC | STAFF),
    P("/work-orders/scoreboard", "scoreboard-street", PUBLIC, query="place={street}"),
    # intake on a resident's behalf (代办) and the public tracking page
    P("/intake", "intake-list", STAFF),
    P("/intake/new", "intake-new", STAFF),
    P("/topics/{topic_id:int}/assist", "assist", STAFF, topic_id="topic_discussing"),
    P("/track", "track-form", PUBLIC),
    P("/track/{tracking_code:str}", "track", PUBLIC, tracking_code="tracking_code"),
    # meetings
    P("/meetings", "meetings", PUBLIC | COMMITTEE),
    P("/meetings/{meeting_id:int}", "meeting-upcoming", EVERYONE, meeting_id="meeting"),
    P("/meetings/{meeting_id:int}", "meeting-held", EVERYONE, meeting_id="meeting_held"),
    P("/places/{place_id:int}/meetings/new", "meeting-new", COMMITTEE, place_id="community_place"),
    P("/meetings/{meeting_id:int}/edit", "meeting-edit", COMMITTEE, meeting_id="meeting"),
    P("/meetings/{meeting_id:int}/cancel", "meeting-cancel", COMMITTEE, meeting_id="meeting_to_cancel"),
    P("/meetings/{meeting_id:int}/record", "meeting-record", STAFF, meeting_id="meeting_held"),
    # paper ballots at the desk
    P("/staff/votes/{vote_id:int}/desk", "desk", STAFF, vote_id="vote_open"),
    P("/staff/votes/{vote_id:int}/desk/sign-in", "desk-sign-in-unchosen", STAFF, status=400, vote_id="vote_open"),
    P("/staff/votes/{vote_id:int}/desk/box", "desk-box", STAFF, vote_id="vote_open"),
)

# GET routes of the app that are not HTML pages, and why.
NOT_PAGES = {
    "/healthz": "a health check (text)",
    "/lang/{code:str}": "a redirect (sets the language)",
    "/notifications/count": "the bell's badge, an htmx fragment inside every page",
    "/photos/{photo_id:int}/{size:str}": "an image",
    "/topics.csv": "CSV",
    "/votes/{vote_id:int}/results.csv": "CSV",
    "/display/{mode:str}": "a redirect (sets the display: 长辈版 or standard)",
    "/work-orders/scoreboard.csv": "CSV",
    "/api/v1/stats/departments": "JSON", "/api/v1/work-orders": "JSON",
    "/api/v1/places": "JSON", "/api/v1/stats": "JSON", "/api/v1/topics": "JSON",
    "/api/v1/topics/{topic_id:int}": "JSON", "/api/v1/votes": "JSON", "/api/v1/votes/{vote_id:int}": "JSON",
    "/api/v1/votes/{vote_id:int}/results": "JSON", "/api/v1/votes/{vote_id:int}/ballots": "JSON",
}


def pages_for(role: str) -> list[Page]:
    return [p for p in PAGES if role in p.roles]


def url_of(page: Page, ids: dict[str, int]) -> str:
    """The page's address; `{street}` in a query is the world's street."""
    return page.url(ids).replace("{street}", str(ids.get("street", "")))


def build_page_world(app, community):
    """The authorization matrix's world (tests/http/_world.py) and what more the pages need:
    a closed vote, a rejected topic, a topic of the world's resident (edit, withdraw), a person
    holding a role (revoke, one-time password)."""
    from tests.conftest import user_id
    from tests.http._world import build_world, make_user
    from tests.http.test_topics_helpers import Topics

    w = build_world(app, community)
    topics = Topics(lambda *roles, grid=0: make_user(community, *roles, grid=grid), community)
    topics._committee = w.users["committee"]
    topics._staff = w.users["staff"]
    w.ids["topic_rejected"] = topics.create(state="rejected")[0]
    w.ids["topic_own"] = topics.create(state="proposed", author=w.users["resident"], title="楼道灯不亮")[0]
    w.ids["role_holder"] = user_id(make_user(community, "resident"))
    w.ids["street"] = community["street"]
    staff = w.client("staff")
    r = staff.post("/staff/votes", {"title": "已结束的票决", "year": "2026", "seats": "1", "budget": "",
                                    "basis": "enrolled", "threshold": "1/2", "secrecy": "secret",
                                    "public_weight": "0", "rule": "majority"})
    assert r.status_code == 303, r.text[:500]
    vote = int(r.headers["location"].rsplit("/", 1)[1])
    for i in range(2):
        assert staff.post(f"/staff/votes/{vote}/candidates", {"title": f"项目 {i + 1}", "description": "说明",
                                                               "cost": "100", "support": "0"}).status_code == 303
    reps = [make_user(community, "representative") for _ in range(2)]  # a secret vote: 3 of one weight
    roll = "username,weight\n" + "\n".join(f"{name},1" for name in [*reps, w.users["representative"]])
    assert staff.post(f"/staff/votes/{vote}/roll/csv", {"csv_text": roll}).status_code == 303
    assert staff.post(f"/staff/votes/{vote}/open").status_code == 303
    assert staff.post(f"/staff/votes/{vote}/close", {"confirm": "yes"}).status_code == 303
    w.ids["vote_closed"] = vote
    return w
