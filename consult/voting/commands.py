"""Voting writes: a vote's settings, candidates and roll; opening, closing, publishing and
the runoff round (staff); casting a ballot and the year-end review (representatives).
Each function is one transaction, audited.

Integrity, in short:
- Every write reads the vote row first, locked (PostgreSQL: SELECT ... FOR UPDATE, or
  FOR SHARE when casting; SQLite: the IMMEDIATE transaction of `db.transaction()`
  already serialises writers), and asks the lifecycle table whether the action is
  allowed in the vote's state: nothing changes after opening except casting, nothing
  after closing except publishing.
- Casting writes the participation record and the ballot in ONE transaction; the
  unique index on participation (vote, "user") refuses a second ballot even when two
  requests race past the check in code. Secret mode keeps no link from the ballot to
  its voter: the ballot is sealed while the vote is open and rewritten in a random
  order when it closes (consult.voting.ballots, consult.voting.sealing).
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from consult import audit, db
from consult.accounts.domain import Viewer
from consult.messages import N_, NotFound, Refusal
from consult.notifications.domain import Kind as NoticeKind
from consult.notifications.services import notify
from consult.numbers import cents_text, to_cents
from consult.topics.commands import apply_vote_outcome
from consult.topics.queries import annual_vote_projects
import consult.voting.counting as counting
import consult.voting.ballots as ballots
from consult.voting.desk_queries import refuse_paper_pending
from consult.voting.domain import check_weight_classes, new_nonce, parse_roll_csv, receipt_code, validate_ballot
from consult.voting.labels import RATINGS
from consult.voting.lifecycle import ACTION_ROLES, Action, Secrecy, VoteRuleError, VoteState, is_fixed, next_state
from consult.voting.forms import candidate_fields, roll_weight, settings_values
from consult.voting.queries import (
    ALREADY_CAST,
    NO_SUCH_VOTE,
    available_projects,
    topics_on_other_ballots,
    candidates_of,
    count_vote,
    entry_to_cast,
    managers,
    managers_on_roll,
    may_review,
    published_result,
    refuse_managers,
    representatives,
    roll_entry_of,
    runoff_of,
    turnout,
    vote_row,
)
from consult.voting.places import PLACE_HAS_OTHERS, PROJECT_ELSEWHERE, chosen_place, place_of, projects_under, roles_for
from consult.voting.record import VOTER_NAME, record_bytes, sha256_hex
from consult.voting.tables import Ballot, Candidate, Participation, Review, RollEntry, Vote

RUNOFF_FIXED = N_("A runoff round keeps the tied candidates, the roll and the rules of its vote; they cannot be changed.")
# Notifications to the representatives on the roll (sent in the transaction that opens / publishes).
ON_ANOTHER_BALLOT = N_("Project #{topic_id} is already a candidate of the vote #{vote} “{title}”, whose result "
                       "is not published yet; a project can be on one ballot at a time.")
VOTE_OPEN_NOTICE = N_("The vote “{title}” is open: you are on its roll and may cast your ballot.")
VOTE_PUBLISHED_NOTICE = N_("The result of the vote “{title}” is published.")


def now() -> datetime:
    return datetime.now(timezone.utc)


async def _check(vote: dict, action: str, actor: Viewer) -> VoteState:
    """The state after ``action``, for the roles of the actor that reach the vote's place."""
    return next_state(vote["state"], action, await roles_for(actor, vote, action))


async def _settings_and_place(actor: Viewer, form: dict, current: int | None = None) -> tuple[dict, int | None]:
    """The checked settings and the chosen place (``current`` when the form has no place
    field), every bad field reported at once."""
    errors: dict = {}
    values: dict = {}
    try:
        values = settings_values(form)
    except VoteRuleError as exc:
        errors.update(exc.field_errors)
    place, error = (current, None) if current is not None and form.get("place") is None else \
        await chosen_place(actor, form.get("place"))
    if error is not None:
        errors["place"] = error
    if errors:
        raise VoteRuleError("invalid_settings", errors=errors)
    return values, place


async def _refuse_candidates_outside(vote_id: int, place: int | None) -> None:
    """A new place must hold every project already a candidate (field error otherwise).
    A draft's project candidates are still projects on the annual-vote route."""
    topics = {c["topic"] for c in await candidates_of(vote_id) if c["topic"] is not None}
    if not topics:
        return
    projects = [p for p in await annual_vote_projects() if p["id"] in topics]
    if len(await projects_under((await place_of(place))["path"], projects)) < len(projects):
        raise VoteRuleError("invalid_settings", errors={"place": (PLACE_HAS_OTHERS, {})})


