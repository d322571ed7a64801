"""Bad input: random and hostile values posted to every form and JSON/query endpoint,
as a role allowed to use it (the authorization matrix covers the others).

For every example: never a 5xx; no HTML answer carries a hostile payload unescaped;
a 4xx answer wrote nothing (row counts of every table unchanged). After a write that
succeeded, the pages that show what was written (topic page, vote pages, lists) are
fetched and checked for the payloads too.

Also: every route with an id in its path, with ids that no row can have (0, -1, past
32 and 64 bits), never answers 5xx and writes nothing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run, user_id
from tests.http._world import build_world, close_client, db_fingerprint, make_user, open_client
from tests.http.test_authorization_matrix import MATRIX, _url
from tests.http.test_topics_helpers import Topics

EXAMPLES = int(os.environ.get("CONSULT_FUZZ_EXAMPLES", "20"))  # more for a deeper run by hand
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)

# ---------------------------------------------------------------- values

PAYLOADS = [
    '<script>alert("xss")</script>',
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(2)>",
    "</textarea><script>alert(3)</script>",
    "javascript:alert(4)",
]
# What must never appear in an HTML answer: the payloads' live markup.
MARKERS = ["<script>alert(", "<img src=x onerror", "<svg/onload", "</textarea><script>"]

NASTY = [
    "", " ", "\t", "\r\n\r\n", "\x00", "a\x00b", "\x1b[2J", "\x07\x08", "\u202egnp.exe", "\ufeff", "\u200b",
    "' OR '1'='1", "1; DROP TABLE account; --", "\" OR \"\"=\"", "%", "_", "\\", "%00", "../../etc/passwd",
    "${7*7}", "{{7*7}}", "{0}", "{x}", "%s%s%s",
    "-1", "-0.01", "0", "-100", "1e309", "NaN", "inf", "-inf", "9" * 30, str(2**63), str(-(2**63) - 1),
    str(2**31), str(2**31 - 1), "1/0", "0/0", "-1/2", "3/2", "1.005", "0.001", "1,5", "１２３", "٣", "0x1F", "1_000",
    "true", "null", "[]", "{}", "None",
    "中文标题：加装电梯", "😀" * 50, "𝕳𝖊𝖑𝖑𝖔", "a" * 10_000, "長" * 5_001, "x" * 200_000,
    "2026-02-30", "9999-12-31", "0001-01-01", "2026-13-01", "10000-01-01", "-2026-01-01",
]

hostile = st.one_of(
    st.sampled_from(NASTY + PAYLOADS),
    st.text(max_size=120),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.builds(lambda a, p, b: f"{a}{p}{b}", st.text(max_size=20), st.sampled_from(PAYLOADS), st.text(max_size=20)),
)


def stored(min_size: int = 0) -> st.SearchStrategy[str]:
    """Text likely to pass validation and be stored: a payload inside enough ordinary text."""
    pad = "议题说明 long enough text " * (1 + min_size // 20)
    return st.builds(lambda p, t: f"{t[:15]} {p} {pad}"[: max(min_size + 60, 80)], st.sampled_from(PAYLOADS),
                     st.text(alphabet=st.characters(categories=["L", "N", "Zs"]), max_size=15))


@dataclass(frozen=True)
class Field:
    """A form field: `good` draws values the endpoint should accept (text carrying a payload)."""

    good: st.SearchStrategy


def value(*good: str, text: st.SearchStrategy | None = None) -> Field:
    options = []
    if good:
        options.append(st.sampled_from(good))
    if text is not None:
        options.append(text)
    return Field(st.one_of(*options) if options else hostile)


def _good(spec) -> st.SearchStrategy:
    return spec.good if isinstance(spec, Field) else spec


def form_of(fields: dict) -> st.SearchStrategy[dict]:
    """A valid form (payloads in its text), one field hostile, one field missing, or chaos:
    any subset of hostile or valid values, repeated keys and stray keys."""
    good = {name: _good(spec) for name, spec in fields.items()}
    either = {name: st.one_of(strategy, hostile) for name, strategy in good.items()}
    chaos = st.builds(
        lambda given, stray: {**stray, **given},
        st.fixed_dictionaries({}, optional={n: st.one_of(v, st.lists(v, min_size=2, max_size=3))
                                            for n, v in either.items()}),
        st.dictionaries(st.text(min_size=1, max_size=12), hostile, max_size=2),
    )
    if not good:
        return chaos
    names = sorted(good)
    valid = st.fixed_dictionaries(good)
    one_bad = st.sampled_from(names).flatmap(lambda bad: st.fixed_dictionaries({**good, bad: hostile}))
    one_missing = st.sampled_from(names).flatmap(
        lambda gone: st.fixed_dictionaries({n: v for n, v in good.items() if n != gone}))
    return st.one_of(valid, valid, valid, one_bad, one_missing, chaos)


ENCODINGS = st.sampled_from(["form", "form", "form", "form", "multipart", "json", "raw"])

# ---------------------------------------------------------------- endpoints


@dataclass
class Endpoint:
    name: str
    role: str
    method: str
    path: Callable  # (world) -> path
    fields: dict[str, st.SearchStrategy]
    pages: Callable = lambda w: []  # (world) -> pages that show what a success wrote
    prepare: Callable | None = None  # (world) -> None, before each example (fresh objects)
    fresh_client: bool = False
    examples: int = EXAMPLES  # fewer where each example first builds a topic along the loop
    path_params: dict[str, Field] = field(default_factory=dict)


class Fuzz:
    """The module's world plus fresh objects per example."""

    def __init__(self, world):
        self.w = world
        self.topics = Topics(lambda *roles, grid=0: make_user(world.community, *roles, grid=grid), world.community)
        self.topics._committee = world.users["committee"]
        self.topics._staff = world.users["staff"]
        self.current: dict[str, int] = {}
        self.rep_clients: list = []

    def fresh_topic(self, state: str) -> int:
        self.current["topic"] = self.topics.create(state=state)[0]
        return self.current["topic"]

    def own_topic(self, username: str) -> int:
        """A proposed topic of ``username`` (the author's edit), made once per module."""
        if "own_topic" not in self.current:
            self.current["own_topic"] = self.topics.create(state="proposed", author=username)[0]
        return self.current["own_topic"]


