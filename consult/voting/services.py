"""Voting services: each function is one unit of work (one transaction, audited).

Integrity, in short:
- Every write reads the vote row first, locked (PostgreSQL: SELECT ... FOR UPDATE, or
  FOR SHARE when casting; SQLite: the IMMEDIATE transaction of `db.transaction()`
  already serialises writers), and asks the domain's lifecycle table whether the
  action is allowed in the vote's state: nothing changes after opening except
  casting, nothing after closing except publishing.
- Casting writes the participation record and the ballot in one transaction; the
  unique index on participation (vote, "user") refuses a second ballot even when two
  requests race past the check in code.
- The result is never stored: it is counted from the stored ballots with
  `consult.voting.counting` each time, from exactly the data `/api/v1/votes/{id}/ballots`
  publishes, so the page, the API and a public recount cannot disagree.
"""

from __future__ import annotations

import json
import unicodedata
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from fractions import Fraction

from consult.messages import N_
from consult import audit, db
from consult.cache import RevisionCache, at, content_revision
from consult.accounts.domain import Viewer
from consult.accounts.tables import User
from consult.messages import NotFound, Refusal
from consult.notifications.domain import Kind as NoticeKind
from consult.notifications.services import notify
import consult.voting.counting as counting
from consult.voting.domain import (
    CONTROL_MESSAGE,
    Action,
    Secrecy,
    VoteRuleError,
    VoteState,
    next_state,
    new_nonce,
    normalise_receipt,
    parse_roll_csv,
    parse_weight,
    receipt_code,
    small_weight_groups,
    validate_ballot,
    validate_vote_settings,
    warnings,
)
from consult.voting.labels import RATINGS
from consult.voting.tables import Ballot, Candidate, Participation, Review, RollEntry, Vote


ALREADY_CAST = N_("You have already cast your ballot in this vote. A cast ballot is final.")
NOT_ON_ROLL = N_("You are not on the roll of this vote.")
NOT_PUBLISHED = N_("The result of this vote is not published yet: it is published after staff close the vote.")
RUNOFF_FIXED = N_("A runoff round keeps the tied candidates, the roll and the rules of its vote; they cannot be changed.")
SMALL_GROUPS_REASON = N_(
    "Secret ballot: some weight is held by fewer than 3 representatives who voted, so publishing "
    "each ballot with its weight could reveal how they voted. Only the receipt codes and the totals are published."
)

CANDIDATE_TITLE_MESSAGE = N_("The title must be 4 to 200 characters long.")
CANDIDATE_DESCRIPTION_MESSAGE = N_("The description must be at most 5000 characters long.")
CANDIDATE_COST_MESSAGE = N_("The cost must be a whole number of yuan, at least 0.")
CANDIDATE_SUPPORT_MESSAGE = N_("The support index must be a whole number, at least 0.")
def _has_control(text: str, allowed: str = "") -> bool:
    """Control characters (category Cc) other than ``allowed``: invisible, never meant."""
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)
EQUAL_NUMBER_REASON_MESSAGE = N_("Give the reason for an equal-number vote (as many candidates as seats).")
# Notifications to the representatives on the roll (sent in the transaction that opens / publishes).
VOTE_OPEN_NOTICE = N_("The vote “{title}” is open: you are on its roll and may cast your ballot.")
VOTE_PUBLISHED_NOTICE = N_("The result of the vote “{title}” is published.")
MAX_COST = 10**12


def now() -> datetime:
    return datetime.now(timezone.utc)


# ---------------------------------------------------------------- numbers


def cents_of(weight: Decimal) -> int:
    return int(weight * 100)


