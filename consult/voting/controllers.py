"""Voting web: public vote pages and results, the ballot, staff management, the JSON API."""

from __future__ import annotations

import csv
import functools
import io
from fractions import Fraction
from typing import Any

import msgspec
from litestar import MediaType, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from markupsafe import Markup

from consult.accounts.guards import requires, viewer_of
from consult.cache import RevisionCache
import consult.voting.counting as counting
import consult.voting.services as services
from consult.voting.domain import MESSAGES, Choice, VoteRuleError, VoteState, allowed_actions, validate_ballot
from consult.voting.labels import (
    ACTION_LABELS,
    BASIS_LABELS,
    CHOICE_LABELS,
    COMPLETION_LABELS,
    RATING_LABELS,
    REASON_LABELS,
    RULE_LABELS,
    SECRECY_LABELS,
    STATE_LABELS,
    STATUS_LABELS,
)
from consult.web.forms import field_errors, form_data
from consult.web.i18n import gettext as _
import consult.web.i18n as i18n
from consult.web.templating import flash, redirect, render, shared_fragment

STAFF = ("staff", "admin")
REPRESENTATIVE = ("representative",)
CHART_WIDTH = 300  # px of a full bar (the basis weight) in the SVG chart


# ---------------------------------------------------------------- presentation helpers


def rule_error_text(exc: VoteRuleError) -> str:
    params = dict(exc.params)
    params.pop("errors", None)
    params.pop("lines", None)
    if "action" in params:
        params["action"] = _(ACTION_LABELS.get(params["action"], params["action"]))
    if "state" in params:
        params["state"] = _(STATE_LABELS.get(params["state"], params["state"]))
    return _(exc.message, **params)


def labels() -> dict:
    """The vote pages' labels in the request's language (built once per language: read-only)."""
    return _labels_in(i18n.get_locale())


@functools.lru_cache(maxsize=8)
def _labels_in(locale: str) -> dict:
    t = lambda table: {k: _(v) for k, v in table.items()}  # noqa: E731
    return {
        "state": t(STATE_LABELS), "choice": t(CHOICE_LABELS), "status": t(STATUS_LABELS),
        "basis": t(BASIS_LABELS), "secrecy": t(SECRECY_LABELS), "rule": t(RULE_LABELS), "rating": t(RATING_LABELS),
        "completion": t(COMPLETION_LABELS), "reason": t(REASON_LABELS),
    }


def _equal_shares_rules(vote: dict) -> list[str]:
    """The equal shares rule as sentences a resident can read."""
    budget = vote["budget"] or 0
    lines = [
        _("The budget is {budget} yuan. The number of projects bought is not fixed: it depends on what the "
          "budget can pay for.", budget=f"{budget:,}"),
        _("Each representative may approve at most {seats} projects, and marks each project approve, oppose or "
          "abstain; under this rule only approvals count (oppose and abstain both mean “not approved”).",
          seats=vote["seats"]),
        _("Counting rule: equal shares. The budget is shared among the representatives in proportion to their "
          "weight, and projects are bought with the shares of those who approve them."),
        _("Projects are bought one at a time. A project's supporters split its cost in proportion to their "
          "weight; a supporter with too little money left pays all they have and the others pay the rest. "
          "ρ (rho) is the share of the cost paid per unit of weight by the supporters who pay the most. Each "
          "time, the project with the lowest ρ is bought; equal ρ goes to the lower candidate number."),
        _("Buying stops when the supporters of every remaining project together have less money left than it "
          "costs. A project nobody approved, or one that costs nothing, is never bought."),
    ]
    if vote.get("completion") == "add_one":
        lines.append(_("Completion “add one”: while money is left over, every representative's share is raised "
                       "by 1 yuan per unit of weight and the count is done again, as long as the projects bought "
                       "still fit in the budget; the last count that fits is the result."))
    if vote["secrecy"] == "secret":
        lines.append(_("Secret ballot: a ballot is stored with no link to the representative who cast it; a "
                       "separate record of who has voted stops anyone voting twice."))
    else:
        lines.append(_("Recorded ballot: each ballot is published with the name of the representative who cast it."))
    return lines


