"""Voting pages for everyone: the list, a vote's page with its result and bulletin board,
the receipt check, the ballot (representatives) and the year-end review."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Response, Template

from consult.accounts.guards import requires, viewer_of
import consult.voting.commands as commands
import consult.voting.queries as queries
from consult.messages import N_, Refusal
from consult.voting.domain import normalise_receipt, validate_ballot
from consult.voting.lifecycle import ACTION_ROLES, Action, Choice, VoteRuleError, VoteState, casting_open
from consult.voting.presentation import ReceiptBoard, ResultCard, labels, rules_in_words
from consult.voting.record import RECORD_ALTERED, RecordAltered, published_record
from consult.voting.places import manages
from consult.web.errors import refusal_text
from consult.web.forms import form_data
from consult.web.fragments import cached_block
from consult.web.i18n import gettext as _
from consult.web.templating import flash, redirect, render, url

REPRESENTATIVE = tuple(ACTION_ROLES[Action.cast])  # who may cast
# Refusals of a ballot's content: the ballot page is shown again with the message.
BALLOT_REFUSALS = ("too_many_approvals", "unknown_candidate", "invalid_choice")


def _choices_from(form: dict) -> dict[str, str]:
    return {key[2:]: value for key, value in form.items() if key.startswith("c_") and key[2:]}


def _approvals(choices: dict[str, str], candidates: list[dict]) -> int:
    ids = {str(c["id"]) for c in candidates}
    return sum(1 for cid, v in choices.items() if cid in ids and v == Choice.approve)


# ---------------------------------------------------------------- public pages


@get("/votes", name="votes:list")
async def list_votes(request: Request) -> Template:
    viewer = viewer_of(request)
    return render(request, "voting/list.html", {"votes": await queries.list_votes(viewer), "labels": labels()})


async def _detail_context(request: Request, vote_id: int) -> dict:
    viewer = viewer_of(request)
    shared = await queries.vote_page(vote_id, viewer)
    vote, candidates = shared["vote"], shared["candidates"]
    on_roll, has_cast = await queries.standing(vote_id, viewer.id)
    ctx: dict[str, Any] = {
        "vote": vote, "candidates": candidates, "labels": labels(), "rules": rules_in_words(vote),
        "on_roll": on_roll,
        "has_cast": has_cast,
        "casting_open": casting_open(vote["state"]),
        "runoff": shared["runoff"], "published": False, "elected": [], "reviews": shared["reviews"],
        "parent": shared["parent"], "roll": shared["roll"], "altered": None,
        "place": shared["place"], "manages": manages(viewer, shared["place"]),
    }
    if vote["state"] == VoteState.published:
        record = await published_record(vote)
        if not record.intact:  # the alarm instead of a result counted from changed ballots
            ctx.update({"published": True, "altered": refusal_text(
                RecordAltered(RECORD_ALTERED, sealed=record.sealed_sha256, now=record.sha256))})
            return ctx
        data, result = record.data, record.result
        review = await queries.review_context(viewer, vote_id, counted=(vote, result), candidates=candidates,
                                              on_roll=on_roll)
        card = ResultCard(vote_id, vote["published_at"], shared["runoff"] is not None, record.sealed_sha256, vote,
                          candidates, result)
        board = ReceiptBoard(vote_id, vote["published_at"], data["ballots"])  # ordered by receipt
        ctx.update({
            "published": True, "review": review, "elected": review["elected"],
            "receipt_count": len(data["ballots"]),
            "result_html": cached_block(request, "voting/_result_card.html", "result_card", card),
            "receipts_html": cached_block(request, "voting/_receipts.html", "receipts", board),
        })
    return ctx


@get("/votes/{vote_id:int}", name="votes:detail")
async def vote_detail(request: Request, vote_id: FromPath[int]) -> Template:
    return render(request, "voting/detail.html", await _detail_context(request, vote_id))


@get("/votes/{vote_id:int}/receipt", name="votes:check_receipt", opt={"no_store": True})
async def check_receipt(request: Request, vote_id: FromPath[int], code: FromQuery[str] = "") -> Template:
    ctx = await _detail_context(request, vote_id)
    normal, found = await queries.check_receipt(vote_id, code)
    ctx.update({"checked": True, "code": code, "normal": normal, "found": found})
    return render(request, "voting/detail.html", ctx, block="receipt_check")


# ---------------------------------------------------------------- the ballot (representatives)


async def _ballot_page(request: Request, vote_id: int, choices: dict[str, str], error: str | None = None,
                       status_code: int = 200, block: str | None = None) -> Template:
    access = await queries.ballot_access(viewer_of(request), vote_id)
    ctx = {**access, "choices": choices, "error": error, "labels": labels(),
           "approvals": _approvals(choices, access["candidates"]), "rules": rules_in_words(access["vote"])}
    return render(request, "voting/ballot.html", ctx, status_code=status_code, block=block)


async def _already_cast(request: Request, vote_id: int, status_code: int) -> Template:
    """Back (or a second tab) after casting: say plainly that the ballot was cast and counts,
    and how to check it, instead of a refusal headed "Not done" that reads as a failed vote."""
    vote = await queries.get_vote(vote_id, viewer_of(request))
    return render(request, "voting/already_cast.html", {"vote": vote}, status_code=status_code)


def _is_already_cast(exc: Refusal) -> bool:
    return exc.message == queries.ALREADY_CAST


@get("/votes/{vote_id:int}/ballot", name="votes:ballot", guards=[requires(*REPRESENTATIVE)])
async def ballot_form(request: Request, vote_id: FromPath[int]) -> Template:
    try:
        return await _ballot_page(request, vote_id, {})
    except Refusal as exc:
        if _is_already_cast(exc):
            return await _already_cast(request, vote_id, 200)
        raise


@post("/votes/{vote_id:int}/ballot/count", name="votes:ballot_count", guards=[requires(*REPRESENTATIVE)])
async def ballot_count(request: Request, vote_id: FromPath[int]) -> Template:
    """The live approvals counter (htmx re-renders the block); without JS the whole ballot page."""
    form = await form_data(request)
    return await _ballot_page(request, vote_id, _choices_from(form), block="counter")


@post("/votes/{vote_id:int}/ballot/review", name="votes:ballot_review", guards=[requires(*REPRESENTATIVE)])
async def ballot_review(request: Request, vote_id: FromPath[int]) -> Template:
    form = await form_data(request)
    choices = _choices_from(form)
    try:
        access = await queries.ballot_access(viewer_of(request), vote_id)
    except Refusal as exc:
        if _is_already_cast(exc):
            return await _already_cast(request, vote_id, 409)
        raise
    try:
        full = validate_ballot(choices, [str(c["id"]) for c in access["candidates"]], access["vote"]["seats"])
    except VoteRuleError as exc:
        return await _ballot_page(request, vote_id, choices, refusal_text(exc), status_code=400)
    return render(request, "voting/ballot_review.html", {**access, "choices": full, "labels": labels(),
                                                         "approvals": _approvals(full, access["candidates"])})


@post("/votes/{vote_id:int}/ballot", name="votes:cast", guards=[requires(*REPRESENTATIVE)])
async def cast_ballot(request: Request, vote_id: FromPath[int]) -> Template:
    """Cast. The receipt is shown in this answer only and kept nowhere linked to the voter."""
    form = await form_data(request)
    choices = _choices_from(form)
    viewer = viewer_of(request)
    try:
        receipt = await commands.cast_ballot(viewer, vote_id, choices)
    except VoteRuleError as exc:
        if exc.code in BALLOT_REFUSALS:
            return await _ballot_page(request, vote_id, choices, refusal_text(exc), status_code=400)
        raise
    except Refusal as exc:
        if _is_already_cast(exc):
            return await _already_cast(request, vote_id, 409)
        raise
    return await _receipt_page(request, vote_id, receipt)


# ---------------------------------------------------------------- the receipt, kept only by its voter
# The receipt is never stored linked to the voter (docs/SECURITY.md §4), so the server cannot show
# it again. The answer to the cast shows it (no-store); receipt.js then rewrites this history entry
# to votes:my_receipt with the code after "#": reload and Back show it again from the browser's own
# address bar, and the fragment never reaches the server. Without JS a reload is a second cast
# (refused); the page says so. "Save as a file" echoes the code the page holds back as text/plain.


def _check_address(request: Request, vote_id: int) -> str:
    return str(request.base_url).rstrip("/") + url("votes:detail", vote_id=vote_id) + "#board"


async def _receipt_page(request: Request, vote_id: int, receipt: str | None) -> Template:
    vote = await queries.get_vote(vote_id, viewer_of(request))
    return render(request, "voting/receipt.html", {"vote": vote, "receipt": receipt,
                                                   "check_address": _check_address(request, vote_id)})


@get("/votes/{vote_id:int}/receipt/yours", name="votes:my_receipt", guards=[requires(*REPRESENTATIVE)])
async def my_receipt(request: Request, vote_id: FromPath[int]) -> Template:
    """The page a reload or Back lands on: the code comes from the address's #fragment (receipt.js)."""
    return await _receipt_page(request, vote_id, None)