def topic_pages(w, tid):
    return [f"/topics/{tid}", "/topics", "/topics?sort=seconds", "/committee/screening"]


GRIDS = lambda w: [str(g) for g in w.community["grids"]]  # noqa: E731
VOTE_FIELDS = {
    "title": value(text=stored(4)), "year": value("2026", "2027"), "seats": value("1", "2", "3"),
    "budget": value("", "1000", "250000"), "basis": value("enrolled", "voted"),
    "threshold": value("1/2", "2/3", "0.5"), "secrecy": value("secret", "recorded"),
    "public_weight": value("0", "0.2", "1/4", "0.5"), "rule": value("majority", "equal_shares"),
    "completion": value("", "add_one"), "equal_number": value("1", "on"),
    "equal_number_reason": value(text=stored()), "tie_break_support": value("1", "on"),
}


def endpoints() -> list[Endpoint]:
    return [
        # accounts
        Endpoint("register", "visitor", "POST", lambda w: "/auth/register",
                 {"username": Field(st.uuids().map(lambda u: f"p_{u.hex[:12]}")),
                  "display_name": value(*[p for p in PAYLOADS if len(p) <= 40]),
                  "password": value("test-password-1"), "password2": value("test-password-1"),
                  "grid_id": value(*GRIDS(_WORLD_HOLDER[0]))}),
        Endpoint("login", "visitor", "POST", lambda w: "/auth/login",
                 {"username": value(), "password": value(), "next": value("/topics", "//evil.example", "/\\evil")},
                 fresh_client=True),
        Endpoint("change password", "unverified", "POST", lambda w: "/account/password",
                 {"current": value(), "new": value(), "new2": value()}),
        Endpoint("request role", "unverified", "POST", lambda w: "/account/role-requests",
                 {"role": value("committee", "representative", "admin"), "note": value(text=stored())},
                 pages=lambda w: ["/account", "/staff/verification"]),
        Endpoint("grant role", "staff", "POST", lambda w: f"/staff/users/{w.ids['target_user']}/roles",
                 {"role": value("committee", "resident", "admin", "staff"), "next": value("/staff/users")},
                 pages=lambda w: ["/staff/users", "/staff/verification"]),
        Endpoint("revoke role", "staff", "POST",
                 lambda w: f"/staff/users/{w.ids['target_user']}/roles/{{role}}/revoke",
                 {"next": value("/staff/users"), "confirm": value("yes", "no")},
                 path_params={"role": value("committee", "resident", "admin")}),
        Endpoint("verify", "staff", "POST", lambda w: f"/staff/users/{w.ids['target_user']}/verify", {}),
        Endpoint("decline registration", "staff", "POST", lambda w: f"/staff/users/{w.ids['target_user']}/decline",
                 {"reason": value(text=stored())}, pages=lambda w: ["/staff/verification", "/staff/users"]),
        Endpoint("ask again", "unverified", "POST", lambda w: "/account/verification",
                 {"grid_id": value(*GRIDS(_WORLD_HOLDER[0]))}, pages=lambda w: ["/account"]),
        Endpoint("one-time password", "staff", "POST",
                 lambda w: f"/staff/users/{w.ids['target_user']}/one-time-password",
                 {"confirm": value("yes", "no"), "next": value("/staff/users", "//evil.example")}),
        Endpoint("users search", "staff", "GET", lambda w: "/staff/users", {"q": value(), "page": value("1", "2")}),
        Endpoint("audit", "admin", "GET", lambda w: "/admin/audit", {"page": value("1")}),
        Endpoint("language", "visitor", "GET", lambda w: "/lang/{code}", {"next": value("/topics")},
                 path_params={"code": value("en", "zh_CN")}),
        Endpoint("login form", "visitor", "GET", lambda w: "/auth/login", {"next": value("/topics")}),
        # notifications
        Endpoint("preferences", "resident", "POST", lambda w: "/notifications/preferences",
                 {"kinds": value("state_change", "reply", "announcement")}),
        Endpoint("announce", "staff", "POST", lambda w: "/staff/announcements",
                 {"title": value(*PAYLOADS), "body": value(text=stored()), "role": value(""), "everyone": value("1")},
                 pages=lambda w: ["/staff/announcements", "/notifications"]),
        Endpoint("read notification", "resident", "POST",
                 lambda w: f"/notifications/{w.notification_of['resident']}/read", {"next": value("/notifications")}),
        Endpoint("read all", "resident", "POST", lambda w: "/notifications/read-all", {"next": value("/")}),
        Endpoint("read group", "resident", "POST", lambda w: "/notifications/groups/read",
                 {"subject": value("/topics/1", "announcements"), "next": value("/notifications")},
                 pages=lambda w: ["/notifications"]),
        Endpoint("notifications page", "resident", "GET", lambda w: "/notifications", {"page": value("1", "2")}),
        # dashboard and open data
        Endpoint("dashboard", "visitor", "GET", lambda w: "/dashboard", {"year": value("2026"), "grid": value("1")}),
        Endpoint("stats api", "visitor", "GET", lambda w: "/api/v1/stats", {"year": value("2026"), "grid": value("1")}),
        *[Endpoint(f"scoreboard {path}", "visitor", "GET", (lambda p: lambda w: p)(path),
                   {"place": value("1"), "period": value("month", "quarter", "year", "all"),
                    "from": value("2026-01-01"), "to": value("2026-12-31")})
          for path in ("/work-orders/scoreboard", "/work-orders/scoreboard.csv")],
        *[Endpoint(f"topic list {path}", "resident", "GET", (lambda p: lambda w: p)(path),
                   {"q": value(), "state": value("proposed", "discussing"), "category": value("parking"),
                    "grid": value("1"), "flag": value("overdue", "unanswered"), "sort": value("seconds", "deadline"),
                    "mine": value("1"), "page": value("1", "2")})
          for path in ("/topics", "/topics.csv", "/api/v1/topics")],
        # topics
        Endpoint("propose", "resident", "POST", lambda w: "/topics",
                 {"title": value(text=stored(4)), "description": value(text=stored(10)),
                  "category": value("parking", "elevator", "other"), "grid_id": value(*GRIDS(_WORLD_HOLDER[0]))},
                 pages=lambda w: ["/topics", "/topics?sort=seconds", "/committee/screening", "/dashboard"]),
        Endpoint("edit", "resident", "POST", lambda w: f"/topics/{_FUZZ[0].own_topic(w.users['resident'])}/edit",
                 {"title": value(text=stored(4)), "description": value(text=stored(10)),
                  "category": value("parking", "elevator", "other"), "grid_id": value(*GRIDS(_WORLD_HOLDER[0]))},
                 pages=lambda w: ["/topics", "/committee/screening"]),
        Endpoint("stance", "resident", "POST", lambda w: f"/topics/{w.ids['topic_discussing']}/stance",
                 {"stance": value("support", "oppose", "neutral")}),
        Endpoint("comment", "resident", "POST", lambda w: f"/topics/{w.ids['topic_discussing']}/comments",
                 {"body": value(text=stored()), "parent_id": value(str(_WORLD_HOLDER[0].ids["comment"]), "")},
                 pages=lambda w: topic_pages(w, w.ids["topic_discussing"])),
        Endpoint("hide", "committee", "POST",
                 lambda w: f"/topics/{w.ids['topic_discussing']}/comments/{w.ids['comment']}/hide",
                 {"reason": value(text=stored(4))}, pages=lambda w: topic_pages(w, w.ids["topic_discussing"])),
        Endpoint("screen", "committee", "POST", lambda w: f"/topics/{_FUZZ[0].fresh_topic('proposed')}/actions/{{action}}",
                 {"end_date": value("", "2099-01-01"), "reason": value(text=stored(4)),
                  "department": value(text=stored()), "reference_number": value("A-1", text=stored()),
                  "target_id": value(str(_WORLD_HOLDER[0].ids["topic_proposed"]))},
                 path_params={"action": value("open_discussion", "reject", "refer", "merge")},
                 pages=lambda w: topic_pages(w, _FUZZ[0].current["topic"]), examples=12),
        Endpoint("form project", "committee", "POST",
                 lambda w: f"/topics/{_FUZZ[0].fresh_topic('discussing')}/actions/form_project",
                 {"consensus_summary": value(text=stored(4)), "title": value(text=stored(4)),
                  "scope": value(text=stored(4)), "estimated_cost": value("1000", "0", "-5"),
                  "responsible_unit": value(text=stored()), "responsible_person": value(text=stored()),
                  "deadline": value("2099-01-01", "2000-01-01"), "funding_route": value("community", "annual_vote")},
                 pages=lambda w: topic_pages(w, _FUZZ[0].current["topic"]), examples=12),
        Endpoint("open evaluation", "staff", "POST",
                 lambda w: f"/topics/{_FUZZ[0].fresh_topic('implementing')}/actions/open_evaluation",
                 {"end_date": value("", "2099-01-01", "2000-01-01")}, examples=10),
        Endpoint("progress", "staff", "POST", lambda w: f"/topics/{w.ids['topic_implementing']}/progress",
                 {"percent": value("0", "50", "100", "101", "-1"), "note": value(text=stored()),
                  "date": value("", "2026-01-01")}, pages=lambda w: topic_pages(w, w.ids["topic_implementing"])),
        Endpoint("supervision", "representative", "POST",
                 lambda w: f"/topics/{w.ids['topic_implementing']}/supervision", {"body": value(text=stored(4))},
                 pages=lambda w: topic_pages(w, w.ids["topic_implementing"])),
        Endpoint("rate", "resident", "POST", lambda w: f"/topics/{_FUZZ[0].fresh_topic('evaluating')}/ratings",
                 {"value": value("satisfied", "basically_satisfied", "unsatisfied"), "comment": value(text=stored())},
                 pages=lambda w: topic_pages(w, _FUZZ[0].current["topic"]), examples=10),
        # votes: staff
        Endpoint("create vote", "staff", "POST", lambda w: "/staff/votes", VOTE_FIELDS,
                 pages=lambda w: ["/staff/votes", "/votes"]),
        Endpoint("vote settings", "staff", "POST", lambda w: f"/staff/votes/{w.ids['vote_draft']}/settings",
                 VOTE_FIELDS, pages=lambda w: [f"/staff/votes/{w.ids['vote_draft']}"]),
        Endpoint("add candidate", "staff", "POST", lambda w: f"/staff/votes/{w.ids['vote_draft']}/candidates",
                 {"title": value(text=stored(4)), "description": value(text=stored()),
                  "cost": value("100", "0", "-100"), "support": value("0", "5", "-1")},
                 pages=lambda w: [f"/staff/votes/{w.ids['vote_draft']}"]),
        Endpoint("add projects", "staff", "POST",
                 lambda w: f"/staff/votes/{w.ids['vote_draft']}/candidates/from-projects",
                 {"topic": value(str(_WORLD_HOLDER[0].ids["topic_annual"]))}),
        Endpoint("roll entry", "staff", "POST", lambda w: f"/staff/votes/{w.ids['vote_draft']}/roll",
                 {"user_id": value(str(_WORLD_HOLDER[0].ids["roll_user"])),
                  "weight": value("1", "1.5", "0.01", "-1", "0", "2.555", "100000000")},
                 pages=lambda w: [f"/staff/votes/{w.ids['vote_draft']}"]),
        Endpoint("roll csv", "staff", "POST", lambda w: f"/staff/votes/{w.ids['vote_draft']}/roll/csv",
                 {"csv_text": st.one_of(hostile, st.builds(
                     lambda name, weight, extra: f"username,weight\n{name},{weight}\n{extra}",
                     st.sampled_from(_WORLD_HOLDER[0].roll_names) | hostile,
                     st.sampled_from(["1", "-1", "0", "1.234", "1e9", "abc"]) | hostile, hostile))},
                 pages=lambda w: [f"/staff/votes/{w.ids['vote_draft']}"]),
        # votes: representatives and the public
        Endpoint("ballot count", "representative", "POST", lambda w: f"/votes/{w.ids['vote_open']}/ballot/count",
                 {f"c_{cid}": value("approve", "oppose", "abstain") for cid in _WORLD_HOLDER[0].open_candidates}),
        Endpoint("ballot review", "representative", "POST", lambda w: f"/votes/{w.ids['vote_open']}/ballot/review",
                 {f"c_{cid}": value("approve", "oppose", "abstain") for cid in _WORLD_HOLDER[0].open_candidates}),
        Endpoint("cast", "next_representative", "POST", lambda w: f"/votes/{w.ids['vote_fuzz']}/ballot",
                 {f"c_{cid}": value("approve", "oppose", "abstain") for cid in _WORLD_HOLDER[0].fuzz_candidates},
                 pages=lambda w: [f"/votes/{w.ids['vote_fuzz']}"]),
        Endpoint("review", "representative", "POST", lambda w: f"/votes/{w.ids['vote_published']}/reviews",
                 {f"r_{w_cid}": value("satisfied", "unsatisfied") for w_cid in [_WORLD_HOLDER[0].published_candidate]}
                 | {f"note_{_WORLD_HOLDER[0].published_candidate}": value(text=stored())},
                 pages=lambda w: [f"/votes/{w.ids['vote_published']}"]),
        Endpoint("receipt", "visitor", "GET", lambda w: f"/votes/{w.ids['vote_published']}/receipt",
                 {"code": value("abcd-abcd-abcd-abcd-abcd")}),
        Endpoint("receipt file", "representative", "POST", lambda w: f"/votes/{w.ids['vote_open']}/receipt/file",
                 {"code": value("abcd-abcd-abcd-abcd-abcd", "ABCD ABCD ABCD ABCD ABCD")}),
        # votes: the paper ballot desk
        Endpoint("desk sign-in", "staff", "POST", lambda w: f"/staff/votes/{w.ids['vote_desk']}/desk/sign-in",
                 {"user_id": value(*_WORLD_HOLDER[0].desk_reps), "confirm": value("yes")},
                 pages=lambda w: [f"/staff/votes/{w.ids['vote_desk']}/desk"]),
        Endpoint("desk box", "staff", "POST", lambda w: f"/staff/votes/{w.ids['vote_desk']}/desk/box",
                 {"confirm": value("yes")}),
        Endpoint("paper entry", "staff", "POST", lambda w: f"/staff/votes/{w.ids['vote_paper']}/desk/entries",
                 {"serial": value("1", "2", "3"), "weight": value("1", "1.00")}
                 | {f"c_{cid}": value("approve", "oppose", "abstain") for cid in _WORLD_HOLDER[0].paper_candidates},
                 pages=lambda w: [f"/staff/votes/{w.ids['vote_paper']}/desk"]),
        Endpoint("paper reconcile", "staff", "POST",
                 lambda w: f"/staff/votes/{w.ids['vote_paper']}/desk/entries/1/reconcile",
                 {"weight": value("1")}
                 | {f"c_{cid}": value("approve", "oppose", "abstain") for cid in _WORLD_HOLDER[0].paper_candidates}),
        *admin_endpoints(),
        *work_order_endpoints(),
        *meeting_endpoints(),
    ]