def rules_in_words(vote: dict) -> list[str]:
    """The vote's rules as sentences a resident can read."""
    if vote["rule"] == "equal_shares":
        return _equal_shares_rules(vote)
    seats, budget = vote["seats"], vote["budget"]
    lines = [_("{seats} projects are to be chosen.", seats=seats)]
    if budget is None:
        lines.append(_("There is no budget limit."))
    else:
        lines.append(_("The elected projects may cost at most {budget} yuan in total; a project that costs more "
                       "than the budget left is skipped.", budget=f"{budget:,}"))
    basis = _("all representatives on the roll") if vote["basis"] == "enrolled" else _("the representatives who voted")
    lines.append(_("A project passes when the weight of the representatives approving it is more than {threshold} "
                   "of the total weight of {basis}.", threshold=vote["threshold"], basis=basis))
    lines.append(_("Each representative may approve at most {seats} projects, and marks each project approve, "
                   "oppose or abstain; an unmarked project counts as abstain. Each vote carries the "
                   "representative's weight.", seats=seats))
    public_weight = services.parse_fraction_text(vote["public_weight"])
    if public_weight:
        lines.append(_("Passing projects are ranked by a score that is {public}% the project's share of resident "
                       "support and {delegates}% its share of approving weight.",
                       public=_percent(public_weight), delegates=_percent(1 - public_weight)))
    elif vote["tie_break_support"]:
        lines.append(_("Passing projects are ranked by approving weight; equal weights are ranked by resident "
                       "support."))
    else:
        lines.append(_("Passing projects are ranked by approving weight and fill the seats in that order."))
    lines.append(_("A tie for the last seat is reported as a tie, and staff can hold a runoff among the tied "
                   "projects. Seats no passing project can fill stay vacant."))
    if vote["secrecy"] == "secret":
        lines.append(_("Secret ballot: a ballot is stored with no link to the representative who cast it; a "
                       "separate record of who has voted stops anyone voting twice."))
    else:
        lines.append(_("Recorded ballot: each ballot is published with the name of the representative who cast it."))
    return lines


def _percent(value: Fraction) -> str:
    pct = value * 100
    return str(pct.numerator) if pct.denominator == 1 else f"{float(pct):.1f}"


def _yuan(value: Fraction) -> str:
    """An amount of yuan for reading, rounded half up to fen (display only; the JSON keeps it exact)."""
    fen = (Fraction(value) * 100 + Fraction(1, 2)).__floor__()
    whole, cents = divmod(fen, 100)
    return f"{whole:,}" + (f".{cents:02d}".rstrip("0") if cents else "")


def equal_shares_explanation(vote: dict, result: counting.CountResult, out: dict) -> dict:
    """Why each project was or was not bought, in plain words (rule equal_shares)."""
    es = out["equal_shares"]
    budget = vote["budget"] or 0
    why: dict[str, str] = {}
    for c, d in zip(result.candidates, es["candidates"]):
        if d["elected"]:
            why[c.id] = _(
                "Bought in round {round}: of the representatives who approved it ({supporters}), {payers} paid for "
                "it. ρ = {rho}: those who paid the most paid {rho} of its cost per unit of weight, that is {pay} "
                "yuan.",
                round=d.get("round", ""), payers=d.get("payers", ""), supporters=d.get("supporters", ""),
                rho=d.get("rho", ""), pay=_yuan(Fraction(d.get("max_payment", "0"))),
            )
        else:
            reason = d.get("reason")
            if reason == "no_supporters":
                why[c.id] = _("Not bought: no representative approved it.")
            elif reason == "zero_cost":
                why[c.id] = _("Not bought: it costs nothing. This rule measures a project's benefit by its cost, "
                              "so a project with zero cost is never bought.")
            elif reason == "cost_exceeds_budget":
                why[c.id] = _("Not bought: its cost of {cost} yuan is more than the whole budget of {budget} yuan.",
                              cost=_yuan(Fraction(c.cost)), budget=_yuan(Fraction(budget)))
            else:
                why[c.id] = _(
                    "Not bought: the representatives who approved it ({supporters}) had only {available} yuan of "
                    "their shares left, less than its cost of {cost} yuan.",
                    supporters=d.get("supporters", ""), available=_yuan(Fraction(d.get("available", "0"))),
                    cost=_yuan(Fraction(c.cost)),
                )
    share = result.voter_budget
    base = Fraction(budget) / Fraction(result.turnout_weight) if result.turnout_weight else Fraction(0)
    intro = None
    if share is not None and result.turnout_weight:
        intro = _("Each unit of weight that voted received a share of {share} yuan: the budget of {budget} yuan "
                  "divided by the weight of {weight} that voted.", share=_yuan(base), budget=_yuan(Fraction(budget)),
                  weight=out["turnout"]["weight"])
        if share != base:
            intro += " " + _("The “add one” completion raised each share by {steps} yuan, to {share} yuan.",
                             steps=_yuan(share - base), share=_yuan(share))
    return {"why": why, "intro": intro}