def fmt_cents(cents: int) -> str:
    """Integer hundredths as a plain decimal string without trailing zeros: 150 -> "1.5"."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}" + (f".{frac:02d}".rstrip("0") if frac else "")


def fraction_text(value: Fraction) -> str:
    return "0" if value == 0 else f"{value.numerator}/{value.denominator}"


def parse_fraction_text(text: str) -> Fraction:
    num, _, den = text.partition("/")
    return Fraction(int(num), int(den or 1))


# ---------------------------------------------------------------- reading


def _is_sqlite() -> bool:
    return db.is_sqlite()


async def _vote(vote_id: int, lock: str | None = None) -> dict:
    """The vote row; inside a transaction on PostgreSQL, locked (lock: "UPDATE" or "SHARE")."""
    if lock and not _is_sqlite():
        row = await Vote.select().where(Vote.id == vote_id).lock_rows(lock).first()
    else:
        # the same row as Vote.select() gives, without building that query on every page view
        rows = await Vote.raw("SELECT * FROM vote WHERE id = {}", vote_id)
        row = rows[0] if rows else None
    if row is None:
        raise NotFound(N_("There is no such vote."))
    return row


async def get_vote(vote_id: int, viewer: Viewer | None = None) -> dict:
    """A vote as the viewer may see it: drafts only for staff."""
    vote = await _vote(vote_id)
    if vote["state"] == VoteState.draft and not (viewer and viewer.has("staff", "admin")):
        raise NotFound(N_("There is no such vote."))
    return vote


_PAGE_CACHE = RevisionCache("vote_page", size=128)


async def vote_page(vote_id: int, viewer: Viewer) -> dict:
    """What the public vote page shows to everyone: the vote, its candidates, its runoff
    round and the round it decides, and (once published) the representatives' reviews.
    Read once per content revision (the vote, candidate and review tables bump it) and
    shared: callers treat it as read-only. Drafts only for staff."""
    shared = await _PAGE_CACHE.get_or_load(at(await content_revision(), vote_id), lambda: _vote_page_shared(vote_id))
    if shared["vote"]["state"] == VoteState.draft and not viewer.has("staff", "admin"):
        raise NotFound(N_("There is no such vote."))
    return shared


async def _vote_page_shared(vote_id: int) -> dict:
    vote = await _vote(vote_id)
    return {
        "vote": vote,
        "candidates": await candidates_of(vote_id),
        "runoff": await runoff_of(vote_id),
        "parent": await _vote(vote["parent"]) if vote["parent"] else None,
        "reviews": await review_summary(vote_id) if vote["state"] == VoteState.published else {},
    }


async def list_votes(viewer: Viewer) -> list[dict]:
    query = Vote.select().order_by(Vote.year, ascending=False).order_by(Vote.id, ascending=False)
    if not viewer.has("staff", "admin"):
        query = query.where(Vote.state != VoteState.draft)
    votes = await query
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
        r["weight"] = fmt_cents(r["weight_cents"])
    return rows


async def representatives() -> list[dict]:
    """Active users holding the representative role (granted, not only through admin)."""
    return await User.raw(
        "SELECT a.id, a.username, a.display_name FROM account a WHERE a.active AND EXISTS "
        "(SELECT 1 FROM user_role r WHERE r.\"user\" = a.id AND r.role = 'representative') ORDER BY a.username"
    )


async def turnout(vote_id: int) -> dict:
    rows = await Ballot.raw(
        "SELECT COUNT(*) AS n, COALESCE(SUM(weight_cents), 0) AS cents FROM ballot WHERE vote = {}", vote_id
    )
    return {"ballots": int(rows[0]["n"]), "weight": fmt_cents(int(rows[0]["cents"]))}


async def vote_warnings(vote: dict) -> list[tuple[str, dict]]:
    n = await Candidate.count().where(Candidate.vote == vote["id"])
    weights = [Decimal(fmt_cents(r["weight_cents"])) for r in await RollEntry.select(RollEntry.weight_cents).where(
        RollEntry.vote == vote["id"])]
    return warnings(vote["seats"], n, vote["equal_number"], vote["secrecy"], weights)


async def has_cast(vote_id: int, user_id: int | None) -> bool:
    if user_id is None:
        return False
    return await Participation.exists().where((Participation.vote == vote_id) & (Participation.user == user_id))


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


async def available_projects(vote_id: int) -> list[dict] | None:
    """Projects on the annual_vote route not yet candidates of this vote; None when the
    topics feature does not offer them (yet)."""
    try:
        from consult.topics.services import annual_vote_projects
    except ImportError:
        return None
    taken = {c["topic"] for c in await candidates_of(vote_id) if c["topic"] is not None}
    return [p for p in await annual_vote_projects() if p["id"] not in taken]


# ---------------------------------------------------------------- the election data and the result


async def election_data(vote: dict) -> dict:
    """The vote in the open-data input format of `consult recount` (ballots ordered by receipt)."""
    roll = await RollEntry.raw(
        "SELECT COALESCE(SUM(weight_cents), 0) AS cents FROM roll_entry WHERE vote = {}", vote["id"]
    )
    candidates = await candidates_of(vote["id"])
    ballots = await Ballot.raw(
        "SELECT b.receipt, b.weight_cents, b.choices, a.username AS voter FROM ballot b "
        "LEFT JOIN account a ON a.id = b.voter WHERE b.vote = {} ORDER BY b.receipt",
        vote["id"],
    )
    recorded = vote["secrecy"] == Secrecy.recorded
    data = {
        "rule": vote["rule"],
        "seats": vote["seats"],
        "budget": vote["budget"],
        "basis": vote["basis"],
        "threshold": vote["threshold"],
        "public_weight": vote["public_weight"],
        "roll_weight": fmt_cents(int(roll[0]["cents"])),
        "candidates": [
            {"id": str(c["id"]), "title": c["title"], "cost": int(c["cost"]), "support": int(c["support"])}
            for c in candidates
        ],
        "ballots": [
            {
                "receipt": b["receipt"],
                "weight": fmt_cents(b["weight_cents"]),
                "choices": b["choices"] if isinstance(b["choices"], dict) else json.loads(b["choices"]),
                **({"voter": b["voter"]} if recorded else {}),
            }
            for b in ballots
        ],
    }
    if vote["tie_break_support"]:
        data["tie_break_support"] = True
    if vote["completion"]:
        data["completion"] = vote["completion"]
    return data


_PUBLISHED_COUNTS = RevisionCache("published_vote_counts", size=64)


async def count_vote(vote: dict) -> tuple[dict, counting.CountResult]:
    """The election data and its count. A published vote can no longer change (no ballot,
    candidate or roll entry can be added, changed or removed once it is published), so
    its count is remembered per (vote, publication time): 100,000 ballots take seconds to
    read and count, and the result page was doing that on every view. Callers treat the
    returned data as read-only."""
    key = (vote["id"], vote["published_at"]) if vote["state"] == VoteState.published else None

    async def read_and_count() -> tuple[dict, counting.CountResult]:
        data = await election_data(vote)
        return data, counting.count(counting.parse_election(data))

    return await _PUBLISHED_COUNTS.get_or_load(key, read_and_count)


async def published_result(vote_id: int) -> tuple[dict, dict, counting.CountResult]:
    """(vote, election data, result) of a published vote; 409 before publication."""
    vote = await _vote(vote_id)
    if vote["state"] == VoteState.draft:
        raise NotFound(N_("There is no such vote."))
    if vote["state"] != VoteState.published:
        raise Refusal(NOT_PUBLISHED, status_code=409)
    data, result = await count_vote(vote)
    return vote, data, result


@dataclass
class PublicBallots:
    data: dict  # input format, or the settings without ballots when restricted
    restricted: bool
    receipts: list[str]
    result: dict


async def public_ballots(vote_id: int) -> PublicBallots:
    vote, data, result = await published_result(vote_id)
    receipts = [b["receipt"] for b in data["ballots"]]
    restricted = vote["secrecy"] == Secrecy.secret and small_weight_groups(
        Decimal(b["weight"]) for b in data["ballots"]
    )
    return PublicBallots(data=data, restricted=restricted, receipts=receipts, result=counting.result_to_dict(result))


async def check_receipt(vote_id: int, code: str) -> tuple[str | None, bool]:
    """(normalised code or None when malformed, found) on a published vote's bulletin board."""
    vote = await get_vote(vote_id)
    if vote["state"] != VoteState.published:
        raise Refusal(NOT_PUBLISHED, status_code=409)
    normal = normalise_receipt(code)
    if normal is None:
        return None, False
    found = await Ballot.exists().where((Ballot.vote == vote_id) & (Ballot.receipt == normal))
    return normal, found