def meeting_endpoints() -> list[Endpoint]:
    """Meetings of the world's community: scheduling, changing and cancelling one still to
    come (committee), recording one that has started and deciding on its agenda (staff)."""
    from datetime import timedelta

    from consult.meetings.forms import LOCAL
    from consult.topics.clock import utcnow

    w0 = _WORLD_HOLDER[0]
    soon = (utcnow() + timedelta(days=9)).astimezone(LOCAL).date().isoformat()
    topics = [str(w0.ids["topic_proposed"]), str(w0.ids["topic_discussing"])]
    fields = {"kind": value("council", "red_hall", "analysis"), "title": value(*PAYLOADS),
              "location": value(*PAYLOADS), "on_date": value(soon, "2026-01-01", ""),
              "at_time": value("19:00", "07:30", "24:00"), "topics": value(*topics)}
    meeting = lambda w, key="meeting": f"/meetings/{w.ids[key]}"  # noqa: E731
    return [
        Endpoint("schedule meeting", "committee", "POST", lambda w: f"/places/{w.community['community']}/meetings",
                 fields, pages=lambda w: ["/meetings", "/"]),
        Endpoint("edit meeting", "committee", "POST", lambda w: meeting(w) + "/edit", fields,
                 pages=lambda w: [meeting(w), f"/topics/{w.ids['topic_proposed']}"]),
        Endpoint("cancel meeting", "committee", "POST", lambda w: meeting(w, "meeting_to_cancel") + "/cancel",
                 {"confirm": value("yes"), "reason": value(text=stored())},
                 pages=lambda w: [meeting(w, "meeting_to_cancel")]),
        Endpoint("record meeting", "staff", "POST", lambda w: meeting(w, "meeting_held") + "/record",
                 {"minutes": value(text=stored(20)), "head_count": value("0", "12", ""),
                  "attendees": value(str(user_id(w0.users["resident"])))},
                 pages=lambda w: [meeting(w, "meeting_held")]),
        Endpoint("meeting decision", "staff", "POST",
                 lambda w: meeting(w, "meeting_held") + f"/decisions/{w.ids['meeting_topic']}/{{action}}",
                 {"reason": value(text=stored()), "end_date": value("", soon), "department": value(*PAYLOADS),
                  "reference_number": value("12345-1", *PAYLOADS), "hands_for": value("3", ""),
                  "hands_against": value("0", ""), "hands_abstain": value("", "1")},
                 path_params={"action": value("open_discussion", "reject", "refer", "form_project")},
                 pages=lambda w: [meeting(w, "meeting_held"), f"/topics/{w.ids['meeting_topic']}"]),
    ]