def result_view(vote: dict, candidates: list[dict], result: counting.CountResult) -> dict:
    """Numbers for the results page and chart (the strings of the published output format;
    bar lengths are for display only, the count itself is exact)."""
    by_id = {str(c["id"]): c for c in candidates}
    out = counting.result_to_dict(result)
    basis = result.basis_weight
    scale = CHART_WIDTH / basis if basis else Fraction(0)
    equal_shares = result.rule == "equal_shares"
    explained = equal_shares_explanation(vote, result, out) if equal_shares else {"why": {}, "intro": None}
    rows = []
    for c, numbers in zip(result.candidates, out["candidates"]):
        rows.append({
            "why": explained["why"].get(c.id),
            **numbers,
            "title": c.title,
            "cost": c.cost,
            "support": c.support,
            "description": by_id.get(c.id, {}).get("description", ""),
            "bar_approve": int(Fraction(c.approve) * scale),
            "bar_oppose": int(Fraction(c.oppose) * scale),
        })
    return {
        "rows": rows,
        "equal_shares": equal_shares,
        "equal_shares_intro": explained["intro"],
        "basis_weight": out["basis_weight"],
        "threshold_weight": out["threshold_weight"],
        "threshold_x": int(result.threshold_weight * scale),
        "turnout_ballots": result.turnout_ballots,
        "turnout_weight": out["turnout"]["weight"],
        "elected": [by_id[cid] for cid in result.elected],
        "tied": [by_id[cid] for cid in result.tied],
        "runoff_seats": result.runoff_seats,
        "vacant_seats": result.vacant_seats,
        "budget_used": result.budget_used,
        "chart_width": CHART_WIDTH,
        "chart_height": 44 * len(rows) + 30,
    }


def _choices_from(form: dict) -> dict[str, str]:
    return {key[2:]: value for key, value in form.items() if key.startswith("c_") and key[2:]}


def _approvals(choices: dict[str, str], candidates: list[dict]) -> int:
    ids = {str(c["id"]) for c in candidates}
    return sum(1 for cid, v in choices.items() if cid in ids and v == Choice.approve)


# ---------------------------------------------------------------- public pages


@get("/votes", name="votes:list")
async def list_votes(request: Request) -> Template:
    viewer = viewer_of(request)
    return render(request, "voting/list.html", {"votes": await services.list_votes(viewer), "labels": labels()})


async def _detail_context(request: Request, vote_id: int) -> dict:
    viewer = viewer_of(request)
    shared = await services.vote_page(vote_id, viewer)
    vote, candidates = shared["vote"], shared["candidates"]
    on_roll, has_cast = await services.standing(vote_id, viewer.id)
    ctx: dict[str, Any] = {
        "vote": vote, "candidates": candidates, "labels": labels(), "rules": rules_in_words(vote),
        "on_roll": on_roll,
        "has_cast": has_cast,
        "runoff": shared["runoff"], "result": None, "receipts": [], "reviews": shared["reviews"],
        "parent": shared["parent"],
    }
    if vote["state"] == VoteState.published:
        data, result = await services.count_vote(vote)
        published = _published_parts(vote, candidates, data, result)
        ctx["result"] = published["result"]
        ctx["receipts"] = published["receipts"]
        ctx["receipts_html"] = published["receipts_html"]
        ctx["review"] = await services.review_context(viewer, vote_id, counted=(vote, result), candidates=candidates,
                                                      on_roll=on_roll)
        ctx["result_html"] = _result_card_html(request, ctx)
    return ctx