async def receipts_of(vote_id: int) -> list[str]:
    return [r["receipt"] for r in await Ballot.select(Ballot.receipt).where(Ballot.vote == vote_id).order_by(Ballot.receipt)]


# ---------------------------------------------------------------- staff: settings, candidates, roll


def _check(vote: dict, action: str, actor: Viewer) -> VoteState:
    return next_state(vote["state"], action, actor.roles)


def _settings_from(form: dict) -> tuple:
    settings = None
    errors: dict = {}
    try:
        settings = validate_vote_settings(
            form.get("title", ""), form.get("year", ""), form.get("seats", ""), form.get("budget", ""),
            form.get("basis", ""), form.get("threshold", ""), form.get("secrecy", ""),
            form.get("public_weight", ""), form.get("rule", "majority") or "majority",
            completion=form.get("completion") or None,
        )
    except VoteRuleError as exc:
        errors.update(exc.field_errors)
    equal_number = form.get("equal_number") in ("1", "on", "true")
    reason = (form.get("equal_number_reason") or "").strip()
    if equal_number and not 4 <= len(reason) <= 500:
        errors["equal_number_reason"] = (EQUAL_NUMBER_REASON_MESSAGE, {})
    if errors:
        raise VoteRuleError("invalid_settings", errors=errors)
    return settings, equal_number, reason if equal_number else ""


