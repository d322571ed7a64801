"""The vote in plain words and figures for reading: the labels in the request's language,
the rules as sentences, the result's rows and chart, why each project was or was not
bought. Display only: the count itself is exact (`consult.voting.counting`)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from consult.numbers import percent_text, yuan_text
import consult.voting.counting as counting
from consult.voting.domain import parse_fraction
from consult.voting.paper import is_paper_receipt
from consult.voting.labels import (
    BASIS_LABELS,
    CHOICE_LABELS,
    COMPLETION_LABELS,
    RATING_LABELS,
    READING_LABELS,
    REASON_LABELS,
    RULE_LABELS,
    SECRECY_LABELS,
    STATE_LABELS,
    STATUS_LABELS,
)
from consult.web import i18n
from consult.web.i18n import gettext as _

CHART_WIDTH = 300  # px of a full bar (the basis weight) in the SVG chart


def labels() -> dict:
    """The vote pages' labels in the request's language (built once per language: read-only)."""
    return _labels_in(i18n.get_locale())


@functools.lru_cache(maxsize=8)
def _labels_in(locale: str) -> dict:
    t = lambda table: {k: _(v) for k, v in table.items()}  # noqa: E731
    return {
        "state": t(STATE_LABELS), "choice": t(CHOICE_LABELS), "status": t(STATUS_LABELS),
        "basis": t(BASIS_LABELS), "secrecy": t(SECRECY_LABELS), "rule": t(RULE_LABELS), "rating": t(RATING_LABELS),
        "completion": t(COMPLETION_LABELS), "reason": t(REASON_LABELS), "reading": t(READING_LABELS),
    }


def _equal_shares_rules(vote: dict) -> list[str]:
    """The equal shares rule as sentences a resident can read."""
    budget = vote["budget"] or 0
    lines = [
        _("The budget is {budget} yuan. The number of projects bought is not fixed: it depends on what the "
          "budget can pay for.", budget=yuan_text(budget)),
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
    lines.append(_secrecy_line(vote))
    return lines


def _secrecy_line(vote: dict) -> str:
    if vote["secrecy"] == "secret":
        return _("Secret ballot: a ballot is stored with no link to the representative who cast it; a "
                 "separate record of who has voted stops anyone voting twice.")
    return _("Recorded ballot: each ballot is published with the name of the representative who cast it.")


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
                       "than the budget left is skipped.", budget=yuan_text(budget)))
    basis = _("all representatives on the roll") if vote["basis"] == "enrolled" else _("the representatives who voted")
    lines.append(_("A project passes when the weight of the representatives approving it is more than {threshold} "
                   "of the total weight of {basis}.", threshold=vote["threshold"], basis=basis))
    lines.append(_("Each representative may approve at most {seats} projects, and marks each project approve, "
                   "oppose or abstain; an unmarked project counts as abstain. Each vote carries the "
                   "representative's weight.", seats=seats))
    public_weight = parse_fraction(vote["public_weight"])
    if public_weight:
        lines.append(_("Passing projects are ranked by a score that is {public}% the project's share of resident "
                       "support and {delegates}% its share of approving weight.",
                       public=percent_text(public_weight), delegates=percent_text(1 - public_weight)))
    elif vote["tie_break_support"]:
        lines.append(_("Passing projects are ranked by approving weight; equal weights are ranked by resident "
                       "support."))
    else:
        lines.append(_("Passing projects are ranked by approving weight and fill the seats in that order."))
    lines.append(_("A tie for the last seat is reported as a tie, and staff can hold a runoff among the tied "
                   "projects. Seats no passing project can fill stay vacant."))
    lines.append(_secrecy_line(vote))
    return lines


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
                rho=d.get("rho", ""), pay=yuan_text(Fraction(d.get("max_payment", "0"))),
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
                              cost=yuan_text(Fraction(c.cost)), budget=yuan_text(Fraction(budget)))
            else:
                why[c.id] = _(
                    "Not bought: the representatives who approved it ({supporters}) had only {available} yuan of "
                    "their shares left, less than its cost of {cost} yuan.",
                    supporters=d.get("supporters", ""), available=yuan_text(Fraction(d.get("available", "0"))),
                    cost=yuan_text(Fraction(c.cost)),
                )
    share = result.voter_budget
    base = Fraction(budget) / Fraction(result.turnout_weight) if result.turnout_weight else Fraction(0)
    intro = None
    if share is not None and result.turnout_weight:
        intro = _("Each unit of weight that voted received a share of {share} yuan: the budget of {budget} yuan "
                  "divided by the weight of {weight} that voted.", share=yuan_text(base), budget=yuan_text(Fraction(budget)),
                  weight=out["turnout"]["weight"])
        if share != base:
            intro += " " + _("The “add one” completion raised each share by {steps} yuan, to {share} yuan.",
                             steps=yuan_text(share - base), share=yuan_text(share))
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


# ---------------------------------------------------------------- views of a published vote (cached HTML)
# A published vote never changes (no ballot, candidate or roll entry can be added, changed
# or removed once it is published): its vote id and publication time name everything its
# result card and bulletin board show. These views compare and hash on those (and, for
# the card, on whether a runoff round exists yet) and carry the rows they are drawn from
# uncompared, so `consult.web.fragments.cached_block` keys them cheaply even with
# 100,000 receipts. The blocks read only the view.


@dataclass(frozen=True)
class ResultCard:
    """What `voting/_result_card.html` shows: the table, the chart, the downloads."""

    vote_id: int
    published_at: datetime
    has_runoff: bool
    ballots_sha256: str | None  # sealed at publication (None: published before seals existed)
    vote: dict = field(compare=False, repr=False)
    candidates: list[dict] = field(compare=False, repr=False)
    count: counting.CountResult = field(compare=False, repr=False)

    @functools.cached_property
    def result(self) -> dict:
        return result_view(self.vote, self.candidates, self.count)

    @property
    def labels(self) -> dict:
        return labels()


@dataclass(frozen=True)
class ReceiptBoard:
    """What `voting/_receipts.html` lists: the receipt of every ballot counted, in order."""

    vote_id: int
    published_at: datetime
    ballots: list[dict] = field(compare=False, repr=False)  # the election data's, ordered by receipt

    @functools.cached_property
    def paper(self) -> list[dict]:
        """The paper ballots (receipt: their serial number, consult.voting.paper)."""
        return [b for b in self.ballots if is_paper_receipt(b["receipt"])]

    @functools.cached_property
    def online(self) -> list[dict]:
        return [b for b in self.ballots if not is_paper_receipt(b["receipt"])]