# A published vote never changes (see services.count_vote): what the page builds from its
# count is made once per vote and publication time.
_PUBLISHED_PARTS = RevisionCache("published_vote_parts", size=64)
_RESULT_CARD_HTML = RevisionCache("published_vote_result_html", size=128)


def _published_parts(vote: dict, candidates: list[dict], data: dict, result: counting.CountResult) -> dict:
    def make() -> dict:
        receipts = [b["receipt"] for b in data["ballots"]]  # already read, ordered by receipt
        # The bulletin board lists every receipt: with 100,000 ballots the largest part of the page.
        items = Markup("").join(Markup("<li><code>{}</code></li>").format(r) for r in receipts)
        return {
            "result": result_view(vote, candidates, result),
            "receipts": receipts,
            "receipts_html": Markup('<ul class="plain receipts">{}</ul>').format(items),
        }

    # the result view holds translated text: one entry per language
    return _PUBLISHED_PARTS.get_or_make((vote["id"], vote["published_at"], i18n.get_locale()), make)


def _result_card_html(request: Request, ctx: dict) -> Markup:
    """The result card (table, chart, downloads): the same for everyone, per language;
    it only mentions whether a runoff round exists yet."""
    vote = ctx["vote"]
    key = (vote["id"], vote["published_at"], i18n.get_locale(), ctx["runoff"] is not None)
    return _RESULT_CARD_HTML.get_or_make(key, lambda: shared_fragment(request, "voting/detail.html", "result_card", ctx))


@get("/votes/{vote_id:int}", name="votes:detail")
async def vote_detail(request: Request, vote_id: FromPath[int]) -> Template:
    return render(request, "voting/detail.html", await _detail_context(request, vote_id))


@get("/votes/{vote_id:int}/receipt", name="votes:check_receipt")
async def check_receipt(request: Request, vote_id: FromPath[int], code: FromQuery[str] = "") -> Template:
    ctx = await _detail_context(request, vote_id)
    normal, found = await services.check_receipt(vote_id, code)
    ctx.update({"checked": True, "code": code, "normal": normal, "found": found})
    return render(request, "voting/detail.html", ctx, block="receipt_check")


@get("/votes/{vote_id:int}/results.csv", name="votes:results_csv")
async def results_csv(vote_id: FromPath[int]) -> Response:
    vote, _data, result = await services.published_result(vote_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "title", "cost", "support", "approve", "oppose", "abstain", "approve_count",
                     "oppose_count", "abstain_count", "passed", "status"])
    for c, n in zip(result.candidates, counting.result_to_dict(result)["candidates"]):
        writer.writerow([c.id, c.title, c.cost, c.support, n["approve"], n["oppose"], n["abstain"],
                         c.approve_count, c.oppose_count, c.abstain_count, "true" if c.passed else "false",
                         str(c.status)])
    return Response(
        "\ufeff" + out.getvalue(),  # BOM: spreadsheet programs then read the Chinese titles as UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="vote-{vote_id}-results.csv"'},
    )


# ---------------------------------------------------------------- the ballot (representatives)


async def _ballot_page(request: Request, vote_id: int, choices: dict[str, str], error: str | None = None,
                       status_code: int = 200, block: str | None = None) -> Template:
    access = await services.ballot_access(viewer_of(request), vote_id)
    ctx = {**access, "choices": choices, "error": error, "labels": labels(),
           "approvals": _approvals(choices, access["candidates"]), "rules": rules_in_words(access["vote"])}
    return render(request, "voting/ballot.html", ctx, status_code=status_code, block=block)