@post("/votes/{vote_id:int}/receipt/file", name="votes:receipt_file", guards=[requires(*REPRESENTATIVE)])
async def receipt_file(request: Request, vote_id: FromPath[int]) -> Response:
    """The code the page holds, as a small text file to keep. Nothing is read or written but the vote's
    title: the server learns nothing it did not see at the cast, and the answer is no-store."""
    code = normalise_receipt((await form_data(request)).get("code", ""))
    if code is None:
        raise Refusal(N_("That is not a receipt code: it has 20 letters a–f and digits, in groups of four."),
                      status_code=400)
    vote = await queries.get_vote(vote_id, viewer_of(request))
    text = "\r\n".join([
        _("Vote: {title} ({year})", title=vote["title"], year=vote["year"]),
        _("Your receipt code: {code}", code=code),
        _("When the result is published, find it on the bulletin board: {address}",
          address=_check_address(request, vote_id)),
        _("Keep it to yourself: nobody may ask you for it."), "",
    ])
    return Response(text.encode("utf-8"), status_code=200, media_type="text/plain; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="receipt-vote-{vote_id}.txt"'})


# ---------------------------------------------------------------- year-end review


@post("/votes/{vote_id:int}/reviews", name="votes:review", guards=[requires(*REPRESENTATIVE)])
async def submit_review(request: Request, vote_id: FromPath[int]) -> Any:
    form = await form_data(request)
    ratings, comments = {}, {}
    for key, value in form.items():
        if key.startswith("r_") and key[2:].isdigit():
            ratings[int(key[2:])] = value
        elif key.startswith("note_") and key[5:].isdigit():
            comments[int(key[5:])] = value
    await commands.submit_reviews(viewer_of(request), vote_id, ratings, comments)
    flash(request, _("Thank you: your review is recorded."))
    return redirect(url("votes:detail", vote_id=vote_id) + "#review")


route_handlers = [
    list_votes, vote_detail, check_receipt,
    ballot_form, ballot_count, ballot_review, cast_ballot, my_receipt, receipt_file, submit_review,
]
