"""Voting reads: votes, candidates, the roll, the election data and its count, reviews.

Where the voting feature caches (through `consult.cache.RevisionCache`; the published
record's cache lives beside its seal check in `consult.voting.record`):
- the public vote page's shared part, per content revision (the vote, candidate and
  review tables bump it);
- a published vote's record (election data, its canonical bytes and SHA-256, its count),
  per (vote, publication time): a published vote can no longer change, and 100,000
  ballots take seconds to read and count. The record is checked against the SHA-256
  sealed at publication when it is read, and read and hashed again once older than
  RECHECK_SECONDS, so a changed ballot table shows as an alarm, never as a changed result.

The result is never stored: it is counted from the stored ballots with
`consult.voting.counting` each time, from exactly the data `/api/v1/votes/{id}/ballots`
publishes, so the page, the API and a public recount cannot disagree.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from consult import db
from consult.accounts.domain import Viewer
from consult.accounts.tables import User
from consult.cache import RevisionCache, at, content_revision
from consult.messages import N_, NotFound, Refusal
from consult.numbers import cents_text, percent_text
from consult.roles import Role
from consult.topics.queries import annual_vote_projects
import consult.voting.counting as counting
from consult.voting.record import RecordAltered, election_data, published_record  # noqa: F401 (re-exported)
from consult.voting.domain import normalise_receipt, warnings
from consult.voting.lifecycle import (
    ROLL_EXCLUDED_ROLES,
    STAFF,
    Action,
    VoteRuleError,
    VoteState,
    casting_open,
    next_state,
)
from consult.voting.labels import RATINGS
from consult.voting.paper import ONLINE_CHANNEL, PAPER_CHANNEL, normalise_paper_receipt
from consult.voting.places import manages, place_in, place_of, projects_under, roles_for
from consult.places.queries import tree
from consult.voting.tables import Ballot, Candidate, Participation, Review, RollEntry, Vote

ALREADY_CAST = N_("You have already cast your ballot in this vote. A cast ballot is final.")
NOT_ON_ROLL = N_("You are not on the roll of this vote.")
NOT_PUBLISHED = N_("The result of this vote is not published yet: it is published after staff close the vote.")
NO_SUCH_VOTE = N_("There is no such vote.")
def fraction_text(value: Fraction) -> str:
    """A stored fraction setting ("1/2"; 0 is "0")."""
    return "0" if value == 0 else f"{value.numerator}/{value.denominator}"


def parse_fraction_text(text: str) -> Fraction:
    num, _, den = text.partition("/")
    return Fraction(int(num), int(den or 1))


# ---------------------------------------------------------------- votes


async def vote_row(vote_id: int, lock: str | None = None) -> dict:
    """The vote row; inside a transaction on PostgreSQL, locked (lock: "UPDATE" or "SHARE")."""
    if lock and not db.is_sqlite():
        row = await Vote.select().where(Vote.id == vote_id).lock_rows(lock).first()
    else:
        # the same row as Vote.select() gives, without building that query on every page view
        rows = await Vote.raw("SELECT * FROM vote WHERE id = {}", vote_id)
        row = rows[0] if rows else None
    if row is None:
        raise NotFound(NO_SUCH_VOTE)
    return row


async def get_vote(vote_id: int, viewer: Viewer | None = None) -> dict:
    """A vote as the viewer may see it (drafts only for the staff of its place), with
    ``place_info`` (consult.voting.places.place_in)."""
    vote = await vote_row(vote_id)
    vote["place_info"] = await place_of(vote["place"])
    _refuse_hidden(vote, viewer, vote["place_info"])
    return vote


async def managed_vote(vote_id: int, viewer: Viewer, action: Action | str = Action.edit) -> dict:
    """A vote for its staff pages, with ``place_info``: 403 ("not here") for the staff of
    another place, a draft included (the draft's public page stays 404 to them)."""
    vote = await vote_row(vote_id)
    vote["place_info"] = await place_of(vote["place"])
    await roles_for(viewer, vote, action)
    return vote


def _refuse_hidden(vote: dict, viewer: Viewer | None, place: dict) -> None:
    """A draft is seen by the staff of its place only (to anyone else there is no such vote)."""
    if vote["state"] == VoteState.draft and not (viewer and manages(viewer, place)):
        raise NotFound(NO_SUCH_VOTE)


_PAGE_CACHE = RevisionCache("vote_page", size=128)


async def vote_page(vote_id: int, viewer: Viewer) -> dict:
    """What the public vote page shows to everyone: the vote, its candidates, its runoff
    round and the round it decides, and (once published) the representatives' reviews.
    Read once per content revision (the vote, candidate and review tables bump it) and
    shared: callers treat it as read-only. Drafts only for staff."""
    shared = await _PAGE_CACHE.get_or_load(at(await content_revision(), vote_id), lambda: _vote_page_shared(vote_id))
    _refuse_hidden(shared["vote"], viewer, shared["place"])
    return shared


async def _vote_page_shared(vote_id: int) -> dict:
    vote = await vote_row(vote_id)
    return {
        "vote": vote,
        "place": await place_of(vote["place"]),
        # public from the moment the vote opens, and frozen since (opening bumps the revision)
        "roll": await roll_of(vote_id) if vote["state"] != VoteState.draft else [],
        "candidates": await candidates_of(vote_id),
        "runoff": await runoff_of(vote_id),
        "parent": await vote_row(vote["parent"]) if vote["parent"] else None,
        "reviews": await review_summary(vote_id) if vote["state"] == VoteState.published else {},
    }


async def list_votes(viewer: Viewer, managed_only: bool = False) -> list[dict]:
    """The votes the viewer may see (drafts: only those of places they run votes at), each
    with ``place_info`` and ``manages``; ``managed_only``: only the votes they may run."""
    query = Vote.select().order_by(Vote.year, ascending=False).order_by(Vote.id, ascending=False)
    if not viewer.has(*STAFF):
        query = query.where(Vote.state != VoteState.draft)
    t = await tree()
    votes = []
    for v in await query:
        v["place_info"] = place_in(t, v["place"])
        v["manages"] = manages(viewer, v["place_info"])
        if v["manages"] or not (managed_only or v["state"] == VoteState.draft):
            votes.append(v)
    on_roll: set[int] = set()
    cast: set[int] = set()
    if viewer.signed_in and votes:
        ids = [v["id"] for v in votes]
        on_roll = {
            r["vote"]
            for r in await RollEntry.select(RollEntry.vote).where(
                (RollEntry.user == viewer.id) & RollEntry.vote.is_in(ids)
            )
        }
        cast = {
            r["vote"]
            for r in await Participation.select(Participation.vote).where(
                (Participation.user == viewer.id) & Participation.vote.is_in(ids)
            )
        }
    for v in votes:
        v["on_roll"] = v["id"] in on_roll
        v["has_cast"] = v["id"] in cast
        v["casting_open"] = casting_open(v["state"])
    return votes


async def candidates_of(vote_id: int) -> list[dict]:
    return await Candidate.raw("SELECT * FROM candidate WHERE vote = {} ORDER BY position, id", vote_id)


async def roll_of(vote_id: int) -> list[dict]:
    rows = await RollEntry.raw(
        "SELECT r.id, r.weight_cents, a.id AS user_id, a.username, a.display_name FROM roll_entry r "
        "JOIN account a ON a.id = r.\"user\" WHERE r.vote = {} ORDER BY a.username",
        vote_id,
    )
    for r in rows:
        r["weight"] = cents_text(r["weight_cents"])
    return rows


_MANAGER_ROLES_SQL = ", ".join(f"'{role}'" for role in sorted(ROLL_EXCLUDED_ROLES))
_HOLDS_MANAGER_ROLE = f'EXISTS (SELECT 1 FROM user_role m WHERE m."user" = a.id AND m.role IN ({_MANAGER_ROLES_SQL}))'


async def representatives(with_managers: bool = False) -> list[dict]:
    """Active users holding the representative role (granted, not only through admin) and
    no staff or admin role: the people who may be put on a roll (``with_managers``: and
    those who hold one of those roles as well, to name them in a refusal)."""
    managers = "" if with_managers else f"AND NOT {_HOLDS_MANAGER_ROLE} "
    return await User.raw(
        "SELECT a.id, a.username, a.display_name FROM account a WHERE a.active AND EXISTS "
        "(SELECT 1 FROM user_role r WHERE r.\"user\" = a.id AND r.role = 'representative') "
        f"{managers}ORDER BY a.username"
    )


async def managers() -> dict[int, str]:
    """id -> user name of every account holding a staff or admin role (a few people)."""
    rows = await User.raw(f"SELECT a.id, a.username FROM account a WHERE {_HOLDS_MANAGER_ROLE}")
    return {r["id"]: r["username"] for r in rows}


async def managers_on_roll(vote_id: int) -> list[str]:
    """User names on the vote's roll holding a staff or admin role (roles can change after the roll is set)."""
    rows = await RollEntry.raw(
        'SELECT a.username FROM roll_entry r JOIN account a ON a.id = r."user" '
        f"WHERE r.vote = {{}} AND {_HOLDS_MANAGER_ROLE} ORDER BY a.username",
        vote_id,
    )
    return [r["username"] for r in rows]


def refuse_managers(names) -> None:
    """Separation of duties: VoteRuleError("manager_on_roll") naming them, if any."""
    if names:
        raise VoteRuleError("manager_on_roll", names=", ".join(sorted(names)))


async def turnout(vote_id: int) -> dict:
    """Ballots stored (count, weight) and who has voted by channel: ``online`` cast on the
    site, ``paper`` signed in at the desk (their paper ballots count once entered twice)."""
    rows = await Ballot.raw(
        "SELECT COUNT(*) AS n, COALESCE(SUM(weight_cents), 0) AS cents FROM ballot WHERE vote = {}", vote_id
    )
    channels = {r["channel"]: int(r["n"]) for r in await Participation.raw(
        "SELECT channel, COUNT(*) AS n FROM participation WHERE vote = {} GROUP BY channel", vote_id)}
    return {"ballots": int(rows[0]["n"]), "weight": cents_text(int(rows[0]["cents"])),
            "online": channels.get(ONLINE_CHANNEL, 0), "paper": channels.get(PAPER_CHANNEL, 0)}


async def vote_warnings(vote: dict) -> list[tuple[str, dict]]:
    n = await Candidate.count().where(Candidate.vote == vote["id"])
    weights = [Decimal(cents_text(r["weight_cents"])) for r in await RollEntry.select(RollEntry.weight_cents).where(
        RollEntry.vote == vote["id"])]
    return warnings(vote["seats"], n, vote["equal_number"], vote["secrecy"], weights)


async def has_cast(vote_id: int, user_id: int | None) -> bool:
    if user_id is None:
        return False
    return await Participation.exists().where((Participation.vote == vote_id) & (Participation.user == user_id))


async def channel_of(vote_id: int, user_id: int) -> str | None:
    """How this person has voted in this vote ("online", "paper": signed in at the desk), or None."""
    rows = await Participation.raw('SELECT channel FROM participation WHERE vote = {} AND "user" = {}', vote_id, user_id)
    return rows[0]["channel"] if rows else None


async def standing(vote_id: int, user_id: int | None) -> tuple[bool, bool]:
    """(on the roll, has cast) for one person, in one query (every signed-in vote page)."""
    if user_id is None:
        return False, False
    rows = await RollEntry.raw(
        'SELECT (SELECT COUNT(*) FROM roll_entry WHERE vote = {} AND "user" = {}) AS on_roll, '
        '(SELECT COUNT(*) FROM participation WHERE vote = {} AND "user" = {}) AS has_cast',
        vote_id, user_id, vote_id, user_id,
    )
    return int(rows[0]["on_roll"]) > 0, int(rows[0]["has_cast"]) > 0


async def roll_entry_of(vote_id: int, user_id: int | None) -> dict | None:
    if user_id is None:
        return None
    return await RollEntry.select().where((RollEntry.vote == vote_id) & (RollEntry.user == user_id)).first()


async def runoff_of(vote_id: int) -> dict | None:
    rows = await Vote.raw("SELECT id, state, round FROM vote WHERE parent = {} ORDER BY id LIMIT 1", vote_id)
    return rows[0] if rows else None


async def available_projects(vote_id: int, path: str) -> list[dict]:
    """Projects on the annual_vote route at or below ``path`` (the vote's place) not yet
    candidates of this vote, nor of another vote whose result is not published (a project
    is on one ballot at a time)."""
    taken = {c["topic"] for c in await candidates_of(vote_id) if c["topic"] is not None}
    taken |= set(await topics_on_other_ballots(vote_id))
    return [p for p in await projects_under(path, await annual_vote_projects()) if p["id"] not in taken]


async def topics_on_other_ballots(vote_id: int, lock_topics: list[int] | None = None) -> dict[int, dict]:
    """{topic id: {"vote": id, "title": ...}} of the projects that are candidates of a vote
    other than ``vote_id`` not yet published (draft, open or closed). ``lock_topics``: inside
    a transaction on PostgreSQL, lock those topic rows first, so that two staff adding one
    project to two votes at once are serialised (SQLite: the IMMEDIATE transaction)."""
    if lock_topics and not db.is_sqlite():
        await Vote.raw("SELECT id FROM topic WHERE id = ANY({}) ORDER BY id FOR UPDATE", lock_topics)
    rows = await Vote.raw(
        "SELECT c.topic, v.id AS vote, v.title FROM candidate c JOIN vote v ON v.id = c.vote "
        "WHERE c.topic IS NOT NULL AND c.vote <> {} AND v.state <> {} ORDER BY v.id",
        vote_id, VoteState.published.value,
    )
    found: dict[int, dict] = {}
    for r in rows:
        found.setdefault(int(r["topic"]), {"vote": int(r["vote"]), "title": r["title"]})
    return found


# ---------------------------------------------------------------- the election data and the result


async def count_vote(vote: dict) -> tuple[dict, counting.CountResult]:
    """The election data and its count. A published vote's come from its record (read
    once, remembered, checked against its seal: `RecordAltered` when changed); any other
    vote's are read and counted afresh (inside publication, that is what is sealed)."""
    if vote["state"] == VoteState.published:
        record = await published_record(vote)
        record.refuse_altered()
        return record.data, record.result
    data = await election_data(vote)
    return data, counting.count(counting.parse_election(data))


async def published_vote(vote_id: int) -> dict:
    """A published vote's row; 404 for a draft, 409 before publication."""
    vote = await vote_row(vote_id)
    if vote["state"] == VoteState.draft:
        raise NotFound(NO_SUCH_VOTE)
    if vote["state"] != VoteState.published:
        raise Refusal(NOT_PUBLISHED, status_code=409)
    return vote


async def published_result(vote_id: int) -> tuple[dict, dict, counting.CountResult]:
    """(vote, election data, result) of a published vote; 409 before publication or when
    its stored ballots no longer match the sealed record."""
    vote = await published_vote(vote_id)
    data, result = await count_vote(vote)
    return vote, data, result


async def check_receipt(vote_id: int, code: str) -> tuple[str | None, bool]:
    """(normalised code or None when malformed, found) on a published vote's bulletin board."""
    vote = await get_vote(vote_id)
    if vote["state"] != VoteState.published:
        raise Refusal(NOT_PUBLISHED, status_code=409)
    normal = normalise_receipt(code) or normalise_paper_receipt(code)
    if normal is None:
        return None, False
    found = await Ballot.exists().where((Ballot.vote == vote_id) & (Ballot.receipt == normal))
    return normal, found


# ---------------------------------------------------------------- the ballot and the year-end review


async def ballot_access(viewer: Viewer, vote_id: int) -> dict:
    """The vote, candidates and roll entry of a representative who may cast now (else refused)."""
    vote = await get_vote(vote_id, viewer)
    entry = await entry_to_cast(vote, viewer)
    return {"vote": vote, "candidates": await candidates_of(vote_id), "weight": cents_text(entry["weight_cents"])}


async def entry_to_cast(vote: dict, viewer: Viewer) -> dict:
    """The viewer's roll entry when they may cast in this vote now; else refused."""
    next_state(vote["state"], Action.cast, viewer.roles)
    if viewer.granted & ROLL_EXCLUDED_ROLES:  # the roles held now, not when the roll was set
        raise VoteRuleError("manager_cannot_cast")
    entry = await roll_entry_of(vote["id"], viewer.id)
    if entry is None:
        raise Refusal(NOT_ON_ROLL, status_code=403)
    channel = await channel_of(vote["id"], viewer.id)
    if channel == PAPER_CHANNEL:  # signed in at the desk: online or on paper, never both
        raise VoteRuleError("voted_on_paper")
    if channel is not None:
        raise Refusal(ALREADY_CAST, status_code=409)
    return entry


async def review_context(viewer: Viewer, vote_id: int, counted: tuple | None = None,
                         candidates: list[dict] | None = None, on_roll: bool | None = None) -> dict:
    """Elected candidates of a published vote and what this representative already rated.
    ``counted``: the (vote, result) the caller has already counted, so the page counts once;
    ``candidates``, ``on_roll``: what the caller has read already."""
    if counted is not None:
        vote, result = counted
    else:
        vote, _data, result = await published_result(vote_id)
    by_id = {str(c["id"]): c for c in (candidates if candidates is not None else await candidates_of(vote_id))}
    elected = [by_id[cid] for cid in result.elected]
    mine = {}
    if viewer.signed_in:
        mine = {r["candidate"]: r["rating"] for r in await Review.raw(
            'SELECT candidate, rating FROM review WHERE vote = {} AND "user" = {}', vote_id, viewer.id)}
    if on_roll is None:
        on_roll = await roll_entry_of(vote_id, viewer.id) is not None
    return {"vote": vote, "elected": elected, "mine": mine, "may_review": may_review(viewer, on_roll)}


def may_review(viewer: Viewer, on_roll: bool) -> bool:
    """The year-end review is given by the representatives on the vote's roll."""
    return on_roll and viewer.has(Role.representative)


async def review_summary(vote_id: int) -> dict[int, dict]:
    """candidate id -> {rating: count, "total": n, "rate": satisfaction share as Fraction or None}."""
    rows = await Review.raw(
        "SELECT candidate, rating, COUNT(*) AS n FROM review WHERE vote = {} GROUP BY candidate, rating", vote_id
    )
    summary: dict[int, dict] = {}
    for r in rows:
        s = summary.setdefault(r["candidate"], {k: 0 for k in RATINGS})
        s[r["rating"]] = int(r["n"])
    for s in summary.values():
        total = sum(s[k] for k in RATINGS)
        s["total"] = total
        s["rate"] = Fraction(s["satisfied"] + s["basically_satisfied"], total) if total else None
        s["pct"] = percent_text(s["rate"]) if total else ""
    return summary
