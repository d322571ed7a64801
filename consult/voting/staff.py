"""Staff pages that set a vote up (settings, candidates, roll) and move it along
(open, close, publish, runoff)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Template

from consult.accounts.guards import requires, viewer_of
import consult.voting.commands as commands
import consult.voting.queries as queries
from consult.voting.labels import STEP_LABELS
from consult.voting.lifecycle import (
    MESSAGES,
    MIN_WEIGHT_CLASS,
    STAFF,
    Action,
    VoteRuleError,
    VoteState,
    allowed_actions,
    is_fixed,
    next_state,
)
from consult.fields import row_id
from consult.messages import N_
from consult.numbers import cents_text
from consult.voting.forms import is_ticked
from consult.voting.places import place_choices, roles_for
from consult.voting.presentation import labels
from consult.web.errors import refusal_text
from consult.web.forms import confirmed, field_errors, form_data
from consult.web.i18n import gettext as _, ngettext
from consult.web.templating import flash, redirect, render, url

def _manage(vote_id: int, part: str = "") -> str:
    """The vote's staff page, at ``part`` ("#roll")."""
    return url("votes:manage", vote_id=vote_id) + part


def _field_errors(exc: VoteRuleError) -> dict[str, str]:
    """The translated field messages of a form's refusal; any other refusal goes on up."""
    if exc.code != "invalid_settings":
        raise exc
    return field_errors(exc.field_errors)


async def _manage_again(request: Request, vote_id: int, **form_state) -> Template:
    """The vote's staff page again with a refused form's values and messages (400)."""
    return render(request, "voting/manage.html", await _manage_context(request, vote_id, **form_state), status_code=400)


def _vote_form(vote: dict | None) -> dict:
    if vote is None:
        from datetime import date

        return {"title": "", "year": str(date.today().year), "seats": "3", "budget": "", "basis": "enrolled",
                "threshold": "1/2", "secrecy": "secret", "public_weight": "0", "rule": "majority", "completion": "",
                "equal_number": False, "equal_number_reason": "", "tie_break_support": False, "place": ""}
    form = {k: ("" if vote[k] is None else str(vote[k])) for k in
            ("title", "year", "seats", "budget", "basis", "threshold", "secrecy", "public_weight", "rule",
             "completion", "equal_number_reason")}
    form["equal_number"] = vote["equal_number"]
    form["tie_break_support"] = vote["tie_break_support"]
    form["place"] = "" if vote["place"] is None else str(vote["place"])
    return form


def _checkbox_form(form: dict) -> dict:
    form = dict(form)
    form["equal_number"] = is_ticked(form.get("equal_number"))
    form["tie_break_support"] = is_ticked(form.get("tie_break_support"))
    return form


def _body_of(place: dict) -> str:
    """The body that votes at a place, in the reader's language ("幸福里社区居民议事会")."""
    message, name = place["body"], place["name"]
    return _(message, place=name)


async def _option_lists(request: Request) -> dict:
    """The settings form's choices; ``place_options``: the places the staff member serves
    (widest first, so a new vote's place defaults to the widest)."""
    lab = labels()
    return {
        "place_options": [(str(c["id"]), _body_of(c)) for c in await place_choices(viewer_of(request))],
        "basis_options": list(lab["basis"].items()),
        "secrecy_options": list(lab["secrecy"].items()),
        "rule_options": list(lab["rule"].items()),
        "completion_options": list(lab["completion"].items()),
    }


@get("/staff/votes", name="votes:staff_list", guards=[requires(*STAFF)])
async def staff_votes(request: Request) -> Template:
    return render(request, "voting/staff_list.html", {
        "votes": await queries.list_votes(viewer_of(request), managed_only=True), "labels": labels(),
        "form": _vote_form(None), "errors": {}, **await _option_lists(request),
    })


@post("/staff/votes", name="votes:create", guards=[requires(*STAFF)])
async def create_vote(request: Request) -> Any:
    form = await form_data(request)
    try:
        vote_id = await commands.create_vote(viewer_of(request), form)
    except VoteRuleError as exc:
        return render(request, "voting/staff_list.html", {
            "votes": await queries.list_votes(viewer_of(request), managed_only=True), "labels": labels(),
            "form": _checkbox_form(form), "errors": _field_errors(exc), **await _option_lists(request),
        }, status_code=400)
    flash(request, _("The vote is created as a draft. Add candidates and the roll, then open it."))
    return redirect(_manage(vote_id))