@get("/votes/{vote_id:int}/ballot", name="votes:ballot", guards=[requires(*REPRESENTATIVE)])
async def ballot_form(request: Request, vote_id: FromPath[int]) -> Template:
    return await _ballot_page(request, vote_id, {})


@post("/votes/{vote_id:int}/ballot/count", name="votes:ballot_count", guards=[requires(*REPRESENTATIVE)])
async def ballot_count(request: Request, vote_id: FromPath[int]) -> Template:
    """The live approvals counter (htmx re-renders the block); without JS the whole ballot page."""
    form = await form_data(request)
    return await _ballot_page(request, vote_id, _choices_from(form), block="counter")


@post("/votes/{vote_id:int}/ballot/review", name="votes:ballot_review", guards=[requires(*REPRESENTATIVE)])
async def ballot_review(request: Request, vote_id: FromPath[int]) -> Template:
    form = await form_data(request)
    choices = _choices_from(form)
    access = await services.ballot_access(viewer_of(request), vote_id)
    try:
        full = validate_ballot(choices, [str(c["id"]) for c in access["candidates"]], access["vote"]["seats"])
    except VoteRuleError as exc:
        return await _ballot_page(request, vote_id, choices, rule_error_text(exc), status_code=400)
    return render(request, "voting/ballot_review.html", {**access, "choices": full, "labels": labels(),
                                                         "approvals": _approvals(full, access["candidates"])})


@post("/votes/{vote_id:int}/ballot", name="votes:cast", guards=[requires(*REPRESENTATIVE)])
async def cast_ballot(request: Request, vote_id: FromPath[int]) -> Template:
    """Cast. The receipt is shown in this answer only and kept nowhere linked to the voter."""
    form = await form_data(request)
    choices = _choices_from(form)
    viewer = viewer_of(request)
    try:
        receipt = await services.cast_ballot(viewer, vote_id, choices)
    except VoteRuleError as exc:
        if exc.code in ("too_many_approvals", "unknown_candidate", "invalid_choice"):
            return await _ballot_page(request, vote_id, choices, rule_error_text(exc), status_code=400)
        raise
    vote = await services.get_vote(vote_id, viewer)
    return render(request, "voting/receipt.html", {"vote": vote, "receipt": receipt})


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
    await services.submit_reviews(viewer_of(request), vote_id, ratings, comments)
    flash(request, _("Thank you: your review is recorded."))
    return redirect(f"/votes/{vote_id}#review")


# ---------------------------------------------------------------- staff


def _vote_form(vote: dict | None) -> dict:
    if vote is None:
        from datetime import date

        return {"title": "", "year": str(date.today().year), "seats": "3", "budget": "", "basis": "enrolled",
                "threshold": "1/2", "secrecy": "secret", "public_weight": "0", "rule": "majority", "completion": "",
                "equal_number": False, "equal_number_reason": "", "tie_break_support": False}
    form = {k: ("" if vote[k] is None else str(vote[k])) for k in
            ("title", "year", "seats", "budget", "basis", "threshold", "secrecy", "public_weight", "rule",
             "completion", "equal_number_reason")}
    form["equal_number"] = vote["equal_number"]
    form["tie_break_support"] = vote["tie_break_support"]
    return form


def _checkbox_form(form: dict) -> dict:
    form = dict(form)
    form["equal_number"] = form.get("equal_number") in ("1", "on", "true")
    form["tie_break_support"] = form.get("tie_break_support") in ("1", "on", "true")
    return form


def _option_lists() -> dict:
    lab = labels()
    return {
        "basis_options": list(lab["basis"].items()),
        "secrecy_options": list(lab["secrecy"].items()),
        "rule_options": list(lab["rule"].items()),
        "completion_options": list(lab["completion"].items()),
    }


@get("/staff/votes", name="votes:staff_list", guards=[requires(*STAFF)])
async def staff_votes(request: Request) -> Template:
    return render(request, "voting/staff_list.html", {
        "votes": await services.list_votes(viewer_of(request)), "labels": labels(), "form": _vote_form(None),
        "errors": {}, **_option_lists(),
    })