def _settings_values(settings, equal_number: bool, reason: str, tie_break: bool) -> dict:
    return {
        "title": settings.title,
        "year": settings.year,
        "seats": settings.seats,
        "budget": settings.budget,
        "basis": settings.basis.value,
        "threshold": fraction_text(settings.threshold),
        "secrecy": settings.secrecy.value,
        "public_weight": fraction_text(settings.public_weight),
        "rule": settings.rule.value,
        "completion": settings.completion.value if settings.completion else None,
        "equal_number": equal_number,
        "equal_number_reason": reason,
        "tie_break_support": tie_break,
    }


async def create_vote(actor: Viewer, form: dict) -> int:
    settings, equal_number, reason = _settings_from(form)
    values = _settings_values(settings, equal_number, reason, form.get("tie_break_support") in ("1", "on", "true"))
    async with db.transaction():
        if not actor.has("staff", "admin"):
            raise VoteRuleError("role_not_allowed", action=Action.edit.value)
        vote = Vote(**values, state=VoteState.draft.value, created_by=actor.id)
        await vote.save()
        await audit.record(actor.id, "vote.created", "vote", vote.id, **{k: v for k, v in values.items()})
    return vote.id


async def update_settings(actor: Viewer, vote_id: int, form: dict) -> None:
    settings, equal_number, reason = _settings_from(form)
    values = _settings_values(settings, equal_number, reason, form.get("tie_break_support") in ("1", "on", "true"))
    async with db.transaction():
        vote = await _vote(vote_id, "UPDATE")
        _check(vote, Action.edit, actor)
        if vote["round"] > 1:
            raise Refusal(RUNOFF_FIXED)
        await Vote.update({getattr(Vote, k): v for k, v in values.items()}).where(Vote.id == vote_id)
        await audit.record(actor.id, "vote.settings_changed", "vote", vote_id, **values)


def _candidate_fields(form: dict) -> dict:
    errors: dict = {}
    title = (form.get("title") or "").strip()
    if not 4 <= len(title) <= 200:
        errors["title"] = (CANDIDATE_TITLE_MESSAGE, {})
    elif _has_control(title):
        errors["title"] = (CONTROL_MESSAGE, {})
    description = (form.get("description") or "").strip()
    if len(description) > 5000:
        errors["description"] = (CANDIDATE_DESCRIPTION_MESSAGE, {})
    elif _has_control(description, "\n\r\t"):
        errors["description"] = (CONTROL_MESSAGE, {})
    values = {}
    for name, message in (("cost", CANDIDATE_COST_MESSAGE), ("support", CANDIDATE_SUPPORT_MESSAGE)):
        text = (form.get(name) or "0").strip()
        if not text.isdigit() or int(text) > MAX_COST:
            errors[name] = (message, {})
        else:
            values[name] = int(text)
    if errors:
        raise VoteRuleError("invalid_settings", errors=errors)
    return {"title": title, "description": description, **values}