def work_order_endpoints() -> list[Endpoint]:
    """Work orders: a plain service request, a move on the world's order (the staff of its
    community hold it), attaching a person to a department."""
    w0 = _WORLD_HOLDER[0]
    order = lambda w: f"/work-orders/{w.ids['work_order']}"  # noqa: E731
    grids = [str(g) for g in w0.community["grids"]]
    categories = [str(c) for c in w0.community["categories"].values()]
    departments = [str(w0.ids["department"]), "0", "-1"]
    return [
        Endpoint("service request", "staff", "POST", lambda w: "/work-orders/new",
                 {"title": value(*PAYLOADS), "description": value(text=stored(20)), "category": value(*categories),
                  "grid": value(*grids)}, pages=lambda w: ["/work-orders"]),
        Endpoint("work order move", "staff", "POST", lambda w: order(w) + "/act/{action}",
                 {"reason": value(text=stored()), "deadline": value("2099-01-01", "2026-01-01", ""),
                  "department": value(*departments), "result": value(text=stored()), "note": value(*PAYLOADS)},
                 path_params={"action": value("dispatch", "handle", "escalate", "reply", "rate")},
                 pages=lambda w: [order(w), "/work-orders"]),
        Endpoint("follow-up", "staff", "POST", lambda w: order(w) + "/follow-ups",
                 {"channel": value("call", "visit", *PAYLOADS), "outcome": value("resolved", "unreached", *PAYLOADS),
                  "reason": value("spot_check", *PAYLOADS)}, pages=lambda w: [order(w)]),
        Endpoint("unreasonable", "staff", "POST", lambda w: order(w) + "/unreasonable",
                 {"reason": value(text=stored())}, pages=lambda w: [order(w)]),
        Endpoint("unreasonable decision", "admin", "POST", lambda w: order(w) + "/unreasonable/decide",
                 {"decision": value("approve", "decline", *PAYLOADS), "reason": value(text=stored()),
                  "confirm": value("yes", "", *PAYLOADS)}, pages=lambda w: [order(w)]),
        Endpoint("attach member", "admin", "POST", lambda w: f"/admin/departments/{w.ids['department']}/members",
                 {"username": value("nobody-here", *PAYLOADS)},
                 pages=lambda w: [f"/admin/departments/{w.ids['department']}/members"]),
        # intake on a resident's behalf (代办): entering, attaching, assisted acts
        Endpoint("intake", "grid_worker", "POST", lambda w: "/intake",
                 {"kind": value("topic", "request"), "channel": value("phone", "home_visit", "hotline"),
                  "order_number": value("", "BJ-2026-1", *PAYLOADS), "resident_name": value(text=stored(2)),
                  "resident_phone": value("", "13912345678", *PAYLOADS), "title": value(*PAYLOADS),
                  "description": value(text=stored(20)), "category": value(*w0.community["categories"]),
                  "grid_id": value(*grids), "consent": value("yes", "")},
                 pages=lambda w: ["/intake", "/topics"]),
        Endpoint("attach intake", "staff", "POST", lambda w: f"/intake/{w.ids['intake']}/attach",
                 {"username": value("nobody-here", *PAYLOADS)}, pages=lambda w: ["/intake"]),
        Endpoint("attach tracking code", "resident", "POST", lambda w: "/track/{code}/attach", {},
                 path_params={"code": value("ABCD-EFGH-JKMN", "abcdefghjkmn")}),
        Endpoint("assisted act", "staff", "POST", lambda w: f"/topics/{w.ids['topic_discussing']}/assist/{{act}}",
                 {"username": value("nobody-here", *PAYLOADS), "value": value("satisfied", *PAYLOADS),
                  "note": value(text=stored()), "consent": value("yes", "")},
                 path_params={"act": value("second", "rating")},
                 pages=lambda w: [f"/topics/{w.ids['topic_discussing']}"]),
    ]


