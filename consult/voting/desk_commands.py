"""Writes of the paper ballot desk (rules: consult.voting.paper). Each is one transaction,
audited, taken by the staff of the vote's place while the vote is open.

- ``sign_in``: the representative's participation record with the channel "paper" (so online
  casting is refused from then on; one who voted online is refused here, and the unique
  index on participation decides a race);
- ``open_box``: the desk stops signing people in, entry may begin;
- ``enter``: one staff member's reading of one paper ballot; the second agreeing reading
  stores the ballot (sealed like an online one, receipt = its serial number, no voter);
- ``reconcile``: a third staff member's reading of a disputed ballot, which then counts.
The database refuses any change to the box and the entries, and any entry outside an open
vote with an opened box (voting_0008_paper_guards).
"""

from __future__ import annotations

from consult import audit, db
from consult.accounts.domain import Viewer
import consult.voting.ballots as ballots
import consult.voting.desk_queries as desk
from consult.voting.domain import validate_ballot
from consult.voting.lifecycle import MIN_WEIGHT_CLASS, Action, Secrecy, next_state
from consult.voting.paper import (
    PAPER_CHANNEL,
    Kind,
    PaperRefused,
    Reading,
    entry_fields,
    paper_receipt,
    reading_of,
    refuse_entry,
    refuse_resolution,
    refuse_weight,
    refuse_small_classes,
)
from consult.voting.places import roles_for
from consult.voting.queries import candidates_of, channel_of, managers, roll_entry_of, vote_row
from consult.voting.tables import PaperBox, PaperEntry, Participation


async def _desk_vote(actor: Viewer, vote_id: int) -> dict:
    """The vote row, locked, when the actor may run its desk now (open, secret, staff here)."""
    vote = await vote_row(vote_id, "UPDATE")
    next_state(vote["state"], Action.desk, await roles_for(actor, vote, Action.desk))
    if vote["secrecy"] == Secrecy.recorded:
        raise PaperRefused("recorded_vote")
    return vote


async def sign_in(actor: Viewer, vote_id: int, user_id: int) -> str:
    """Sign a representative on the roll in at the desk; returns their display name."""
    try:
        async with db.transaction():
            await _desk_vote(actor, vote_id)
            if await desk.box_of(vote_id) is not None:
                raise PaperRefused("box_opened")
            entry = await roll_entry_of(vote_id, user_id)
            name = await _display_name(user_id)
            if entry is None:
                raise PaperRefused("not_on_roll", name=name or "-")
            if user_id in await managers():
                raise PaperRefused("manager", name=name)
            channel = await channel_of(vote_id, user_id)
            if channel is not None:
                raise PaperRefused("signed_in_already" if channel == PAPER_CHANNEL else "voted_online", name=name)
            await Participation.insert(Participation(vote=vote_id, user=user_id, channel=PAPER_CHANNEL))
            await audit.record(actor.id, "vote.desk_signed_in", "vote", vote_id, user=user_id)
    except Exception as exc:
        if db.unique_violation_table(exc) == "participation":  # cast online at the same moment
            raise PaperRefused("voted_online", name=await _display_name(user_id)) from None
        raise
    return name


async def _display_name(user_id: int) -> str:
    rows = await Participation.raw("SELECT display_name FROM account WHERE id = {}", user_id)
    return rows[0]["display_name"] if rows else ""


async def open_box(actor: Viewer, vote_id: int) -> int:
    """Stop signing people in and open the box; returns how many were signed in."""
    async with db.transaction():
        await _desk_vote(actor, vote_id)
        if await desk.box_of(vote_id) is not None:
            raise PaperRefused("box_already_opened")
        weights = await desk.paper_weights(vote_id)
        signed_in = sum(weights.values())
        if not signed_in:
            raise PaperRefused("box_empty")
        refuse_small_classes(weights.elements(), MIN_WEIGHT_CLASS)  # a secret vote (recorded: refused above)
        await PaperBox.insert(PaperBox(vote=vote_id, opened_by=actor.id))
        await audit.record(actor.id, "vote.paper_box_opened", "vote", vote_id, signed_in=signed_in)
    return signed_in


async def _reading(vote: dict, form: dict, weights) -> tuple[int, int, dict]:
    """(serial, weight cents, full choices) of a paper ballot's form (PaperInputError, VoteRuleError)."""
    serial, weight = entry_fields(form, weights)
    ids = [str(c["id"]) for c in await candidates_of(vote["id"])]
    choices = {key[2:]: value for key, value in form.items() if key.startswith("c_") and key[2:]}
    return serial, weight, validate_ballot(choices, ids, vote["seats"])


async def _count(vote_id: int, serial: int, weight: int, choices: dict, signed_in) -> None:
    """Store the ballot a paper ballot's agreeing (or reconciled) reading says (no voter)."""
    refuse_weight(weight, signed_in, desk.counted_weights(await desk.paper_ballots(vote_id)))
    await ballots.insert_sealed(vote_id, weight, paper_receipt(vote_id, serial), choices, None)


async def enter(actor: Viewer, vote_id: int, form: dict) -> tuple[int, Reading]:
    """One reading of one paper ballot; returns (serial, where it stands now)."""
    async with db.transaction():
        vote = await _desk_vote(actor, vote_id)
        if await desk.box_of(vote_id) is None:
            raise PaperRefused("box_not_opened")
        signed_in = await desk.paper_weights(vote_id)
        serial, weight, choices = await _reading(vote, form, signed_in)
        entries = await desk.entries_of(vote_id, serial)
        known = len(await desk.paper_ballots(vote_id))
        refuse_entry(serial, entries, actor.id, known, sum(signed_in.values()))
        row = {"kind": Kind.entry.value, "weight_cents": weight, "choices": choices, "entered_by": actor.id}
        state = reading_of([*entries, row])
        if state == Reading.agreed:
            await _count(vote_id, serial, weight, choices, signed_in)
        await PaperEntry.insert(PaperEntry(vote=vote_id, serial=serial, **row))
        await audit.record(actor.id, "vote.paper_entered", "vote", vote_id, serial=serial, reading=state.value)
    return serial, state


async def reconcile(actor: Viewer, vote_id: int, form: dict) -> int:
    """A staff member who entered neither reading reads the disputed paper ballot again: it counts as read."""
    async with db.transaction():
        vote = await _desk_vote(actor, vote_id)
        signed_in = await desk.paper_weights(vote_id)
        serial, weight, choices = await _reading(vote, form, signed_in)
        entries = await desk.entries_of(vote_id, serial)
        refuse_resolution(serial, entries, actor.id)
        await _count(vote_id, serial, weight, choices, signed_in)
        await PaperEntry.insert(PaperEntry(vote=vote_id, serial=serial, kind=Kind.resolution.value,
                                           weight_cents=weight, choices=choices, entered_by=actor.id))
        await audit.record(actor.id, "vote.paper_reconciled", "vote", vote_id, serial=serial,
                           entered_by=sorted({e["entered_by"] for e in entries}))
    return serial
