"""Voting open data: JSON under /api/v1 (the input and output formats of `consult recount`)
and the result as CSV.

`/ballots` serves the published election record as exactly the bytes whose SHA-256 was
sealed at publication (`consult.voting.record`); `/results` carries that SHA-256. When
the stored ballots no longer hash to it, both answer 409 with the alarm in `detail`.
"""

from __future__ import annotations

import msgspec
from litestar import Response, get
from litestar.params import FromPath

from consult.accounts.domain import Viewer
import consult.voting.counting as counting
import consult.voting.queries as queries
from consult.voting.labels import STATUS_LABELS
from consult.voting.lifecycle import VoteState
from consult.voting.record import published_record
from consult.web.csvfile import csv_response
from consult.web.i18n import gettext as _
from consult.web.templating import url


class CandidateOut(msgspec.Struct):
    id: str
    title: str
    description: str
    cost: int
    support: int
    topic_id: int | None


class VoteOut(msgspec.Struct):
    id: int
    title: str
    year: int
    state: str
    round: int
    parent_id: int | None
    rule: str
    seats: int
    budget: int | None
    basis: str
    threshold: str
    secrecy: str
    public_weight: str
    tie_break_support: bool
    opened_at: str | None
    closed_at: str | None
    published_at: str | None
    url: str
    completion: str | None = None
    # whose vote it is: the place (district, street or community; None: the whole install)
    place_id: int | None = None
    place: str = ""


class RollEntryOut(msgspec.Struct):
    # the display name only: a sign-in name may be a mobile number, which is private
    display_name: str
    weight: str


class VoteDetailOut(VoteOut):
    candidates: list[CandidateOut] = []
    # the roll, public (names and weights) from the moment the vote opens, and frozen since
    roll: list[RollEntryOut] = []
    results_url: str | None = None
    ballots_url: str | None = None


class TurnoutOut(msgspec.Struct):
    ballots: int
    weight: str


class CandidateResultOut(msgspec.Struct):
    id: str
    approve: str
    oppose: str
    abstain: str
    approve_count: int
    oppose_count: int
    abstain_count: int
    passed: bool
    status: str


class EqualSharesCandidateOut(msgspec.Struct, omit_defaults=True):
    """Why a candidate was or was not bought (numbers as exact strings: "1/3", "2.5")."""

    id: str
    elected: bool
    supporters: int | None = None
    supporter_weight: str | None = None
    round: int | None = None  # elected: 1 = bought first
    rho: str | None = None  # elected: price per unit of utility paid by the most-paying supporters
    max_payment: str | None = None  # elected: rho * cost, the most one unit of weight paid
    payers: int | None = None  # elected: ballots that paid
    payers_weight: str | None = None
    reason: str | None = None  # not elected: no_supporters | zero_cost | cost_exceeds_budget | supporters_cannot_afford
    available: str | None = None  # not elected: the supporters' money left at the end


class EqualSharesOut(msgspec.Struct):
    completion: str | None
    voter_budget: str | None
    candidates: list[EqualSharesCandidateOut]


class ResultOut(msgspec.Struct, omit_defaults=True):
    """The output format of `consult recount` (`equal_shares` only for that rule)."""

    basis_weight: str
    threshold_weight: str
    turnout: TurnoutOut
    candidates: list[CandidateResultOut]
    elected: list[str]
    tied: list[str]
    runoff_seats: int
    vacant_seats: int
    budget_used: int
    equal_shares: EqualSharesOut | None = None
    # /results only: the SHA-256 of the /ballots document sealed at publication
    # (`consult recount FILE --sha256 HEX` checks a downloaded file against it)
    ballots_sha256: str | None = None


class CandidateInOut(msgspec.Struct):
    id: str
    title: str
    cost: int
    support: int


class BallotOut(msgspec.Struct, omit_defaults=True):
    receipt: str
    weight: str
    choices: dict[str, str]
    voter: str | None = None  # recorded mode only


