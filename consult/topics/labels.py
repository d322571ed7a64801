"""What people read for each state, action, activity and choice of a topic (English
templates, translated by the web layer). One name per concept: these are the words the
pages, the timeline, the notifications and the refusal messages use.

Keyed by the plain values of ``consult.topics.lifecycle``'s enums (a StrEnum member is
equal to its value), so that the lifecycle's refusal can name its labels without an
import circle; ``tests/unit/test_topics_labels.py`` checks that every member has one.
"""

from __future__ import annotations

from consult.messages import N_

STATE_LABELS: dict[str, str] = {
    "proposed": N_("proposed"),
    "discussing": N_("under discussion"),
    "rejected": N_("not accepted"),
    "referred": N_("referred"),
    "merged": N_("merged"),
    "project": N_("project formed"),
    "implementing": N_("being implemented"),
    "not_elected": N_("not elected"),
    "evaluating": N_("under evaluation"),
    "closed": N_("completed"),
    "withdrawn": N_("withdrawn by its author"),
}

# Transitions, activities and the timeline's other entries.
ACTION_LABELS: dict[str, str] = {
    "open_discussion": N_("open the discussion"),
    "reject": N_("reject"),
    "refer": N_("refer"),
    "merge": N_("merge"),
    "form_project": N_("form a project"),
    "start_implementation": N_("start implementation"),
    "elect": N_("elected in the vote"),
    "mark_not_elected": N_("not elected in the vote"),
    "open_evaluation": N_("open the evaluation"),
    "close_satisfied": N_("close as satisfied"),
    "second_handling": N_("second handling"),
    "propose": N_("propose"),
    "extend_evaluation": N_("extend the evaluation window"),
    "absorb": N_("take in a merged topic"),
    "second": N_("second"),
    "comment": N_("comment"),
    "reply": N_("reply"),
    "stance": N_("state a stance"),
    "flag": N_("flag"),
    "pin": N_("pin"),
    "hide": N_("hide"),
    "mark_guidance": N_("mark as guidance"),
    "progress": N_("post progress"),
    "supervision_note": N_("post a supervision note"),
    "rate": N_("rate"),
    "withdraw": N_("withdraw the topic"),
    "edit": N_("edit the topic"),
    "unhide": N_("show the comment again"),
    "dismiss_flags": N_("dismiss the flags"),
}

# The button that sends an action's form.
ACTION_BUTTONS: dict[str, str] = {
    "open_discussion": N_("Open the discussion"),
    "reject": N_("Reject"),
    "refer": N_("Refer"),
    "merge": N_("Merge"),
    "form_project": N_("Close the discussion and form the project"),
    "start_implementation": N_("Start implementation"),
    "open_evaluation": N_("Open the evaluation"),
    "withdraw": N_("Withdraw my topic"),
}

# What a person is told once an action is done.
ACTION_DONE: dict[str, str] = {
    "open_discussion": N_("The discussion is open."),
    "reject": N_("The topic is not accepted; the reason is public."),
    "refer": N_("The topic is referred."),
    "merge": N_("The topic is merged; its seconds and followers carried over."),
    "form_project": N_("The discussion is closed and the project is formed."),
    "start_implementation": N_("Implementation has started."),
    "open_evaluation": N_("The evaluation window is open."),
    "withdraw": N_("Your topic is withdrawn; it stays on the list as withdrawn."),
}

STANCE_LABELS: dict[str, str] = {
    "support": N_("support"),
    "oppose": N_("oppose"),
    "neutral": N_("neutral"),
}

RATING_LABELS: dict[str, str] = {
    "satisfied": N_("satisfied"),
    "basically_satisfied": N_("basically satisfied"),
    "unsatisfied": N_("unsatisfied"),
}

FUNDING_LABELS: dict[str, str] = {
    "community": N_("community (decided by the committee)"),
    "annual_vote": N_("annual vote (candidate for the next vote)"),
}

# The options of a choice field, by the field's name (``lifecycle.ACTION_INPUTS``).
CHOICE_LABELS: dict[str, dict[str, str]] = {"funding_route": FUNDING_LABELS}