async def _editable(actor: Viewer, vote_id: int) -> dict:
    vote = await _vote(vote_id, "UPDATE")
    _check(vote, Action.edit, actor)
    if vote["round"] > 1:
        raise Refusal(RUNOFF_FIXED)
    return vote


async def _next_position(vote_id: int) -> int:
    rows = await Candidate.raw("SELECT COALESCE(MAX(position), 0) AS m FROM candidate WHERE vote = {}", vote_id)
    return int(rows[0]["m"]) + 1


async def add_candidate(actor: Viewer, vote_id: int, form: dict) -> int:
    fields = _candidate_fields(form)
    async with db.transaction():
        await _editable(actor, vote_id)
        candidate = Candidate(vote=vote_id, position=await _next_position(vote_id), **fields)
        await candidate.save()
        await audit.record(actor.id, "vote.candidate_added", "vote", vote_id, candidate=candidate.id, title=fields["title"])
    return candidate.id


async def add_project_candidates(actor: Viewer, vote_id: int, topic_ids: list[int]) -> int:
    """Add the chosen annual_vote projects as candidates; returns how many were added."""
    async with db.transaction():
        await _editable(actor, vote_id)
        projects = await available_projects(vote_id)
        if projects is None:
            raise Refusal(N_("Projects from topics are not available; enter the candidates directly."))
        by_id = {p["id"]: p for p in projects}
        added = 0
        position = await _next_position(vote_id)
        for topic_id in topic_ids:
            p = by_id.get(topic_id)
            if p is None:
                continue
            await Candidate.insert(
                Candidate(
                    vote=vote_id,
                    topic=p["id"],
                    title=str(p["title"])[:200],
                    description=str(p.get("scope") or "")[:5000],
                    cost=int(p.get("estimated_cost") or 0),
                    support=int(p.get("support") or 0),
                    responsible_unit=str(p.get("responsible_unit") or "")[:120],
                    position=position,
                )
            )
            position += 1
            added += 1
            await audit.record(actor.id, "vote.candidate_added", "vote", vote_id, topic=p["id"], title=p["title"])
    return added


async def remove_candidate(actor: Viewer, vote_id: int, candidate_id: int) -> None:
    async with db.transaction():
        await _editable(actor, vote_id)
        deleted = await Candidate.delete().where((Candidate.id == candidate_id) & (Candidate.vote == vote_id)).returning(
            Candidate.title
        )
        if not deleted:
            raise NotFound(N_("There is no such candidate in this vote."))
        await audit.record(actor.id, "vote.candidate_removed", "vote", vote_id, candidate=candidate_id,
                           title=deleted[0]["title"])


async def _representative_ids(usernames: set[str] | None = None) -> dict[str, int]:
    return {r["username"]: r["id"] for r in await representatives() if usernames is None or r["username"] in usernames}


async def set_roll_entry(actor: Viewer, vote_id: int, user_id: int, weight_text: str) -> None:
    try:
        weight = parse_weight((weight_text or "1").strip() or "1")
    except VoteRuleError as exc:
        raise VoteRuleError("invalid_settings", errors={"weight": (exc.message, exc.params)}) from None
    async with db.transaction():
        await _editable(actor, vote_id)
        if user_id not in set((await _representative_ids()).values()):
            raise Refusal(N_("Only users holding the representative role can be on the roll."), status_code=400)
        existing = await roll_entry_of(vote_id, user_id)
        if existing:
            await RollEntry.update({RollEntry.weight_cents: cents_of(weight)}).where(RollEntry.id == existing["id"])
        else:
            await RollEntry.insert(RollEntry(vote=vote_id, user=user_id, weight_cents=cents_of(weight)))
        await audit.record(actor.id, "vote.roll_set", "vote", vote_id, user=user_id, weight=str(weight))


