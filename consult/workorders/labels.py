"""What people read for a work order's states, actions (buttons and timeline) and ratings.
Standard library only."""

from consult.messages import N_

STATE_LABELS = {
    "at_level": N_("waiting for the level to decide"),
    "dispatched": N_("dispatched, waiting for acknowledgement"),
    "acknowledged": N_("acknowledged, being handled"),
    "handling": N_("handled by the level itself"),
    "replied": N_("replied, waiting for the rating"),
    "closed": N_("closed"),
}

# The buttons.
ACTION_LABELS = {
    "create": N_("Create work order"),
    "dispatch": N_("Dispatch"),
    "escalate": N_("Escalate to the level above"),
    "handle": N_("Handle it here"),
    "acknowledge": N_("Acknowledge"),
    "send_back": N_("Send back"),
    "reply": N_("Reply"),
    "rate": N_("Rate"),
    "auto_escalate": N_("Escalated automatically"),
    "close_unrated": N_("Close unrated"),
}

# The public timeline: one sentence per hop; {from} and {to} are level or department names.
EVENT_WORDS = {
    "create": N_("Work order opened at {to}."),
    "dispatch": N_("{from} dispatched it to {to}."),
    "escalate": N_("{from} escalated it to {to}."),
    "handle": N_("{to} handles it itself."),
    "acknowledge": N_("{to} acknowledged it."),
    "send_back": N_("{from} sent it back to {to}."),
    "reply": N_("{from} replied."),
    "rate": N_("The resident rated the reply."),
    "auto_escalate": N_("{from} did not acknowledge in time: it went to {to}."),
    "close_unrated": N_("Closed without a rating."),
}

RATING_LABELS = {
    "satisfied": N_("satisfied"),
    "basically_satisfied": N_("basically satisfied"),
    "unsatisfied": N_("unsatisfied"),
}

INPUT_LABELS = {
    "department": N_("Department"),
    "deadline": N_("Deadline"),
    "note": N_("Note"),
    "reason": N_("Reason"),
    "result": N_("Result"),
    "rating": N_("Rating"),
    "comment": N_("Comment"),
}
