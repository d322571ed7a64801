"""What a page shows of a work order in a list: its state's label and its clock in words
(``clock_text``). Used by the order page, the department queue, the level's list, the
topic page's work-order block and the task view, so every one says the clock alike."""

from __future__ import annotations

from consult.web.i18n import gettext as _
from consult.workorders import queries
from consult.workorders.clock_text import clock_text, is_overdue
from consult.workorders.labels import STATE_LABELS
from consult.workorders.steps import utcnow


def row_view(row: dict) -> dict:
    label = STATE_LABELS[row["state"]]
    return {**row, "clock_text": clock_text(row["clock"]), "overdue": is_overdue(row["clock"]), "state_label": _(label)}


async def topic_orders(topic_id: int) -> list[dict]:
    """The work orders of a topic with their holders and clocks, oldest first."""
    return [row_view(r) for r in await queries.of_topic(topic_id, utcnow())]