async def remove_roll_entry(actor: Viewer, vote_id: int, user_id: int) -> None:
    async with db.transaction():
        await _editable(actor, vote_id)
        deleted = await RollEntry.delete().where((RollEntry.vote == vote_id) & (RollEntry.user == user_id)).returning(
            RollEntry.id
        )
        if not deleted:
            raise NotFound(N_("This person is not on the roll."))
        await audit.record(actor.id, "vote.roll_removed", "vote", vote_id, user=user_id)


async def import_roll_csv(actor: Viewer, vote_id: int, text: str) -> int:
    """Replace the roll with the rows of a `username,weight` file: all or nothing."""
    async with db.transaction():
        await _editable(actor, vote_id)
        reps = await _representative_ids()
        rows = parse_roll_csv(text, set(reps))  # VoteRuleError lists every bad line; nothing written
        await RollEntry.delete().where(RollEntry.vote == vote_id)
        await RollEntry.insert(
            *[RollEntry(vote=vote_id, user=reps[username], weight_cents=cents_of(weight)) for username, weight in rows]
        )
        await audit.record(actor.id, "vote.roll_imported", "vote", vote_id, rows=len(rows))
    return len(rows)


# ---------------------------------------------------------------- staff: lifecycle


async def _notify_roll(vote: dict, kind: str, message: str, actor_id: int | None) -> int:
    """Notify everyone on the vote's roll (one query for the ids, one insert); call inside the transaction."""
    rows = await RollEntry.select(RollEntry.user).where(RollEntry.vote == vote["id"])
    return await notify([r["user"] for r in rows], kind, message, {"title": vote["title"]}, f"/votes/{vote['id']}", actor_id)


async def open_vote(actor: Viewer, vote_id: int) -> None:
    async with db.transaction():
        vote = await _vote(vote_id, "UPDATE")
        new_state = _check(vote, Action.open, actor)
        n = await Candidate.count().where(Candidate.vote == vote_id)
        if n == 0:
            raise Refusal(N_("Add candidates before opening the vote."))
        if not await RollEntry.exists().where(RollEntry.vote == vote_id):
            raise Refusal(N_("Add representatives to the roll before opening the vote."))
        if vote["round"] == 1 and n < vote["seats"] + 1 and not vote["equal_number"]:
            raise Refusal(
                N_("A contested vote needs at least {needed} candidates for {seats} seats; there are {candidates}. "
                   "Add candidates or tick “equal number” and give a reason."),
                needed=vote["seats"] + 1, seats=vote["seats"], candidates=n,
            )
        await Vote.update({Vote.state: new_state.value, Vote.opened_at: now()}).where(Vote.id == vote_id)
        await audit.record(actor.id, "vote.opened", "vote", vote_id)
        await _notify_roll(vote, NoticeKind.vote_open.value, VOTE_OPEN_NOTICE, actor.id)


async def close_vote(actor: Viewer, vote_id: int) -> None:
    async with db.transaction():
        vote = await _vote(vote_id, "UPDATE")
        new_state = _check(vote, Action.close, actor)
        await Vote.update({Vote.state: new_state.value, Vote.closed_at: now()}).where(Vote.id == vote_id)
        await audit.record(actor.id, "vote.closed", "vote", vote_id, **await turnout(vote_id))


def _topics_outcome():
    try:
        from consult.topics.services import apply_vote_outcome
    except ImportError:
        return None
    return apply_vote_outcome


