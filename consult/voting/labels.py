"""Person-readable labels of the vote's terms (English message ids; the web layer translates)."""

from __future__ import annotations

from consult.messages import N_


STATE_LABELS = {
    "draft": N_("draft"),
    "open": N_("open for voting"),
    "closed": N_("voting closed"),
    "published": N_("result published"),
}

ACTION_LABELS = {
    "edit": N_("change"),
    "open": N_("open the vote"),
    "cast": N_("cast a ballot"),
    "close": N_("close the vote"),
    "publish": N_("publish the result"),
    "delete": N_("delete"),
    "desk": N_("take paper ballots in"),
}

# The buttons of the staff page's steps, in lifecycle order (the actions that move a vote on).
STEP_LABELS = {
    "open": N_("Open the vote"),
    "close": N_("Close the vote"),
    "publish": N_("Publish the result"),
}

CHOICE_LABELS = {
    "approve": N_("Approve"),
    "oppose": N_("Oppose"),
    "abstain": N_("Abstain"),
}

STATUS_LABELS = {
    "elected": N_("Elected"),
    "tied": N_("Tie"),
    "over_budget": N_("Over budget"),
    "not_elected": N_("Passed, not elected"),
    "failed": N_("Did not pass"),
}

BASIS_LABELS = {
    "enrolled": N_("Enrolled (all representatives on the roll)"),
    "present": N_("Present (representatives who voted)"),
}

SECRECY_LABELS = {
    "secret": N_("Secret ballot"),
    "recorded": N_("Recorded ballot"),
}

RULE_LABELS = {
    "majority": N_("Majority"),
    "equal_shares": N_("Equal shares"),
}

COMPLETION_LABELS = {
    "": N_("None (plain equal shares)"),
    "add_one": N_("Add one: raise every share by 1 yuan per unit of weight while the budget allows"),
}

REASON_LABELS = {
    "no_supporters": N_("no supporters"),
    "zero_cost": N_("zero cost"),
    "cost_exceeds_budget": N_("cost exceeds the budget"),
    "supporters_cannot_afford": N_("supporters could not afford it"),
}

RATING_LABELS = {
    "satisfied": N_("Satisfied"),
    "basically_satisfied": N_("Basically satisfied"),
    "dissatisfied": N_("Dissatisfied"),
}
RATINGS = tuple(RATING_LABELS)

# Whose vote it is, by the kind of its place (SPEC §3; issue 13): the body that votes.
BODY_LABELS = {
    "district": N_("{place} people's congress"),
    "street": N_("{place} representatives' meeting"),
    "community": N_("{place} residents' council"),
    "": N_("The whole install"),  # a vote from before places were a tree, with no place
}

# Where a paper ballot stands (consult.voting.paper.Reading).
READING_LABELS = {
    "once": N_("entered once: waits for the second entry"),
    "agreed": N_("two entries agree: counted"),
    "disputed": N_("entries disagree: not counted until reconciled"),
    "resolved": N_("reconciled: counted"),
}