async def create_vote(actor: Viewer, form: dict) -> int:
    """A draft vote at the place chosen among those the actor serves as staff."""
    if not actor.has(*ACTION_ROLES[Action.edit]):
        raise VoteRuleError("role_not_allowed", action=Action.edit.value)
    async with db.transaction():
        values, place = await _settings_and_place(actor, form)
        vote = Vote(**values, place=place, state=VoteState.draft.value, created_by=actor.id)
        await vote.save()
        await audit.record(actor.id, "vote.created", "vote", vote.id, place=place, **values)
    return vote.id


async def update_settings(actor: Viewer, vote_id: int, form: dict) -> None:
    async with db.transaction():
        vote = await _editable(actor, vote_id)
        values, place = await _settings_and_place(actor, form, current=vote["place"])
        if place != vote["place"]:
            await _refuse_candidates_outside(vote_id, place)
        await Vote.update({**{getattr(Vote, k): v for k, v in values.items()}, Vote.place: place}).where(
            Vote.id == vote_id)
        await audit.record(actor.id, "vote.settings_changed", "vote", vote_id, place=place, **values)


async def _editable(actor: Viewer, vote_id: int) -> dict:
    """The vote row, locked, when its settings, candidates and roll may still change."""
    vote = await vote_row(vote_id, "UPDATE")
    await _check(vote, Action.edit, actor)
    if is_fixed(vote["round"]):
        raise Refusal(RUNOFF_FIXED)
    return vote


async def delete_draft(actor: Viewer, vote_id: int) -> str:
    """Staff delete a draft vote with its candidates and roll (after a confirmation page).
    Only a draft, never one with a ballot or a participation row (a draft has none; the check
    says so plainly should that ever change); the audit entry keeps what was deleted."""
    async with db.transaction():
        vote = await vote_row(vote_id, "UPDATE")
        await _check(vote, Action.delete, actor)  # the state, and a role that reaches the vote's place
        cast = await Participation.count().where(Participation.vote == vote_id)
        cast += await Ballot.count().where(Ballot.vote == vote_id)
        if cast:
            raise VoteRuleError("has_ballots")
        candidates = await Candidate.select(Candidate.id, Candidate.title).where(Candidate.vote == vote_id)
        roll = await RollEntry.count().where(RollEntry.vote == vote_id)
        await Review.delete().where(Review.vote == vote_id)
        await RollEntry.delete().where(RollEntry.vote == vote_id)
        await Candidate.delete().where(Candidate.vote == vote_id)
        await Vote.delete().where(Vote.id == vote_id)
        await audit.record(actor.id, "vote.deleted", "vote", vote_id, title=vote["title"], year=vote["year"],
                           candidates=[c["title"] for c in candidates], roll=roll)
    return vote["title"]


async def _next_position(vote_id: int) -> int:
    rows = await Candidate.raw("SELECT COALESCE(MAX(position), 0) AS m FROM candidate WHERE vote = {}", vote_id)
    return int(rows[0]["m"]) + 1


async def add_candidate(actor: Viewer, vote_id: int, form: dict) -> int:
    fields = candidate_fields(form)
    async with db.transaction():
        await _editable(actor, vote_id)
        candidate = Candidate(vote=vote_id, position=await _next_position(vote_id), **fields)
        await candidate.save()
        await audit.record(actor.id, "vote.candidate_added", "vote", vote_id, candidate=candidate.id, title=fields["title"])
    return candidate.id


async def add_project_candidates(actor: Viewer, vote_id: int, topic_ids: list[int]) -> int:
    """Add the chosen annual_vote projects as candidates; returns how many were added."""
    async with db.transaction():
        vote = await _editable(actor, vote_id)
        busy = await topics_on_other_ballots(vote_id, lock_topics=topic_ids)
        for topic_id in topic_ids:
            if topic_id in busy:
                raise Refusal(ON_ANOTHER_BALLOT, status_code=409, topic_id=topic_id, **busy[topic_id])
        place = await place_of(vote["place"])
        await _refuse_projects_elsewhere(topic_ids, place)
        by_id = {p["id"]: p for p in await available_projects(vote_id, place["path"])}
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


async def _refuse_projects_elsewhere(topic_ids: list[int], place: dict) -> None:
    """Only projects at or below the vote's place (an unknown id is dropped, as before)."""
    everywhere = {p["id"]: p for p in await annual_vote_projects() if p["id"] in set(topic_ids)}
    inside = {p["id"] for p in await projects_under(place["path"], list(everywhere.values()))}
    for topic_id in topic_ids:
        if topic_id in everywhere and topic_id not in inside:
            raise Refusal(PROJECT_ELSEWHERE, status_code=403, topic_id=topic_id, place=place["name"] or "-")


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
    """Who may be on a roll: representatives holding no staff or admin role."""
    return {r["username"]: r["id"] for r in await representatives() if usernames is None or r["username"] in usernames}