async def _manage_context(request: Request, vote_id: int, **extra) -> dict:
    viewer = viewer_of(request)
    vote = await queries.managed_vote(vote_id, viewer)  # 403 for the staff of another place
    actions = allowed_actions(vote["state"], viewer.roles_at(vote["place_info"]["path"]))
    roll = await queries.roll_of(vote_id)
    on_roll = {r["user_id"] for r in roll}
    ctx = {
        "vote": vote,
        "labels": labels(),
        "candidates": await queries.candidates_of(vote_id),
        "roll": roll,
        "roll_weight": cents_text(sum(r["weight_cents"] for r in roll)),
        "representatives": [r for r in await queries.representatives() if r["id"] not in on_roll],
        "projects": await queries.available_projects(vote_id, vote["place_info"]["path"])
        if vote["state"] == VoteState.draft else None,
        "warnings": [_(MESSAGES[code], **params) for code, params in await queries.vote_warnings(vote)],
        "min_weight_class": MIN_WEIGHT_CLASS,
        "editable": Action.edit in actions and not is_fixed(vote["round"]),
        "deletable": Action.delete in actions,
        "steps": [(a.value, _(STEP_LABELS[a])) for a in actions if a in STEP_LABELS],
        "turnout": await queries.turnout(vote_id) if vote["state"] != VoteState.draft else None,
        "runoff": await queries.runoff_of(vote_id),
        "tied": [],
        "form": _vote_form(vote),
        "errors": {},
        "candidate_form": {},
        "candidate_errors": {},
        "roll_errors": {},
        "csv_errors": [],
        "csv_text": "",
        **await _option_lists(request),
    }
    if vote["state"] == VoteState.published:
        _data, result = await queries.count_vote(vote)
        ctx["tied"] = list(result.tied)
    ctx.update(extra)
    return ctx


@get("/staff/votes/{vote_id:int}", name="votes:manage", guards=[requires(*STAFF)])
async def manage_vote(request: Request, vote_id: FromPath[int]) -> Template:
    return render(request, "voting/manage.html", await _manage_context(request, vote_id))


@post("/staff/votes/{vote_id:int}/settings", name="votes:settings", guards=[requires(*STAFF)])
async def update_settings(request: Request, vote_id: FromPath[int]) -> Any:
    form = await form_data(request)
    try:
        await commands.update_settings(viewer_of(request), vote_id, form)
    except VoteRuleError as exc:
        return await _manage_again(request, vote_id, errors=_field_errors(exc), form=_checkbox_form(form))
    flash(request, _("The rules are saved."))
    return redirect(_manage(vote_id))


@post("/staff/votes/{vote_id:int}/candidates", name="votes:add_candidate", guards=[requires(*STAFF)])
async def add_candidate(request: Request, vote_id: FromPath[int]) -> Any:
    form = await form_data(request)
    try:
        await commands.add_candidate(viewer_of(request), vote_id, form)
    except VoteRuleError as exc:
        return await _manage_again(request, vote_id, candidate_errors=_field_errors(exc), candidate_form=form)
    flash(request, _("Candidate added."))
    return redirect(_manage(vote_id, "#candidates"))


@post("/staff/votes/{vote_id:int}/candidates/from-projects", name="votes:add_projects", guards=[requires(*STAFF)])
async def add_projects(request: Request, vote_id: FromPath[int]) -> Any:
    form = await request.form()
    # an id no row can have (past 32 bits, thousands of digits) names no project: dropped like any unknown id
    topic_ids = [n for n, error in (row_id(v) for v in form.getall("topic", []) if isinstance(v, str))
                 if error is None]
    added = await commands.add_project_candidates(viewer_of(request), vote_id, topic_ids)
    flash(request, ngettext("{num} project added as a candidate.", "{num} projects added as candidates.", added))
    return redirect(_manage(vote_id, "#candidates"))


@post("/staff/votes/{vote_id:int}/candidates/{candidate_id:int}/remove", name="votes:remove_candidate",
      guards=[requires(*STAFF)])
