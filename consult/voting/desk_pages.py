"""The paper ballot desk (纸质票) for the staff of a vote's place: sign representatives in,
open the box, enter each paper ballot (twice, by two staff accounts), reconcile the disputed
ones. Signing in and opening the box cannot be undone: each has a confirmation page."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from consult.accounts.guards import requires, viewer_of
from consult.fields import row_id
import consult.voting.desk_commands as commands
import consult.voting.desk_queries as desk
import consult.voting.queries as queries
from consult.numbers import cents_text
from consult.voting.lifecycle import MIN_WEIGHT_CLASS, STAFF, Action, VoteRuleError
from consult.voting.paper import PaperInputError, PaperRefused, Reading, small_paper_classes
from consult.voting.presentation import labels
from consult.web.errors import refusal_text
from consult.web.forms import confirmed, field_errors, form_data
from consult.web.i18n import gettext as _
from consult.web.templating import flash, redirect, render, url

# Refusals of a paper ballot's content: the desk page is shown again with the message.
READING_REFUSALS = ("too_many_approvals", "unknown_candidate", "invalid_choice")


def _desk(vote_id: int, part: str = "") -> str:
    return url("votes:desk", vote_id=vote_id) + part


async def _desk_context(request: Request, vote_id: int, **extra) -> dict:
    viewer = viewer_of(request)
    vote = await queries.managed_vote(vote_id, viewer, Action.desk)  # 403 for the staff of another place
    voters = await desk.paper_voters(vote_id)
    weights = sorted({v["weight_cents"] for v in voters})
    paper = await desk.paper_ballots(vote_id)
    ctx = {
        "vote": vote, "labels": labels(), "viewer_id": viewer.id,
        "candidates": await queries.candidates_of(vote_id),
        "turnout": await queries.turnout(vote_id),
        "voters": [{**v, "weight": cents_text(v["weight_cents"])} for v in voters],
        "waiting": [{**r, "weight": cents_text(r["weight_cents"])} for r in await desk.not_yet_voted(vote_id)],
        "small": ", ".join(cents_text(w) for w in small_paper_classes([v["weight_cents"] for v in voters],
                                                                     MIN_WEIGHT_CLASS)),
        "min_weight_class": MIN_WEIGHT_CLASS,
        "weights": [cents_text(w) for w in weights],
        "box": await desk.box_of(vote_id),
        "paper": paper, "tally": desk.tally(paper),
        "counted": sum(1 for b in paper if b["state"] in (Reading.agreed, Reading.resolved)),
        "form": {}, "errors": {}, "alert": None, "sign_in_alert": None, "reconcile": {},
    }
    ctx.update(extra)
    return ctx


@get("/staff/votes/{vote_id:int}/desk", name="votes:desk", guards=[requires(*STAFF)])
async def desk_page(request: Request, vote_id: FromPath[int]) -> Template:
    return render(request, "voting/desk.html", await _desk_context(request, vote_id))


async def _again(request: Request, vote_id: int, status_code: int, **extra) -> Template:
    return render(request, "voting/desk.html", await _desk_context(request, vote_id, **extra), status_code=status_code)


def _confirm(request: Request, vote: dict, heading: str, yes: str, lines: list[str], warning: str, action: str,
             hidden: dict[str, str]) -> Template:
    return render(request, "voting/desk_confirm.html", {
        "heading": heading, "yes": yes, "explanation": lines, "warning": warning, "action": action,
        "hidden": hidden, "cancel": _desk(vote["id"]),
    })


@get("/staff/votes/{vote_id:int}/desk/sign-in", name="votes:desk_sign_in_confirm", guards=[requires(*STAFF)])
async def confirm_sign_in(request: Request, vote_id: FromPath[int], user_id: FromQuery[str] = "") -> Any:
    vote = await queries.managed_vote(vote_id, viewer_of(request), Action.desk)
    uid = row_id(user_id)[0]
    person = next((r for r in await desk.not_yet_voted(vote_id) if r["user_id"] == uid), None)
    if person is None:
        return await _again(request, vote_id, 400, sign_in_alert=_("Choose a representative from the list."))
    return _confirm(
        request, vote, _("Sign {name} in to vote on paper?", name=person["display_name"]), _("Yes, sign in"),
        [_("{name} (weight {weight}) receives a paper ballot of weight {weight} and puts it in the box.",
           name=person["display_name"], weight=cents_text(person["weight_cents"])),
         _("From now on {name} cannot vote online in this vote.", name=person["display_name"])],
        _("A sign-in cannot be undone."), url("votes:desk_sign_in", vote_id=vote_id), {"user_id": str(uid)},
    )


@post("/staff/votes/{vote_id:int}/desk/sign-in", name="votes:desk_sign_in", guards=[requires(*STAFF)])
async def sign_in(request: Request, vote_id: FromPath[int]) -> Any:
    form = await form_data(request)
    uid = row_id(form.get("user_id"))[0]
    if not confirmed(form):
        return redirect(url("votes:desk_sign_in_confirm", vote_id=vote_id) + (f"?user_id={uid}" if uid else ""))
    if uid is None:
        return await _again(request, vote_id, 400, sign_in_alert=_("Choose a representative from the list."))
    try:
        name = await commands.sign_in(viewer_of(request), vote_id, uid)
    except PaperRefused as exc:
        if exc.status_code == 403:
            raise
        return await _again(request, vote_id, exc.status_code, sign_in_alert=refusal_text(exc))
    flash(request, _("{name} is signed in: hand over a paper ballot of their weight.", name=name))
    return redirect(_desk(vote_id, "#sign-in"))


@get("/staff/votes/{vote_id:int}/desk/box", name="votes:desk_box_confirm", guards=[requires(*STAFF)])
async def confirm_box(request: Request, vote_id: FromPath[int]) -> Template:
    vote = await queries.managed_vote(vote_id, viewer_of(request), Action.desk)
    n = sum((await desk.paper_weights(vote_id)).values())
    return _confirm(
        request, vote, _("Open the box of “{title}”?", title=vote["title"]), _("Yes, open the box"),
        [_("People signed in at the desk: {n}. Nobody can be signed in at the desk after this.", n=n),
         _("Then each paper ballot is entered twice, by two different staff accounts.")],
        _("This cannot be undone."), url("votes:desk_open_box", vote_id=vote_id), {},
    )


@post("/staff/votes/{vote_id:int}/desk/box", name="votes:desk_open_box", guards=[requires(*STAFF)])
async def open_box(request: Request, vote_id: FromPath[int]) -> Any:
    if not confirmed(await form_data(request)):
        return redirect(url("votes:desk_box_confirm", vote_id=vote_id))
    try:
        n = await commands.open_box(viewer_of(request), vote_id)
    except PaperRefused as exc:
        return await _again(request, vote_id, exc.status_code, sign_in_alert=refusal_text(exc))
    flash(request, _("The box is open ({n} signed in). Enter each paper ballot; a colleague enters it again.", n=n))
    return redirect(_desk(vote_id, "#entry"))


async def _refused_reading(request: Request, vote_id: int, exc: Exception, form: dict, **where) -> Template:
    """The desk again with the reading's values and its message (beside the field when it has one)."""
    if isinstance(exc, PaperInputError):
        return await _again(request, vote_id, 400, form=form, errors=field_errors(exc.errors), **where)
    if isinstance(exc, VoteRuleError) and exc.code not in READING_REFUSALS:
        raise exc
    if isinstance(exc, PaperRefused) and exc.status_code == 403:
        raise exc
    return await _again(request, vote_id, exc.status_code, form=form, alert=refusal_text(exc), **where)