@post("/staff/votes", name="votes:create", guards=[requires(*STAFF)])
async def create_vote(request: Request) -> Any:
    form = await form_data(request)
    try:
        vote_id = await services.create_vote(viewer_of(request), form)
    except VoteRuleError as exc:
        if exc.code != "invalid_settings":
            raise
        return render(request, "voting/staff_list.html", {
            "votes": await services.list_votes(viewer_of(request)), "labels": labels(), "form": _checkbox_form(form),
            "errors": field_errors(exc.field_errors), **_option_lists(),
        }, status_code=400)
    flash(request, _("The vote is created as a draft. Add candidates and the roll, then open it."))
    return redirect(f"/staff/votes/{vote_id}")


async def _manage_context(request: Request, vote_id: int, **extra) -> dict:
    viewer = viewer_of(request)
    vote = await services.get_vote(vote_id, viewer)
    roll = await services.roll_of(vote_id)
    on_roll = {r["user_id"] for r in roll}
    ctx = {
        "vote": vote,
        "labels": labels(),
        "candidates": await services.candidates_of(vote_id),
        "roll": roll,
        "roll_weight": services.fmt_cents(sum(r["weight_cents"] for r in roll)),
        "representatives": [r for r in await services.representatives() if r["id"] not in on_roll],
        "projects": await services.available_projects(vote_id) if vote["state"] == VoteState.draft else None,
        "warnings": [_(MESSAGES[code], **params) for code, params in await services.vote_warnings(vote)],
        "actions": [a.value for a in allowed_actions(vote["state"], viewer.roles)],
        "turnout": await services.turnout(vote_id) if vote["state"] != VoteState.draft else None,
        "runoff": await services.runoff_of(vote_id),
        "tied": [],
        "form": _vote_form(vote),
        "errors": {},
        "candidate_form": {},
        "candidate_errors": {},
        "roll_errors": {},
        "csv_errors": [],
        "csv_text": "",
        **_option_lists(),
    }
    if vote["state"] == VoteState.published:
        _data, result = await services.count_vote(vote)
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
        await services.update_settings(viewer_of(request), vote_id, form)
    except VoteRuleError as exc:
        if exc.code != "invalid_settings":
            raise
        ctx = await _manage_context(request, vote_id, form=_checkbox_form(form), errors=field_errors(exc.field_errors))
        return render(request, "voting/manage.html", ctx, status_code=400)
    flash(request, _("The rules are saved."))
    return redirect(f"/staff/votes/{vote_id}")


@post("/staff/votes/{vote_id:int}/candidates", name="votes:add_candidate", guards=[requires(*STAFF)])
async def add_candidate(request: Request, vote_id: FromPath[int]) -> Any:
    form = await form_data(request)
    try:
        await services.add_candidate(viewer_of(request), vote_id, form)
    except VoteRuleError as exc:
        if exc.code != "invalid_settings":
            raise
        ctx = await _manage_context(request, vote_id, candidate_form=form,
                                    candidate_errors=field_errors(exc.field_errors))
        return render(request, "voting/manage.html", ctx, status_code=400)
    flash(request, _("Candidate added."))
    return redirect(f"/staff/votes/{vote_id}#candidates")


@post("/staff/votes/{vote_id:int}/candidates/from-projects", name="votes:add_projects", guards=[requires(*STAFF)])
async def add_projects(request: Request, vote_id: FromPath[int]) -> Any:
    form = await request.form()
    topic_ids = [int(v) for v in form.getall("topic", []) if isinstance(v, str) and v.isdigit()]
    added = await services.add_project_candidates(viewer_of(request), vote_id, topic_ids)
    flash(request, _("{n} projects added as candidates.", n=added))
    return redirect(f"/staff/votes/{vote_id}#candidates")


@post("/staff/votes/{vote_id:int}/candidates/{candidate_id:int}/remove", name="votes:remove_candidate",
      guards=[requires(*STAFF)])
async def remove_candidate(request: Request, vote_id: FromPath[int], candidate_id: FromPath[int]) -> Any:
    await services.remove_candidate(viewer_of(request), vote_id, candidate_id)
    flash(request, _("Candidate removed."))
    return redirect(f"/staff/votes/{vote_id}#candidates")


