"""A representative's writes: casting a ballot and rating the elected projects.

Casting writes the participation record and the ballot in ONE transaction; the unique
index on participation (vote, "user") refuses a second ballot even when two requests
race past the check in code. Secret mode keeps no link from the ballot to its voter.
"""

from __future__ import annotations

import json
import secrets

from consult import audit, db
from consult.accounts.domain import Viewer
from consult.messages import N_, NotFound, Refusal
from consult.roles import Role
from consult.voting.domain import new_nonce, receipt_code, validate_ballot
from consult.voting.lifecycle import Secrecy, VoteState
from consult.voting.labels import RATINGS
from consult.voting.queries import (
    ALREADY_CAST,
    NO_SUCH_VOTE,
    candidates_of,
    entry_to_cast,
    published_result,
    roll_entry_of,
    vote_row,
)
from consult.numbers import cents_text
from consult.voting.tables import Ballot, Participation, Review


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
            vote = await vote_row(vote_id, "SHARE")
            if vote["state"] == VoteState.draft:
                raise NotFound(NO_SUCH_VOTE)
            entry = await entry_to_cast(vote, viewer)
            ids = [str(c["id"]) for c in await candidates_of(vote_id)]
            ballot = validate_ballot(choices, ids, vote["seats"])  # > K approvals: refused, nothing stored
            weight = cents_text(entry["weight_cents"])
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
        if db.is_unique_violation(exc):
            raise Refusal(ALREADY_CAST) from None
        raise
    return receipt


async def submit_reviews(viewer: Viewer, vote_id: int, ratings: dict[int, str], comments: dict[int, str]) -> int:
    try:
        async with db.transaction():
            vote, _data, result = await published_result(vote_id)
            if not viewer.has(Role.representative) or await roll_entry_of(vote_id, viewer.id) is None:
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