class BallotsOut(msgspec.Struct, omit_defaults=True):
    """The input format of `consult recount`: every ballot with its receipt and weight (and,
    in recorded mode only, its voter). Served as the canonical bytes (sorted keys, no spaces,
    UTF-8) whose SHA-256 `/results` gives."""

    rule: str
    seats: int
    budget: int | None
    basis: str
    threshold: str
    public_weight: str
    roll_weight: str
    candidates: list[CandidateInOut]
    ballots: list[BallotOut]
    tie_break_support: bool = False
    completion: str | None = None


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _vote_out(v: dict) -> dict:
    return {
        "id": v["id"], "title": v["title"], "year": v["year"], "state": v["state"], "round": v["round"],
        "parent_id": v["parent"], "rule": v["rule"], "seats": v["seats"], "budget": v["budget"],
        "basis": v["basis"], "threshold": v["threshold"], "secrecy": v["secrecy"],
        "public_weight": v["public_weight"], "tie_break_support": v["tie_break_support"],
        "opened_at": _iso(v["opened_at"]), "closed_at": _iso(v["closed_at"]),
        "published_at": _iso(v["published_at"]), "url": url("votes:detail", vote_id=v["id"]), "completion": v["completion"],
        "place_id": v["place"], "place": v["place_info"]["chain"],
    }


@get("/api/v1/votes", name="api:votes", tags=["votes"])
async def api_votes() -> list[VoteOut]:
    """Every vote that is not a draft, newest year first."""
    return [VoteOut(**_vote_out(v)) for v in await queries.list_votes(Viewer())]


@get("/api/v1/votes/{vote_id:int}", name="api:vote", tags=["votes"])
async def api_vote(vote_id: FromPath[int]) -> VoteDetailOut:
    """A vote's rules, candidates and roll (public from the moment it leaves draft)."""
    vote = await queries.get_vote(vote_id)
    published = vote["state"] == VoteState.published
    roll = await queries.roll_of(vote_id)
    return VoteDetailOut(
        **_vote_out(vote),
        candidates=[
            CandidateOut(id=str(c["id"]), title=c["title"], description=c["description"], cost=int(c["cost"]),
                         support=int(c["support"]), topic_id=c["topic"])
            for c in await queries.candidates_of(vote_id)
        ],
        roll=[RollEntryOut(display_name=r["display_name"], weight=r["weight"]) for r in roll],
        results_url=url("api:vote_results", vote_id=vote_id) if published else None,
        ballots_url=url("api:vote_ballots", vote_id=vote_id) if published else None,
    )


def _result_out(result: dict) -> ResultOut:
    return msgspec.convert(result, ResultOut)


@get("/api/v1/votes/{vote_id:int}/results", name="api:vote_results", tags=["votes"])
async def api_results(vote_id: FromPath[int]) -> ResultOut:
    """The published result, in the output format of `consult recount`, and the SHA-256 sealed
    at publication (409 before publication, and when the stored ballots no longer match it)."""
    record = await published_record(await queries.published_vote(vote_id))
    record.refuse_altered()
    return _result_out({**counting.result_to_dict(record.result), "ballots_sha256": record.sealed_sha256})


@get("/api/v1/votes/{vote_id:int}/ballots", name="api:vote_ballots", tags=["votes"])
async def api_ballots(vote_id: FromPath[int]) -> Response[BallotsOut]:
    """The published election record, the complete input of `consult recount`, as the exact
    bytes whose SHA-256 is sealed (409 before publication, and when the stored ballots no
    longer match the seal)."""
    record = await published_record(await queries.published_vote(vote_id))
    record.refuse_altered()
    return Response(record.body, media_type="application/json")


@get("/votes/{vote_id:int}/results.csv", name="votes:results_csv")
async def results_csv(vote_id: FromPath[int]) -> Response:
    """The result table in the reader's language (headers, passed, outcome); numbers as they are."""
    vote, _data, result = await queries.published_result(vote_id)
    header = [_("ID"), _("Title"), _("Cost (yuan)"), _("Resident support index"), _("Approving weight"),
              _("Opposing weight"), _("Abstaining weight"), _("Approving ballots"), _("Opposing ballots"),
              _("Abstaining ballots"), _("Passed"), _("Outcome")]
    yes, no = _("yes"), _("no")
    rows = (
        [c.id, c.title, c.cost, c.support, n["approve"], n["oppose"], n["abstain"], c.approve_count,
         c.oppose_count, c.abstain_count, yes if c.passed else no, _(STATUS_LABELS[str(c.status)])]
        for c, n in zip(result.candidates, counting.result_to_dict(result)["candidates"])
    )
    return csv_response(f"vote-{vote_id}-results.csv", header, rows)


route_handlers = [api_votes, api_vote, api_results, api_ballots, results_csv]