def admin_endpoints() -> list[Endpoint]:
    """The administrator's places, departments, categories and setup (a grid of another
    community than the world's people is the place they act on)."""
    w0 = _WORLD_HOLDER[0]
    others = [str(c["id"]) for c in w0.community["communities"].values()]
    place = lambda w: f"/admin/places/{w.ids['place']}"  # noqa: E731
    admin_pages = lambda w: ["/admin/places", place(w), "/admin/departments", "/admin/categories",  # noqa: E731
                             "/admin/setup"]
    return [
        Endpoint("create place", "admin", "POST", lambda w: "/admin/places",
                 {"name": value(text=stored()), "kind": value("district", "street", "community"),
                  "parent": value("", *others), "households": value("0", "12", "1,200", "-1")}, pages=admin_pages),
        Endpoint("update place", "admin", "POST", place,
                 {"name": value(text=stored()), "households": value("0", "300", "x")}, pages=admin_pages),
        Endpoint("move place", "admin", "POST", lambda w: place(w) + "/move",
                 {"parent": value(*others), "confirm": value("yes", "no")}, pages=admin_pages),
        Endpoint("deactivate place", "admin", "POST", lambda w: place(w) + "/deactivate",
                 {"confirm": value("yes", "no")}, pages=admin_pages),
        Endpoint("import places", "admin", "POST", lambda w: "/admin/places/import",
                 {"csv_text": st.one_of(hostile, st.builds(
                     lambda name, count: f"path,households\n和平区/朝阳街道/新风社区/{name},{count}\n",
                     hostile, st.sampled_from(["1", "-1", "x", ""]) | hostile))}, pages=admin_pages),
        Endpoint("create department", "admin", "POST", lambda w: "/admin/departments",
                 {"name": value(text=stored()), "place": value(*others)}, pages=admin_pages),
        Endpoint("update department", "admin", "POST", lambda w: f"/admin/departments/{w.ids['department']}",
                 {"name": value(text=stored()), "place": value(*others), "active": value("0", "1")},
                 pages=admin_pages),
        Endpoint("create category", "admin", "POST", lambda w: "/admin/categories",
                 {"name_zh": value(*[p for p in PAYLOADS if len(p) <= 40]), "name_en": value(*PAYLOADS),
                  "position": value("0", "5", "-1")}, pages=admin_pages),
        Endpoint("update category", "admin", "POST", lambda w: f"/admin/categories/{w.ids['category']}",
                 {"name_zh": value("养老托育"), "name_en": value(*PAYLOADS), "position": value("4"),
                  "active": value("1")}, pages=admin_pages),
        Endpoint("default categories", "admin", "POST", lambda w: "/admin/categories/defaults",
                 {"next": value("setup", "")}),
        Endpoint("name install", "admin", "POST", lambda w: "/admin/setup/name", {"name": value(*PAYLOADS)},
                 pages=lambda w: ["/", "/admin/setup"]),
        Endpoint("create staff", "admin", "POST", lambda w: "/admin/setup/staff",
                 {"username": Field(st.uuids().map(lambda u: f"s_{u.hex[:12]}")),
                  "display_name": value(*[p for p in PAYLOADS if len(p) <= 40]), "place": value(*others)},
                 pages=lambda w: ["/admin/setup", "/staff/users"]),
        # places: settings per place
        Endpoint("place settings", "staff", "POST", lambda w: f"/staff/places/{w.ids['community_place']}/settings",
                 {"satisfaction_percent": value("", "80", "100", "0", "101"), "min_ratings": value("", "1", "5", "0"),
                  "evaluation_days": value("", "14", "366"), "discussion_days": value("", "7", "-1"),
                  "screening_days": value("", "2", "31"), "other_grids_rate": value("", "yes", "no", "maybe")},
                 pages=lambda w: [f"/staff/places/{w.ids['community_place']}/settings", "/staff/settings",
                                  f"/topics/{w.ids['topic_evaluating']}", "/topics?flag=unanswered", "/dashboard"]),
        # places: the holiday calendar of a place
        Endpoint("calendar day", "staff", "POST", lambda w: f"/staff/places/{w.ids['community_place']}/calendar",
                 {"day": value("2031-05-01", "2031-02-30", "0001-01-01", "9999-12-31", ""),
                  "kind": value("holiday", "workday", "party"), "name": value(*[p for p in PAYLOADS if len(p) <= 40])},
                 pages=lambda w: [f"/staff/places/{w.ids['community_place']}/settings"]),
        Endpoint("calendar remove", "staff", "POST",
                 lambda w: f"/staff/places/{w.ids['community_place']}/calendar/remove",
                 {"day": value("2031-05-01", "2031-13-01", "")},
                 pages=lambda w: [f"/staff/places/{w.ids['community_place']}/settings"]),
        Endpoint("calendar upload", "staff", "POST",
                 lambda w: f"/staff/places/{w.ids['community_place']}/calendar/upload",
                 {"csv_text": st.one_of(hostile, st.builds(
                     lambda day, kind, name: f"date,kind,name\n{day},{kind},{name}\n",
                     st.sampled_from(["2031-10-01", "2031-02-30", "x"]) | hostile,
                     st.sampled_from(["holiday", "workday", "x"]), hostile))},
                 pages=lambda w: [f"/staff/places/{w.ids['community_place']}/settings"]),
    ]