async def remove_candidate(request: Request, vote_id: FromPath[int], candidate_id: FromPath[int]) -> Any:
    await commands.remove_candidate(viewer_of(request), vote_id, candidate_id)
    flash(request, _("Candidate removed."))
    return redirect(_manage(vote_id, "#candidates"))


@post("/staff/votes/{vote_id:int}/roll", name="votes:set_roll", guards=[requires(*STAFF)])
async def set_roll(request: Request, vote_id: FromPath[int]) -> Any:
    form = await form_data(request)
    user_id = row_id(form.get("user_id"))[0] or 0  # past MAX_ID names nobody: refused as not on the list
    try:
        await commands.set_roll_entry(viewer_of(request), vote_id, user_id, form.get("weight", ""))
    except VoteRuleError as exc:
        return await _manage_again(request, vote_id, roll_errors=_field_errors(exc))
    flash(request, _("The roll is updated."))
    return redirect(_manage(vote_id, "#roll"))


@post("/staff/votes/{vote_id:int}/roll/{user_id:int}/remove", name="votes:remove_roll", guards=[requires(*STAFF)])
async def remove_roll(request: Request, vote_id: FromPath[int], user_id: FromPath[int]) -> Any:
    await commands.remove_roll_entry(viewer_of(request), vote_id, user_id)
    flash(request, _("Removed from the roll."))
    return redirect(_manage(vote_id, "#roll"))


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


@post("/staff/votes/{vote_id:int}/roll/csv", name="votes:import_roll", guards=[requires(*STAFF)])
async def import_roll(request: Request, vote_id: FromPath[int]) -> Any:
    form = await request.form()
    upload = form.get("file")
    text = ""
    if isinstance(upload, UploadFile):
        text = _decode(await upload.read())
    if not text.strip():
        pasted = form.get("csv_text")
        text = pasted if isinstance(pasted, str) else ""
    try:
        n = await commands.import_roll_csv(viewer_of(request), vote_id, text)
    except VoteRuleError as exc:
        if exc.code not in ("invalid_roll_csv", "empty_roll_csv"):
            raise
        lines = [_(template, **params) for _line, template, params in exc.lines]
        return await _manage_again(request, vote_id, csv_errors=[refusal_text(exc), *lines], csv_text=text)
    flash(request, ngettext("The roll is replaced by the file: {num} representative.", "The roll is replaced by the file: {num} representatives.", n))
    return redirect(_manage(vote_id, "#roll"))


@post("/staff/votes/{vote_id:int}/open", name="votes:open", guards=[requires(*STAFF)])
async def open_vote(request: Request, vote_id: FromPath[int]) -> Any:
    await commands.open_vote(viewer_of(request), vote_id)
    flash(request, _("The vote is open. Representatives on the roll can cast their ballots."))
    return redirect(_manage(vote_id))


# What closing and publishing make final, said on their confirmation pages (issue 14, defect 10).
CONFIRM_TEXT = {
    "close": (N_("Close the vote “{title}”?"), N_("Yes, close the vote"), (
        N_("Closing ends casting: no representative can cast a ballot after this, and the vote cannot be reopened."),
        N_("Ballots cast so far: {n}. A representative who has not cast by now will not be counted."),
    ), N_("This cannot be undone.")),
    "publish": (N_("Publish the result of “{title}”?"), N_("Yes, publish the result"), (
        N_("Publishing counts the ballots and shows everyone the result, every ballot with its receipt code, and the sealed record."),
        N_("The elected projects move on to implementation and the others are marked not elected; residents are notified."),
    ), N_("A published result cannot be withdrawn or changed.")),
}


async def _confirm_page(request: Request, vote_id: int, step: str) -> Template:
    """The no-JS confirmation of an irreversible step: what becomes final, and a "Yes, ..." form."""
    vote = await queries.managed_vote(vote_id, viewer_of(request), step)  # 403 for the staff of another place
    heading, yes, lines, warning = CONFIRM_TEXT[step]
    turnout = await queries.turnout(vote_id)
    return render(request, "confirm.html", {
        "heading": _(heading, title=vote["title"]), "yes": _(yes), "warning": _(warning),
        "explanation": [_(line, n=turnout["ballots"]) for line in lines],
        "action": url(f"votes:{step}", vote_id=vote_id), "cancel": _manage(vote_id), "next": None,
    })


