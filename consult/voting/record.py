"""A published vote's election record: the open data `consult recount` reads, its one
canonical serialisation, and the SHA-256 sealed when the vote was published.

`publish_vote` stores `sha256_hex(record_bytes(election_data(vote)))` in the
"vote.published" audit entry; `/api/v1/votes/{id}/ballots` serves exactly
`record_bytes(...)`, so `sha256sum` of the downloaded file is that value. A published
record is read, hashed and counted once per process (a restart reads it again) and read
and hashed again when older than RECHECK_SECONDS; whenever the bytes no longer hash to
the sealed value the record is marked altered and no result is counted from it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from dataclasses import dataclass

from consult.accounts.tables import AuditEntry
from consult.cache import RevisionCache
from consult.messages import N_, Refusal
from consult.numbers import cents_text
import consult.voting.counting as counting
from consult.voting.domain import canonical_json
from consult.voting.lifecycle import Secrecy
from consult.voting.tables import Ballot, Candidate, RollEntry

RECORD_ALTERED = N_(
    "Alarm: the stored ballots of this vote no longer match the record sealed when it was published "
    "(SHA-256 at publication {sealed}, of the stored ballots now {now}). Someone has changed the ballot "
    "table, so no result is shown: a result counted now would not be the published one."
)


class RecordAltered(Refusal):
    """The stored ballots of a published vote no longer hash to the SHA-256 sealed at publication."""

    status_code = 409


# Who a recorded (记名) ballot names: the voter's display name, as the roll shows it (a
# sign-in name may be a mobile number, which is private). Records sealed before this rule
# named the user name; their seal says which (`voter_name` in the vote.published entry).
VOTER_NAME = "display_name"
_VOTER_COLUMNS = {"display_name": "a.display_name", "username": "a.username"}


async def election_data(vote: dict, voter_name: str = VOTER_NAME) -> dict:
    """The vote in the open-data input format of `consult recount` (ballots ordered by receipt)."""
    roll = await RollEntry.raw(
        "SELECT COALESCE(SUM(weight_cents), 0) AS cents FROM roll_entry WHERE vote = {}", vote["id"]
    )
    candidates = await Candidate.raw("SELECT * FROM candidate WHERE vote = {} ORDER BY position, id", vote["id"])
    ballots = await Ballot.raw(
        f"SELECT b.receipt, b.weight_cents, b.choices, {_VOTER_COLUMNS[voter_name]} AS voter FROM ballot b "
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
        "roll_weight": cents_text(int(roll[0]["cents"])),
        "candidates": [
            {"id": str(c["id"]), "title": c["title"], "cost": int(c["cost"]), "support": int(c["support"])}
            for c in candidates
        ],
        "ballots": [
            {
                "receipt": b["receipt"],
                "weight": cents_text(b["weight_cents"]),
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


def record_bytes(data: dict) -> bytes:
    """THE canonical serialisation of the published election record: exactly the bytes
    `/api/v1/votes/{id}/ballots` serves and the SHA-256 sealed at publication is taken of
    (sorted keys, no spaces, UTF-8; see `consult.voting.domain.canonical_json`)."""
    return canonical_json(data)


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class PublishedRecord:
    """A published vote's election record as stored now, and what it was sealed with."""

    data: dict  # the input format of `consult recount`
    body: bytes  # record_bytes(data)
    sha256: str  # of body
    sealed_sha256: str | None  # from the vote.published audit entry (None: published before seals)
    voter_name: str  # what its recorded ballots name the voter by (VOTER_NAME, or "username" in older seals)
    result: counting.CountResult | None  # None when the record no longer matches its seal
    checked_at: float  # time.monotonic() of the last read-and-hash

    @property
    def intact(self) -> bool:
        return self.sealed_sha256 is None or self.sealed_sha256 == self.sha256

    def refuse_altered(self) -> None:
        if not self.intact:
            raise RecordAltered(RECORD_ALTERED, sealed=self.sealed_sha256, now=self.sha256)


# How long a published record is trusted before its ballots are read and hashed again
# (bench/RESULTS.md: 100,000 ballots take about a second to read and hash; a view
# between checks costs nothing extra).
RECHECK_SECONDS = 60.0
_PUBLISHED = RevisionCache("published_vote_records", size=64)


async def sealed_sha256(vote_id: int) -> tuple[str | None, str]:
    """The SHA-256 stored in the vote's (append-only) publication audit entry, and what
    the sealed record names a recorded ballot's voter by."""
    rows = await AuditEntry.raw(
        "SELECT detail FROM audit_entry WHERE target_type = 'vote' AND target_id = {} "
        "AND action = 'vote.published' ORDER BY id DESC LIMIT 1",
        str(vote_id),
    )
    if not rows:
        return None, "username"
    detail = rows[0]["detail"]
    detail = detail if isinstance(detail, dict) else json.loads(detail or "{}")
    return detail.get("ballots_sha256"), detail.get("voter_name", "username")


def _record_of(data: dict, body: bytes, sealed: str | None, voter_name: str) -> PublishedRecord:
    """The record of `data` (serialised as `body`), hashed, and counted only when it matches its seal."""
    digest = sha256_hex(body)
    intact = sealed is None or sealed == digest
    result = counting.count(counting.parse_election(data)) if intact else None
    return PublishedRecord(data, body, digest, sealed, voter_name, result, time.monotonic())


async def _read_record(vote: dict, seal: tuple[str | None, str]) -> PublishedRecord:
    data = await election_data(vote, seal[1])
    return _record_of(data, record_bytes(data), *seal)


async def published_record(vote: dict) -> PublishedRecord:
    """The published vote's record, read, hashed and counted once per process, checked
    against its seal then and again when it is older than RECHECK_SECONDS (while one
    request re-reads, the others use the record they have). Callers treat it as read-only."""
    key = (vote["id"], vote["published_at"])
    record = _PUBLISHED.get(key)
    if record is None:
        return _PUBLISHED.put(key, await _read_record(vote, await sealed_sha256(vote["id"])))
    if time.monotonic() - record.checked_at <= RECHECK_SECONDS:
        return record
    _PUBLISHED.put(key, dataclasses.replace(record, checked_at=time.monotonic()))
    data = await election_data(vote, record.voter_name)
    body = record_bytes(data)
    if body == record.body:
        return record
    return _PUBLISHED.put(key, _record_of(data, body, record.sealed_sha256, record.voter_name))  # the ballots just read, not a second read