async def set_roll_entry(actor: Viewer, vote_id: int, user_id: int, weight_text: str) -> None:
    weight = roll_weight(weight_text)
    async with db.transaction():
        await _editable(actor, vote_id)
        refuse_managers([name for uid, name in (await managers()).items() if uid == user_id])  # separation of duties
        if user_id not in set((await _representative_ids()).values()):
            raise Refusal(N_("Only users holding the representative role can be on the roll."), status_code=400)
        existing = await roll_entry_of(vote_id, user_id)
        if existing:
            await RollEntry.update({RollEntry.weight_cents: to_cents(weight)}).where(RollEntry.id == existing["id"])
        else:
            await RollEntry.insert(RollEntry(vote=vote_id, user=user_id, weight_cents=to_cents(weight)))
        await audit.record(actor.id, "vote.roll_set", "vote", vote_id, user=user_id, weight=str(weight))


async def remove_roll_entry(actor: Viewer, vote_id: int, user_id: int) -> None:
    async with db.transaction():
        await _editable(actor, vote_id)
        deleted = await RollEntry.delete().where((RollEntry.vote == vote_id) & (RollEntry.user == user_id)).returning(
            RollEntry.weight_cents
        )
        if not deleted:
            raise NotFound(N_("This person is not on the roll."))
        await audit.record(actor.id, "vote.roll_removed", "vote", vote_id, user=user_id,
                           weight=cents_text(deleted[0]["weight_cents"]))


async def import_roll_csv(actor: Viewer, vote_id: int, text: str) -> int:
    """Replace the roll with the rows of a `username,weight` file: all or nothing."""
    async with db.transaction():
        await _editable(actor, vote_id)
        reps = {r["username"]: r["id"] for r in await representatives(with_managers=True)}
        rows = parse_roll_csv(text, set(reps))  # VoteRuleError lists every bad line; nothing written
        staff = set((await managers()).values())
        refuse_managers([username for username, _w in rows if username in staff])  # separation of duties
        await RollEntry.delete().where(RollEntry.vote == vote_id)
        await RollEntry.insert(
            *[RollEntry(vote=vote_id, user=reps[username], weight_cents=to_cents(weight)) for username, weight in rows]
        )
        await audit.record(actor.id, "vote.roll_imported", "vote", vote_id, rows=len(rows),
                           entries=[[username, str(weight)] for username, weight in rows])
    return len(rows)


# ---------------------------------------------------------------- the lifecycle


async def _notify_roll(vote: dict, kind: str, message: str, actor_id: int | None) -> int:
    """Notify everyone on the vote's roll (one query for the ids, one insert); call inside the transaction."""
    rows = await RollEntry.select(RollEntry.user).where(RollEntry.vote == vote["id"])
    return await notify([r["user"] for r in rows], kind, message, {"title": vote["title"]}, f"/votes/{vote['id']}", actor_id)


async def open_vote(actor: Viewer, vote_id: int) -> None:
    async with db.transaction():
        vote = await vote_row(vote_id, "UPDATE")
        new_state = await _check(vote, Action.open, actor)
        n = await Candidate.count().where(Candidate.vote == vote_id)
        if n == 0:
            raise Refusal(N_("Add candidates before opening the vote."))
        roll = await RollEntry.select(RollEntry.weight_cents).where(RollEntry.vote == vote_id)
        if not roll:
            raise Refusal(N_("Add representatives to the roll before opening the vote."))
        refuse_managers(await managers_on_roll(vote_id))  # roles may have changed since the roll was set
        check_weight_classes(vote["secrecy"], [Decimal(cents_text(r["weight_cents"])) for r in roll])
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
        vote = await vote_row(vote_id, "UPDATE")
        new_state = await _check(vote, Action.close, actor)
        await refuse_paper_pending(vote_id)  # every paper ballot entered counts before the close
        await Vote.update({Vote.state: new_state.value, Vote.closed_at: now()}).where(Vote.id == vote_id)
        await audit.record(actor.id, "vote.closed", "vote", vote_id, **await turnout(vote_id))
        # Unsealed, shuffled, written anew (consult.voting.ballots); the audit says how many, nothing more.
        rewritten = await ballots.rewrite_in_plain(vote_id)
        await audit.record(actor.id, "vote.ballots_rewritten", "vote", vote_id, ballots=rewritten)
    await ballots.purge()  # the old row versions, out of the files (after the commit)