@post("/staff/votes/{vote_id:int}/roll", name="votes:set_roll", guards=[requires(*STAFF)])
async def set_roll(request: Request, vote_id: FromPath[int]) -> Any:
    form = await form_data(request)
    user_id = int(form["user_id"]) if (form.get("user_id") or "").isdigit() else 0
    try:
        await services.set_roll_entry(viewer_of(request), vote_id, user_id, form.get("weight", ""))
    except VoteRuleError as exc:
        if exc.code != "invalid_settings":
            raise
        ctx = await _manage_context(request, vote_id, roll_errors=field_errors(exc.field_errors))
        return render(request, "voting/manage.html", ctx, status_code=400)
    flash(request, _("The roll is updated."))
    return redirect(f"/staff/votes/{vote_id}#roll")


@post("/staff/votes/{vote_id:int}/roll/{user_id:int}/remove", name="votes:remove_roll", guards=[requires(*STAFF)])
async def remove_roll(request: Request, vote_id: FromPath[int], user_id: FromPath[int]) -> Any:
    await services.remove_roll_entry(viewer_of(request), vote_id, user_id)
    flash(request, _("Removed from the roll."))
    return redirect(f"/staff/votes/{vote_id}#roll")


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
        n = await services.import_roll_csv(viewer_of(request), vote_id, text)
    except VoteRuleError as exc:
        if exc.code not in ("invalid_roll_csv", "empty_roll_csv"):
            raise
        lines = [_(template, **params) for _line, template, params in exc.lines]
        ctx = await _manage_context(request, vote_id, csv_errors=[rule_error_text(exc), *lines], csv_text=text)
        return render(request, "voting/manage.html", ctx, status_code=400)
    flash(request, _("The roll is replaced by the file: {n} representatives.", n=n))
    return redirect(f"/staff/votes/{vote_id}#roll")


@post("/staff/votes/{vote_id:int}/open", name="votes:open", guards=[requires(*STAFF)])
async def open_vote(request: Request, vote_id: FromPath[int]) -> Any:
    await services.open_vote(viewer_of(request), vote_id)
    flash(request, _("The vote is open. Representatives on the roll can cast their ballots."))
    return redirect(f"/staff/votes/{vote_id}")


@post("/staff/votes/{vote_id:int}/close", name="votes:close", guards=[requires(*STAFF)])
async def close_vote(request: Request, vote_id: FromPath[int]) -> Any:
    await services.close_vote(viewer_of(request), vote_id)
    flash(request, _("The vote is closed. Publish the result when ready."))
    return redirect(f"/staff/votes/{vote_id}")


@post("/staff/votes/{vote_id:int}/publish", name="votes:publish", guards=[requires(*STAFF)])
async def publish_vote(request: Request, vote_id: FromPath[int]) -> Any:
    result = await services.publish_vote(viewer_of(request), vote_id)
    if result.tied:
        flash(request, _("The result is published. There is a tie for the last seats: you can start a runoff."), "warn")
    else:
        flash(request, _("The result is published."))
    return redirect(f"/votes/{vote_id}")


@post("/staff/votes/{vote_id:int}/runoff", name="votes:runoff", guards=[requires(*STAFF)])
async def start_runoff(request: Request, vote_id: FromPath[int]) -> Any:
    runoff_id = await services.start_runoff(viewer_of(request), vote_id)
    flash(request, _("The runoff round is created with the tied candidates and the same roll. Open it when ready."))
    return redirect(f"/staff/votes/{runoff_id}")


# ---------------------------------------------------------------- JSON API (open data)


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