# The world is built by a fixture, but strategies are built at collection time: endpoints
# read from these holders lazily (the lambdas) or once the world exists (ENDPOINTS below).
_WORLD_HOLDER: list = []
_FUZZ: list = []
ENDPOINT_NAMES = [
    "register", "login", "change password", "request role", "grant role", "revoke role", "verify", "users search",
    "decline registration", "ask again", "one-time password", "audit", "language", "login form", "preferences", "announce", "read notification", "read all", "read group",
    "notifications page", "dashboard", "stats api", "topic list /topics", "topic list /topics.csv",
    "topic list /api/v1/topics", "propose", "edit", "stance", "comment", "hide", "screen", "form project",
    "open evaluation", "progress", "supervision", "rate", "create vote", "vote settings", "add candidate",
    "add projects", "roll entry", "roll csv", "ballot count", "ballot review", "cast", "review", "receipt",
    "receipt file", "create place", "update place", "move place", "deactivate place", "import places",
    "create department", "update department", "create category", "update category", "default categories",
    "name install", "create staff", "place settings", "service request", "work order move", "attach member",
    "calendar day", "calendar remove", "calendar upload",
    "follow-up", "unreasonable", "unreasonable decision", "scoreboard /work-orders/scoreboard",
    "scoreboard /work-orders/scoreboard.csv",
    "schedule meeting", "edit meeting", "cancel meeting", "record meeting", "meeting decision",
    "desk sign-in", "desk box", "paper entry", "paper reconcile",
    "intake", "attach intake", "attach tracking code", "assisted act",
]