@get("/staff/votes/{vote_id:int}/close/confirm", name="votes:close_confirm", guards=[requires(*STAFF)])
async def confirm_close(request: Request, vote_id: FromPath[int]) -> Template:
    return await _confirm_page(request, vote_id, "close")


@get("/staff/votes/{vote_id:int}/publish/confirm", name="votes:publish_confirm", guards=[requires(*STAFF)])
async def confirm_publish(request: Request, vote_id: FromPath[int]) -> Template:
    return await _confirm_page(request, vote_id, "publish")


async def _unconfirmed(request: Request, vote_id: int, step: str) -> Any:
    """A POST without the confirmation field changes nothing: it is sent to the confirmation page."""
    if not confirmed(await form_data(request)):
        return redirect(url(f"votes:{step}_confirm", vote_id=vote_id))
    return None


@post("/staff/votes/{vote_id:int}/close", name="votes:close", guards=[requires(*STAFF)])
async def close_vote(request: Request, vote_id: FromPath[int]) -> Any:
    if (back := await _unconfirmed(request, vote_id, "close")) is not None:
        return back
    await commands.close_vote(viewer_of(request), vote_id)
    flash(request, _("The vote is closed. Publish the result when ready."))
    return redirect(_manage(vote_id))


@post("/staff/votes/{vote_id:int}/publish", name="votes:publish", guards=[requires(*STAFF)])
async def publish_vote(request: Request, vote_id: FromPath[int]) -> Any:
    if (back := await _unconfirmed(request, vote_id, "publish")) is not None:
        return back
    result = await commands.publish_vote(viewer_of(request), vote_id)
    if result.tied:
        flash(request, _("The result is published. There is a tie for the last seats: you can start a runoff."), "warn")
    else:
        flash(request, _("The result is published."))
    return redirect(url("votes:detail", vote_id=vote_id))


@get("/staff/votes/{vote_id:int}/delete", name="votes:delete_confirm", guards=[requires(*STAFF)])
async def confirm_delete(request: Request, vote_id: FromPath[int]) -> Template:
    """What deleting a draft takes with it; refused (as the POST would be) once it is not a draft."""
    viewer = viewer_of(request)
    vote = await queries.managed_vote(vote_id, viewer, Action.delete)  # 403 for the staff of another place
    next_state(vote["state"], Action.delete, await roles_for(viewer, vote, Action.delete))
    candidates, roll = await queries.candidates_of(vote_id), await queries.roll_of(vote_id)
    return render(request, "confirm.html", {
        "heading": _("Delete the draft vote “{title}”?", title=vote["title"]), "yes": _("Yes, delete the draft"),
        "explanation": [
            _("The draft is removed with its rules, its candidates ({c}) and its roll ({r}).", c=len(candidates), r=len(roll)),
            _("Projects among its candidates become available for another vote."),
        ],
        "warning": _("A deleted draft cannot be restored; the audit log keeps what it held."),
        "action": url("votes:delete", vote_id=vote_id), "cancel": _manage(vote_id), "next": None,
    })


@post("/staff/votes/{vote_id:int}/delete", name="votes:delete", guards=[requires(*STAFF)])
async def delete_vote(request: Request, vote_id: FromPath[int]) -> Any:
    if not confirmed(await form_data(request)):
        return redirect(url("votes:delete_confirm", vote_id=vote_id))
    title = await commands.delete_draft(viewer_of(request), vote_id)
    flash(request, _("The draft vote “{title}” is deleted.", title=title))
    return redirect(url("votes:staff_list"))


@post("/staff/votes/{vote_id:int}/runoff", name="votes:runoff", guards=[requires(*STAFF)])
async def start_runoff(request: Request, vote_id: FromPath[int]) -> Any:
    runoff_id = await commands.start_runoff(viewer_of(request), vote_id)
    flash(request, _("The runoff round is created with the tied candidates and the same roll. Open it when ready."))
    return redirect(_manage(runoff_id))


route_handlers = [
    staff_votes, create_vote, manage_vote, update_settings, add_candidate, add_projects, remove_candidate,
    set_roll, remove_roll, import_roll, open_vote, confirm_close, confirm_publish, close_vote, publish_vote, start_runoff,
    confirm_delete, delete_vote,
]