async def publish_vote(actor: Viewer, vote_id: int) -> counting.CountResult:
    """Count, publish, and move the candidates' projects (elected -> implementing, the rest
    -> not_elected; tied candidates wait for the runoff) in the same transaction."""
    async with db.transaction():
        vote = await vote_row(vote_id, "UPDATE")
        new_state = await _check(vote, Action.publish, actor)
        data, result = await count_vote(vote)  # read in this transaction: what is sealed is what was counted
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
            ballots_sha256=sha256_hex(record_bytes(data)), voter_name=VOTER_NAME,
        )
        await _notify_roll(vote, NoticeKind.vote_published.value, VOTE_PUBLISHED_NOTICE, actor.id)
        losing = await _not_on_other_ballots(actor, vote_id, losing)
        if elected_topics or losing:
            await apply_vote_outcome(elected_topics, losing, vote_id, actor.id)
    await ballots.purge()  # again: covers a crash between the close and its purge
    return result


async def _not_on_other_ballots(actor: Viewer, vote_id: int, losing: list[int]) -> list[int]:
    """The losing projects that are not candidates of another unpublished vote: one still on
    another ballot is neither marked not elected nor announced so (that vote decides it)."""
    busy = await topics_on_other_ballots(vote_id)
    held = [t for t in losing if t in busy]
    if held:
        await audit.record(actor.id, "vote.outcome_held", "vote", vote_id, topics=held,
                           votes=sorted({busy[t]["vote"] for t in held}))
    return [t for t in losing if t not in busy]


async def start_runoff(actor: Viewer, vote_id: int) -> int:
    """A new round limited to the tied candidates, for the seats (and budget) left, same roll and rules."""
    async with db.transaction():
        vote = await vote_row(vote_id, "UPDATE")
        if not (await roles_for(actor, vote, Action.open)) & ACTION_ROLES[Action.open]:
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
            round=vote["round"] + 1, parent=vote_id, created_by=actor.id, place=vote["place"],
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


# ---------------------------------------------------------------- representatives: casting and the year-end review


RECEIPT_ATTEMPTS = 5


async def cast_ballot(viewer: Viewer, vote_id: int, choices: dict[str, str]) -> str:
    """Store one ballot and the participation record in one transaction; returns the receipt code.

    The ballot is stored sealed (consult.voting.ballots): no plaintext receipt or choices
    while the vote is open, no voter in secret mode, no time, a random id. The audit
    entry records that the representative voted, never the receipt. Only the unique
    index of participation means "already cast": a receipt (or random id) that happens
    to be taken already is tried again with a new one.
    """
    for attempt in range(1, RECEIPT_ATTEMPTS + 1):
        try:
            return await _cast_once(viewer, vote_id, choices)
        except Exception as exc:
            table = db.unique_violation_table(exc)
            if table == "ballot" and attempt < RECEIPT_ATTEMPTS:
                continue
            if table == "participation":
                raise Refusal(ALREADY_CAST) from None
            raise
    raise AssertionError("unreachable")


async def _cast_once(viewer: Viewer, vote_id: int, choices: dict[str, str]) -> str:
    async with db.transaction():
        vote = await vote_row(vote_id, "SHARE")
        if vote["state"] == VoteState.draft:
            raise NotFound(NO_SUCH_VOTE)
        entry = await entry_to_cast(vote, viewer)
        ids = [str(c["id"]) for c in await candidates_of(vote_id)]
        ballot = validate_ballot(choices, ids, vote["seats"])  # > K approvals: refused, nothing stored
        weight = cents_text(entry["weight_cents"])
        receipt = receipt_code({"vote": vote_id, "weight": weight, "choices": ballot}, new_nonce())
        await Participation.insert(Participation(vote=vote_id, user=viewer.id))
        voter = viewer.id if vote["secrecy"] == Secrecy.recorded else None
        await ballots.insert_sealed(vote_id, entry["weight_cents"], receipt, ballot, voter)
        await audit.record(viewer.id, "vote.ballot_cast", "vote", vote_id)
    return receipt


async def submit_reviews(viewer: Viewer, vote_id: int, ratings: dict[int, str], comments: dict[int, str]) -> int:
    try:
        async with db.transaction():
            vote, _data, result = await published_result(vote_id)
            if not may_review(viewer, await roll_entry_of(vote_id, viewer.id) is not None):
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
        if db.is_unique_violation(exc):
            raise Refusal(N_("You have already rated this project.")) from None
        raise
    return added