@pytest.fixture(scope="module")
def world(app, community):
    from consult.voting.tables import Candidate

    w = build_world(app, community)
    staff = w.client("staff")
    # a vote for casting: many representatives on the roll, one per example
    reps = [make_user(community, "representative") for _ in range(EXAMPLES + 5)]
    r = staff.post("/staff/votes", {"title": "Fuzz vote", "year": "2026", "seats": "2", "threshold": "1/2",
                                    "basis": "enrolled", "secrecy": "secret", "public_weight": "0",
                                    "rule": "majority"})
    vote_id = int(r.headers["location"].rsplit("/", 1)[1])
    for i in range(3):
        assert staff.post(f"/staff/votes/{vote_id}/candidates",
                          {"title": f"Fuzz candidate {i}", "cost": "10", "support": "0"}).status_code == 303
    text = "username,weight\n" + "\n".join(f"{n},1" for n in reps)
    assert staff.post(f"/staff/votes/{vote_id}/roll/csv", {"csv_text": text}).status_code == 303
    assert staff.post(f"/staff/votes/{vote_id}/open").status_code == 303
    w.ids["vote_fuzz"] = vote_id
    w.fuzz_reps = reps
    cands = lambda v: [r["id"] for r in run(Candidate.select(Candidate.id).where(Candidate.vote == v))]  # noqa: E731
    w.fuzz_candidates = cands(vote_id)
    w.open_candidates = cands(w.ids["vote_open"])
    w.published_candidate = w.ids["published_candidate"]
    w.roll_names = [make_user(community, "representative") for _ in range(2)]
    # two votes for the paper ballot desk: one signing people in, one whose box is open
    for key, n in (("vote_desk", EXAMPLES + 5), ("vote_paper", 3)):
        desk_reps = [make_user(community, "representative") for _ in range(n)]
        r = staff.post("/staff/votes", {"title": f"Fuzz {key}", "year": "2026", "seats": "1", "threshold": "1/2",
                                        "basis": "enrolled", "secrecy": "secret", "public_weight": "0",
                                        "rule": "majority"})
        w.ids[key] = int(r.headers["location"].rsplit("/", 1)[1])
        for i in range(2):
            assert staff.post(f"/staff/votes/{w.ids[key]}/candidates",
                              {"title": f"Paper candidate {i}", "cost": "10", "support": "0"}).status_code == 303
        text = "username,weight\n" + "\n".join(f"{n},1" for n in desk_reps)
        assert staff.post(f"/staff/votes/{w.ids[key]}/roll/csv", {"csv_text": text}).status_code == 303
        assert staff.post(f"/staff/votes/{w.ids[key]}/open").status_code == 303
        if key == "vote_desk":
            w.desk_reps = [str(user_id(n)) for n in desk_reps]
            continue
        for name in desk_reps:
            assert staff.post(f"/staff/votes/{w.ids[key]}/desk/sign-in",
                              {"user_id": str(user_id(name)), "confirm": "yes"}).status_code == 303
        assert staff.post(f"/staff/votes/{w.ids[key]}/desk/box", {"confirm": "yes"}).status_code == 303
    w.paper_candidates = cands(w.ids["vote_paper"])
    _WORLD_HOLDER[:] = [w]
    _FUZZ[:] = [Fuzz(w)]
    w.endpoints = {e.name: e for e in endpoints()}
    yield w
    w.close()


def _matrix_key(method: str, path: str) -> str | None:
    for key in MATRIX:
        m, template = key.split(" ", 1)
        pattern = re.sub(r"\\\{\w+:int\\\}", r"-?\\d+", re.escape(template))
        pattern = re.sub(r"\\\{\w+:str\\\}", r"[^/]+", pattern)
        if m == method and re.fullmatch(pattern, path):
            return key
    return None


# Unsafe routes whose only input is their path: test_impossible_ids covers them.
NO_INPUT = {
    "POST /auth/logout", "POST /staff/role-requests/{request_id:int}/decline",
    "POST /staff/votes/{vote_id:int}/candidates/{candidate_id:int}/remove",
    "POST /staff/votes/{vote_id:int}/roll/{user_id:int}/remove", "POST /staff/votes/{vote_id:int}/open",
    "POST /staff/votes/{vote_id:int}/close", "POST /staff/votes/{vote_id:int}/publish",
    "POST /staff/votes/{vote_id:int}/runoff", "POST /topics/{topic_id:int}/second",
    "POST /topics/{topic_id:int}/evaluation/end", "POST /topics/{topic_id:int}/comments/{comment_id:int}/flag",
    "POST /topics/{topic_id:int}/comments/{comment_id:int}/pin",
    "POST /topics/{topic_id:int}/comments/{comment_id:int}/guidance",
    "POST /admin/places/{place_id:int}/reactivate", "POST /admin/setup/finish",
    # only the confirmation field or a same-site "next" (checked by safe_next)
    "POST /topics/{topic_id:int}/withdraw", "POST /staff/votes/{vote_id:int}/delete",
    "POST /topics/{topic_id:int}/comments/{comment_id:int}/unhide",
    "POST /topics/{topic_id:int}/comments/{comment_id:int}/dismiss-flags",
    "POST /topics/{topic_id:int}/work-order", "POST /admin/departments/{department_id:int}/members/remove",
}