class VoteDetailOut(VoteOut):
    candidates: list[CandidateOut] = []
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
    """The input format of `consult recount`; in secret mode with a weight held by fewer than 3
    voters, `ballots` is left out and `receipts`, `totals` and `restricted_reason` are given instead."""

    rule: str
    seats: int
    budget: int | None
    basis: str
    threshold: str
    public_weight: str
    roll_weight: str
    candidates: list[CandidateInOut]
    ballots: list[BallotOut] | None = None
    tie_break_support: bool = False
    completion: str | None = None
    restricted_reason: str | None = None
    receipts: list[str] | None = None
    totals: ResultOut | None = None


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _vote_out(v: dict) -> dict:
    return {
        "id": v["id"], "title": v["title"], "year": v["year"], "state": v["state"], "round": v["round"],
        "parent_id": v["parent"], "rule": v["rule"], "seats": v["seats"], "budget": v["budget"],
        "basis": v["basis"], "threshold": v["threshold"], "secrecy": v["secrecy"],
        "public_weight": v["public_weight"], "tie_break_support": v["tie_break_support"],
        "opened_at": _iso(v["opened_at"]), "closed_at": _iso(v["closed_at"]),
        "published_at": _iso(v["published_at"]), "url": f"/votes/{v['id']}", "completion": v["completion"],
    }


@get("/api/v1/votes", name="api:votes", tags=["votes"])
async def api_votes() -> list[VoteOut]:
    """Every vote that is not a draft, newest year first."""
    from consult.accounts.domain import Viewer

    return [VoteOut(**_vote_out(v)) for v in await services.list_votes(Viewer())]


@get("/api/v1/votes/{vote_id:int}", name="api:vote", tags=["votes"])
async def api_vote(vote_id: FromPath[int]) -> VoteDetailOut:
    """A vote's rules and candidates (public from the moment it leaves draft)."""
    vote = await services.get_vote(vote_id)
    published = vote["state"] == VoteState.published
    return VoteDetailOut(
        **_vote_out(vote),
        candidates=[
            CandidateOut(id=str(c["id"]), title=c["title"], description=c["description"], cost=int(c["cost"]),
                         support=int(c["support"]), topic_id=c["topic"])
            for c in await services.candidates_of(vote_id)
        ],
        results_url=f"/api/v1/votes/{vote_id}/results" if published else None,
        ballots_url=f"/api/v1/votes/{vote_id}/ballots" if published else None,
    )


def _result_out(result: dict) -> ResultOut:
    return msgspec.convert(result, ResultOut)


@get("/api/v1/votes/{vote_id:int}/results", name="api:vote_results", tags=["votes"])
async def api_results(vote_id: FromPath[int]) -> ResultOut:
    """The published result, in the output format of `consult recount` (409 before publication)."""
    _vote, _data, result = await services.published_result(vote_id)
    return _result_out(counting.result_to_dict(result))


@get("/api/v1/votes/{vote_id:int}/ballots", name="api:vote_ballots", tags=["votes"])
async def api_ballots(vote_id: FromPath[int]) -> BallotsOut:
    """The published ballots in the input format of `consult recount` (409 before publication)."""
    published = await services.public_ballots(vote_id)
    data = dict(published.data)
    if published.restricted:
        data.pop("ballots")
        data["restricted_reason"] = _(services.SMALL_GROUPS_REASON)
        data["receipts"] = published.receipts
        data["totals"] = published.result
    return msgspec.convert(data, BallotsOut)


# ---------------------------------------------------------------- errors


def vote_rule_refused(request: Request, exc: VoteRuleError) -> Response:
    status = 403 if exc.code == "role_not_allowed" else 409 if exc.code == "action_not_allowed" else 400
    message = rule_error_text(exc)
    if request.url.path.startswith("/api/"):
        return Response({"status_code": status, "detail": message}, status_code=status, media_type=MediaType.JSON)
    return render(request, "error.html", {"title": _("Not done"), "message": message}, status_code=status)


exception_handlers = {VoteRuleError: vote_rule_refused}

route_handlers = [
    list_votes, vote_detail, check_receipt, results_csv,
    ballot_form, ballot_count, ballot_review, cast_ballot, submit_review,
    staff_votes, create_vote, manage_vote, update_settings, add_candidate, add_projects, remove_candidate,
    set_roll, remove_roll, import_roll, open_vote, close_vote, publish_vote, start_runoff,
    api_votes, api_vote, api_results, api_ballots,
]
