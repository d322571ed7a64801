"""Where a ballot is written: sealed at the cast, rewritten in plain when the vote closes.

Why (issue 12, findings 1 and 2): the ballot row and the participation row of one cast
are written in one transaction, so the database files link them even though the ballot
names nobody. PostgreSQL gives both rows the same ``xmin`` and lays the ballots out in
cast order (``ctid``); SQLite appends one WAL frame set per cast and fills each page's
cell area in insertion order. Nothing at the cast can avoid that, so:

- at the cast (``insert_sealed``, inside ``cast_ballot``'s transaction) the row holds
  no plaintext: a keyed tag of the receipt and the sealed content
  (``consult.voting.sealing``); a copy of the database shows who voted (participation,
  which is not secret) and a weight, never a choice or a receipt;
- at the close (``rewrite_in_plain``, inside ``close_vote``'s transaction) every ballot
  of the vote is unsealed, the list is shuffled (``secrets.SystemRandom``), all rows
  are deleted, and they are inserted again in the shuffled order with new random ids
  and their plaintext receipt and choices. The rewritten rows share the closing
  transaction's id, their physical order is the shuffle's and their ids are random, so
  nothing left in the table orders them by cast. A recorded vote (记名) keeps ``voter``;
- after that commit ``purge`` (``db.purge_deleted_rows``) removes the old row versions
  and the WAL from the files. ``publish_vote`` runs it again (it is cheap): a crash
  between the close and the purge leaves nothing behind once the result is published.

The database refuses every other change (voting_0006_ballot_guards): the rewrite is the
only DELETE of ballots, allowed by a ``ballot_rewrite`` row for the vote that exists only
inside ``close_vote``'s transaction.
"""

from __future__ import annotations

import json
import logging
import secrets

from consult import db
import consult.voting.sealing as sealing
from consult.voting.tables import Ballot

log = logging.getLogger("consult.voting")

_ID_LIMIT = 2**31 - 2  # ids are 1 .. 2**31 - 2 (INTEGER on both engines)
_INSERT_BATCH = 500  # rows per INSERT statement (SQLite limits the parameters of one statement)


def random_ballot_id() -> int:
    """A random id, not looked up first: an id already taken fails on the primary key and
    `commands.cast_ballot` tries the whole cast again (as for a taken receipt)."""
    return secrets.randbelow(_ID_LIMIT) + 1


async def insert_sealed(vote_id: int, weight_cents: int, receipt: str, choices: dict[str, str],
                        voter: int | None) -> None:
    """The ballot of one cast, sealed. Call inside the cast's transaction. A receipt that is
    already taken (same tag) fails on the unique index; the cast then tries a new one."""
    await Ballot.insert(
        Ballot(
            id=random_ballot_id(),
            vote=vote_id,
            receipt=sealing.tag(vote_id, receipt),
            weight_cents=weight_cents,
            choices="{}",
            sealed=sealing.seal(vote_id, receipt, choices),
            voter=voter,
        )
    )


def _fresh_ids(n: int, taken: set[int]) -> list[int]:
    rng = secrets.SystemRandom()
    out: list[int] = []
    chosen: set[int] = set()
    while len(out) < n:
        candidate = rng.randrange(1, _ID_LIMIT + 1)
        if candidate not in taken and candidate not in chosen:
            chosen.add(candidate)
            out.append(candidate)
    return out


def _content(vote_id: int, row: dict) -> tuple[str, int, dict, int | None]:
    if row["sealed"]:
        receipt, choices = sealing.unseal(vote_id, row["sealed"])
    else:  # cast before ballots were sealed (a vote open across the upgrade): already plain
        receipt = row["receipt"]
        choices = row["choices"] if isinstance(row["choices"], dict) else json.loads(row["choices"])
    return receipt, row["weight_cents"], choices, row["voter"]


async def rewrite_in_plain(vote_id: int) -> int:
    """Unseal, shuffle and write anew every ballot of a vote that has just been closed (the
    vote row already says ``closed``); returns how many. Call inside close_vote's transaction."""
    rows = await Ballot.raw(
        "SELECT id, receipt, weight_cents, choices, sealed, voter FROM ballot WHERE vote = {}", vote_id
    )
    if not rows:
        return 0
    plain = [_content(vote_id, row) for row in rows]  # SealBroken before anything is written
    secrets.SystemRandom().shuffle(plain)
    taken = {r["id"] for r in await Ballot.raw("SELECT id FROM ballot")}  # this vote's old ids too
    ids = _fresh_ids(len(plain), taken)
    await Ballot.raw("INSERT INTO ballot_rewrite (vote) VALUES ({})", vote_id)
    await Ballot.delete().where(Ballot.vote == vote_id)  # one statement: no old row is paired with a new one
    new_rows = [
        Ballot(id=ballot_id, vote=vote_id, receipt=receipt, weight_cents=weight, choices=json.dumps(choices),
               sealed="", voter=voter)
        for ballot_id, (receipt, weight, choices, voter) in zip(ids, plain)
    ]
    for start in range(0, len(new_rows), _INSERT_BATCH):
        await Ballot.insert(*new_rows[start:start + _INSERT_BATCH])
    await Ballot.raw("DELETE FROM ballot_rewrite WHERE vote = {}", vote_id)
    return len(plain)


async def purge() -> None:
    """Remove the deleted ballot rows' bytes from the database files; after the commit.
    A failure is logged, not raised: the close (or publication) it follows has committed,
    and the next publication runs it again."""
    try:
        await db.purge_deleted_rows("ballot")
    except Exception:  # noqa: BLE001 - logged; the next publish_vote retries
        log.exception("could not purge the old ballot rows from the database files")