def test_every_endpoint_that_takes_input_is_fuzzed(world):
    """Every unsafe route of the matrix is fuzzed here or takes no input but its path."""
    assert sorted(world.endpoints) == sorted(ENDPOINT_NAMES)
    covered = set()
    for e in world.endpoints.values():
        key = _matrix_key(e.method, e.path(world))
        assert key, f"{e.name}: {e.method} {e.path(world)} is no route of the matrix"
        covered.add(key)
    unsafe = {k for k in MATRIX if not k.startswith("GET ")}
    assert not unsafe - covered - NO_INPUT, f"unsafe routes not fuzzed: {sorted(unsafe - covered - NO_INPUT)}"


# ---------------------------------------------------------------- the checks


def _client_for(world, endpoint):
    # The sign-in fuzzing counts failures against the test client's one address; a fresh
    # sign-in after it must not meet the (separately tested) per-address limit.
    run(world.app.state.login_limiter.clear())
    if endpoint.role == "next_representative":
        name = world.fuzz_reps.pop() if len(world.fuzz_reps) > 1 else world.fuzz_reps[0]
        c = open_client(world.app)
        try:
            c.login(name)
        except BaseException:
            close_client(c)  # never leave a client thread behind (teardown hangs)
            raise
        return c, True
    if endpoint.fresh_client:
        return world.fresh_client(endpoint.role), True
    return world.client(endpoint.role), False


def _send(client, method, url, form, encoding):
    if method == "GET":
        # a URL is at most a few kB in practice (and httpx refuses more): long values are cut
        return client.get(url, params={k: ([x[:2000] for x in v] if isinstance(v, list) else v[:2000])
                                       for k, v in form.items()})
    if encoding == "multipart":
        return client.post(url, data=form, files={"upload": ("x.csv", "username,weight\n".encode(), "text/csv")})
    if encoding == "json":
        return client.request("POST", url, json=form)
    if encoding == "raw":
        body = "&".join(f"{quote(str(k))}={quote(str(v))}" for k, v in form.items()).encode() + b"&%FF=%FE\xff"
        return client.request("POST", url, content=body,
                              headers={"content-type": "application/x-www-form-urlencoded"})
    return client.post(url, data=form)


def _unescaped(text: str) -> list[str]:
    return [m for m in MARKERS if m in text]


def _check_html(r, where: str) -> None:
    assert r.status_code < 500, f"{where}: {r.status_code}\n{r.text[:1500]}"
    if "html" in r.headers.get("content-type", ""):
        found = _unescaped(r.text)
        assert not found, f"{where}: payload rendered unescaped: {found}"


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_hostile_input(name, world):
    endpoint = world.endpoints[name]

    @settings(FUZZ, max_examples=endpoint.examples)
    @given(data=st.data())
    def check(data):
        form = data.draw(form_of(endpoint.fields), label="form")
        encoding = data.draw(ENCODINGS, label="encoding") if endpoint.method == "POST" else "query"
        path = endpoint.path(world)
        for param, strategy in endpoint.path_params.items():
            drawn = data.draw(st.one_of(_good(strategy), hostile), label=param)
            path = path.replace("{" + param + "}", quote(drawn[:2000], safe=""))  # URLs stay a few kB
        client, close = _client_for(world, endpoint)
        try:
            before = db_fingerprint()  # sees an UPDATE too, not only rows added or removed
            r = _send(client, endpoint.method, path, form, encoding)
            where = f"{endpoint.method} {path} ({encoding}) as {endpoint.role}"
            _check_html(r, where)
            if 400 <= r.status_code < 500:
                assert db_fingerprint() == before, f"{where} -> {r.status_code} but changed the database"
            elif endpoint.method == "POST":
                pages = list(endpoint.pages(world))
                location = r.headers.get("location", "")
                if location.startswith("/") and not location.startswith("/auth/"):
                    pages.append(location.split("#")[0])
                for page in pages:
                    _check_html(world.client("admin").get(page), f"{page} after {where}")
        finally:
            if close:
                close_client(client)

    check()


# ---------------------------------------------------------------- ids no row can have

IMPOSSIBLE_IDS = ["0", "-1", str(2**31), "9" * 25]  # zero, negative, past 32 bits, past 64 bits


@pytest.mark.parametrize("key", sorted(k for k in MATRIX if ":int}" in k))
def test_impossible_ids(key, world):
    """An id past what the database stores, zero or negative: never 5xx, never a write."""
    method, template = key.split(" ", 1)
    filled = _url(key, world, "admin").split("/")
    segments = template.split("/")
    for index, segment in enumerate(segments):
        if not segment.endswith(":int}"):
            continue
        for bad in IMPOSSIBLE_IDS:
            path = "/".join(bad if i == index else part for i, part in enumerate(filled))
            before = db_fingerprint() if method != "GET" else None
            r = world.client("admin").request(method, path, csrf=method != "GET")
            _check_html(r, f"{method} {path}")
            if method != "GET":
                assert db_fingerprint() == before, f"{method} {path} -> {r.status_code} changed the database"
