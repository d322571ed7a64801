"""Reads of the paper ballot desk (consult.voting.paper): who was signed in at the desk, the
box, each paper ballot's entries and where it stands. Staff pages only; nothing cached
(the desk changes with every entry)."""

from __future__ import annotations

import json
from collections import Counter

from consult.numbers import cents_text
from consult.voting.paper import PAPER_CHANNEL, Kind, Reading, counted_content, reading_of, refuse_close
from consult.voting.tables import PaperEntry, Participation, RollEntry


async def paper_voters(vote_id: int) -> list[dict]:
    """The representatives signed in at the desk (display name and weight), by name."""
    rows = await Participation.raw(
        'SELECT a.id AS user_id, a.display_name, r.weight_cents FROM participation p '
        'JOIN account a ON a.id = p."user" '
        'LEFT JOIN roll_entry r ON r.vote = p.vote AND r."user" = p."user" '
        "WHERE p.vote = {} AND p.channel = {} ORDER BY a.display_name, a.id",
        vote_id, PAPER_CHANNEL,
    )
    for r in rows:
        r["weight_cents"] = int(r["weight_cents"] or 0)
    return rows


async def paper_weights(vote_id: int) -> Counter:
    """How many representatives of each weight (cents) were signed in at the desk."""
    return Counter(r["weight_cents"] for r in await paper_voters(vote_id))


async def not_yet_voted(vote_id: int) -> list[dict]:
    """The people on the roll who have voted neither online nor on paper (the desk's list)."""
    return await RollEntry.raw(
        'SELECT a.id AS user_id, a.display_name, r.weight_cents FROM roll_entry r JOIN account a ON a.id = r."user" '
        'WHERE r.vote = {} AND NOT EXISTS (SELECT 1 FROM participation p WHERE p.vote = r.vote AND p."user" = r."user") '
        "ORDER BY a.display_name, a.id",
        vote_id,
    )


async def box_of(vote_id: int) -> dict | None:
    rows = await PaperEntry.raw(
        "SELECT b.id, b.opened_by, a.display_name AS opened_by_name FROM paper_box b "
        "JOIN account a ON a.id = b.opened_by WHERE b.vote = {}", vote_id,
    )
    return rows[0] if rows else None


def _choices(value) -> dict:
    return value if isinstance(value, dict) else json.loads(value or "{}")


async def entries_of(vote_id: int, serial: int | None = None) -> list[dict]:
    """The paper entries of a vote (or of one serial number), with the name of who entered each."""
    where, params = ("WHERE e.vote = {}", [vote_id]) if serial is None else \
        ("WHERE e.vote = {} AND e.serial = {}", [vote_id, serial])
    rows = await PaperEntry.raw(
        "SELECT e.id, e.serial, e.kind, e.weight_cents, e.choices, e.entered_by, a.display_name AS entered_by_name "
        f"FROM paper_entry e JOIN account a ON a.id = e.entered_by {where} ORDER BY e.serial, e.id",
        *params,
    )
    for r in rows:
        r["choices"] = _choices(r["choices"])
        r["weight"] = cents_text(r["weight_cents"])
    return rows


async def paper_ballots(vote_id: int) -> list[dict]:
    """Every serial number entered: {serial, state, entries, counted}, in serial order."""
    by_serial: dict[int, list[dict]] = {}
    for e in await entries_of(vote_id):
        by_serial.setdefault(int(e["serial"]), []).append(e)
    return [
        {"serial": serial, "state": reading_of(entries), "entries": entries, "counted": counted_content(entries),
         "readings": [e for e in entries if e["kind"] == Kind.entry]}
        for serial, entries in sorted(by_serial.items())
    ]


def counted_weights(ballots: list[dict]) -> Counter:
    return Counter(b["counted"][0] for b in ballots if b["counted"] is not None)


async def refuse_paper_pending(vote_id: int) -> None:
    """Closing waits until every paper ballot entered counts (consult.voting.paper.refuse_close)."""
    signed_in = sum((await paper_weights(vote_id)).values())
    if not signed_in:
        return
    refuse_close(signed_in, await box_of(vote_id) is not None,
                 [b["state"] for b in await paper_ballots(vote_id)])


def tally(ballots: list[dict]) -> dict[str, int]:
    states = Counter(b["state"] for b in ballots)
    return {state.value: states[state] for state in Reading}