@post("/staff/votes/{vote_id:int}/desk/entries", name="votes:desk_enter", guards=[requires(*STAFF)])
async def enter(request: Request, vote_id: FromPath[int]) -> Any:
    form = await form_data(request)
    try:
        serial, state = await commands.enter(viewer_of(request), vote_id, form)
    except (PaperInputError, PaperRefused, VoteRuleError) as exc:
        return await _refused_reading(request, vote_id, exc, form)
    messages = {
        Reading.once: _("Paper ballot No. {serial} is entered. A colleague enters it a second time."),
        Reading.agreed: _("Paper ballot No. {serial}: both entries agree, the ballot counts."),
        Reading.disputed: _("Paper ballot No. {serial}: the two entries disagree. A third colleague reads the paper "
                            "and reconciles it."),
    }
    flash(request, messages[state].format(serial=serial), "warn" if state == Reading.disputed else "ok")
    return redirect(_desk(vote_id, "#entry"))


@post("/staff/votes/{vote_id:int}/desk/entries/{serial:int}/reconcile", name="votes:desk_reconcile",
      guards=[requires(*STAFF)])
async def reconcile(request: Request, vote_id: FromPath[int], serial: FromPath[int]) -> Any:
    form = {**await form_data(request), "serial": str(serial)}
    try:
        await commands.reconcile(viewer_of(request), vote_id, form)
    except (PaperInputError, PaperRefused, VoteRuleError) as exc:
        return await _refused_reading(request, vote_id, exc, {}, reconcile={"serial": serial, "form": form})
    flash(request, _("Paper ballot No. {serial} is reconciled and counts.", serial=serial))
    return redirect(_desk(vote_id, "#paper"))


route_handlers = [desk_page, confirm_sign_in, sign_in, confirm_box, open_box, enter, reconcile]