async def publish_vote(actor: Viewer, vote_id: int) -> counting.CountResult:
    """Count, publish, and move the candidates' projects (elected -> implementing, the rest
    -> not_elected; tied candidates wait for the runoff) in the same transaction."""
    async with db.transaction():
        vote = await _vote(vote_id, "UPDATE")
        new_state = _check(vote, Action.publish, actor)
        _, result = await count_vote(vote)
        await Vote.update({Vote.state: new_state.value, Vote.published_at: now()}).where(Vote.id == vote_id)
        topic_of = {str(c["id"]): c["topic"] for c in await candidates_of(vote_id)}
        elected_topics = [topic_of[cid] for cid in result.elected if topic_of.get(cid) is not None]
        losing = [
            topic_of[c.id]
            for c in result.candidates
            if c.status in (counting.Status.not_elected, counting.Status.failed, counting.Status.over_budget)
            and topic_of.get(c.id) is not None
        ]
        await audit.record(
            actor.id, "vote.published", "vote", vote_id,
            elected=list(result.elected), tied=list(result.tied), vacant_seats=result.vacant_seats,
            turnout_ballots=result.turnout_ballots, turnout_weight=str(result.turnout_weight),
        )
        await _notify_roll(vote, NoticeKind.vote_published.value, VOTE_PUBLISHED_NOTICE, actor.id)
        apply = _topics_outcome()
        if apply is not None and (elected_topics or losing):
            await apply(elected_topics, losing, vote_id, actor.id)
    return result


async def start_runoff(actor: Viewer, vote_id: int) -> int:
    """A new round limited to the tied candidates, for the seats (and budget) left, same roll and rules."""
    async with db.transaction():
        vote = await _vote(vote_id, "UPDATE")
        if not actor.has("staff", "admin"):
            raise VoteRuleError("role_not_allowed", action=Action.open.value)
        if vote["state"] != VoteState.published:
            raise Refusal(N_("A runoff can be started only after the result is published."))
        if await runoff_of(vote_id):
            raise Refusal(N_("This vote already has a runoff round."))
        _, result = await count_vote(vote)
        if not result.tied:
            raise Refusal(N_("There is no tie to resolve in this vote."))
        values = {k: vote[k] for k in ("title", "year", "basis", "threshold", "secrecy", "public_weight", "rule",
                                        "tie_break_support", "completion")}
        runoff = Vote(
            **values, seats=result.runoff_seats, budget=result.budget_left, equal_number=True,
            equal_number_reason=vote["equal_number_reason"], state=VoteState.draft.value,
            round=vote["round"] + 1, parent=vote_id, created_by=actor.id,
        )
        await runoff.save()
        tied = set(result.tied)
        for position, c in enumerate(await candidates_of(vote_id), start=1):
            if str(c["id"]) in tied:
                await Candidate.insert(Candidate(
                    vote=runoff.id, topic=c["topic"], title=c["title"], description=c["description"], cost=c["cost"],
                    support=c["support"], responsible_unit=c["responsible_unit"], position=position,
                ))
        roll = await RollEntry.select(RollEntry.user, RollEntry.weight_cents).where(RollEntry.vote == vote_id)
        if roll:
            await RollEntry.insert(*[RollEntry(vote=runoff.id, user=r["user"], weight_cents=r["weight_cents"]) for r in roll])
        await audit.record(actor.id, "vote.runoff_created", "vote", runoff.id, parent=vote_id,
                           seats=result.runoff_seats, candidates=sorted(tied))
    return runoff.id


# ---------------------------------------------------------------- representatives: casting


async def ballot_access(viewer: Viewer, vote_id: int) -> dict:
    """The vote, candidates and roll entry of a representative who may cast now (else refused)."""
    vote = await get_vote(vote_id, viewer)
    next_state(vote["state"], Action.cast, viewer.roles)
    entry = await roll_entry_of(vote_id, viewer.id)
    if entry is None:
        raise Refusal(NOT_ON_ROLL, status_code=403)
    if await has_cast(vote_id, viewer.id):
        raise Refusal(ALREADY_CAST, status_code=409)
    return {"vote": vote, "candidates": await candidates_of(vote_id), "weight": fmt_cents(entry["weight_cents"])}


def _is_unique_violation(exc: BaseException) -> bool:
    name = type(exc).__name__
    return name == "UniqueViolationError" or (name == "IntegrityError" and "UNIQUE" in str(exc).upper())


