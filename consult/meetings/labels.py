"""What people read for a meeting's kinds, states and steps (English templates, translated
by the web layer), keyed by the plain values of ``consult.meetings.lifecycle``'s enums."""

from __future__ import annotations

from consult.messages import N_

KIND_LABELS: dict[str, str] = {
    "council": N_("Residents' council meeting (居民议事会)"),
    "red_hall": N_("Red council hall (红色议事厅)"),
    "analysis": N_("Public opinion analysis meeting (民情分析会)"),
}

STATE_LABELS: dict[str, str] = {
    "scheduled": N_("scheduled"),
    "held": N_("held"),
    "cancelled": N_("cancelled"),
}

# The timeline line of a topic decided at a meeting, and the show-of-hands count.
DECIDED_AT = N_("Decided at the meeting of {day}")
HANDS = N_("Show of hands: {yes} for, {no} against, {abstain} abstaining")