async def _random_ballot_id() -> int:
    while True:
        candidate = secrets.randbelow(2**31 - 2) + 1  # INTEGER on both engines
        if not await Ballot.exists().where(Ballot.id == candidate):
            return candidate


async def cast_ballot(viewer: Viewer, vote_id: int, choices: dict[str, str]) -> str:
    """Store one ballot and the participation record in one transaction; returns the receipt code.

    Secret mode: the ballot row gets no voter, no time and a random id (see tables.py);
    the audit entry records that the representative voted, never the receipt.
    """
    try:
        async with db.transaction():
            vote = await _vote(vote_id, "SHARE")
            if vote["state"] == VoteState.draft:
                raise NotFound(N_("There is no such vote."))
            next_state(vote["state"], Action.cast, viewer.roles)
            entry = await roll_entry_of(vote_id, viewer.id)
            if entry is None:
                raise Refusal(NOT_ON_ROLL, status_code=403)
            if await has_cast(vote_id, viewer.id):
                raise Refusal(ALREADY_CAST)
            ids = [str(c["id"]) for c in await candidates_of(vote_id)]
            ballot = validate_ballot(choices, ids, vote["seats"])  # > K approvals: refused, nothing stored
            weight = fmt_cents(entry["weight_cents"])
            receipt = receipt_code({"vote": vote_id, "weight": weight, "choices": ballot}, new_nonce())
            await Participation.insert(Participation(vote=vote_id, user=viewer.id))
            await Ballot.insert(
                Ballot(
                    id=await _random_ballot_id(),
                    vote=vote_id,
                    receipt=receipt,
                    weight_cents=entry["weight_cents"],
                    choices=json.dumps(ballot),
                    voter=viewer.id if vote["secrecy"] == Secrecy.recorded else None,
                )
            )
            await audit.record(viewer.id, "vote.ballot_cast", "vote", vote_id)
    except Exception as exc:
        if _is_unique_violation(exc):
            raise Refusal(ALREADY_CAST) from None
        raise
    return receipt


# ---------------------------------------------------------------- year-end review (人大评)


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
    on_roll = on_roll and viewer.has("representative")
    return {"vote": vote, "elected": elected, "mine": mine, "may_review": on_roll and viewer.has("representative")}


async def submit_reviews(viewer: Viewer, vote_id: int, ratings: dict[int, str], comments: dict[int, str]) -> int:
    try:
        async with db.transaction():
            vote, _data, result = await published_result(vote_id)
            if not viewer.has("representative") or await roll_entry_of(vote_id, viewer.id) is None:
                raise Refusal(N_("Only representatives on the roll of this vote can review its projects."), status_code=403)
            elected = {int(cid) for cid in result.elected}
            done = {r["candidate"] for r in await Review.select(Review.candidate).where(
                (Review.vote == vote_id) & (Review.user == viewer.id))}
            added = 0
            for cid, rating in ratings.items():
                if not rating:
                    continue
                if cid not in elected or rating not in RATINGS:
                    raise Refusal(N_("Rate only the elected projects, with one of the three answers."), status_code=400)
                if cid in done:
                    raise Refusal(N_("You have already rated this project."))
                await Review.insert(Review(vote=vote_id, candidate=cid, user=viewer.id, rating=rating,
                                           comment=(comments.get(cid) or "").strip()[:1000]))
                added += 1
            if not added:
                raise Refusal(N_("Choose a rating for at least one project."), status_code=400)
            await audit.record(viewer.id, "vote.reviewed", "vote", vote_id, candidates=sorted(ratings))
    except Exception as exc:
        if _is_unique_violation(exc):
            raise Refusal(N_("You have already rated this project.")) from None
        raise
    return added


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
        s["pct"] = _percent_text(s["rate"]) if total else ""
    return summary


def _percent_text(share: Fraction) -> str:
    """A share as a percentage with one decimal, rounded half up (display only)."""
    tenths = (share * 1000 + Fraction(1, 2)).__floor__()
    return f"{tenths // 10}.{tenths % 10}" if tenths % 10 else str(tenths // 10)
