"""The auto-escalation job: an order whose 签收 clock ran out goes to the level above the
one that dispatched it (the root keeps it), and both sides hear of it — the department
that missed it and the level that now holds it (and the sender, when that is another).
A function of ``now``, run by the app's periodic tasks; each order in its own transaction."""

from __future__ import annotations

import logging
from datetime import datetime

from consult import audit, db
from consult.places import queries as places
from consult.roles import SYSTEM
from consult.workorders.labels import STATE_LABELS
from consult.workorders.lifecycle import OrderAction, OrderState, next_state
from consult.workorders.steps import hop, level_people, load_order, members_of, tell, utcnow
from consult.workorders.tables import WorkOrder

log = logging.getLogger("consult.workorders")
W = WorkOrder


async def _escalate_one(order_id: int, now: datetime) -> bool:
    async with db.transaction():
        order = await load_order(order_id)
        if order["state"] != OrderState.dispatched or order["ack_due_at"] is None or order["ack_due_at"] > now:
            return False  # acknowledged (or moved) meanwhile
        state = next_state(order["state"], OrderAction.auto_escalate, {SYSTEM})
        node = (await places.tree()).get(order["sent_by"])
        above = node.parent if node is not None and node.parent is not None else order["sent_by"]
        await W.update({W.state: state.value, W.holder_place: above, W.holder_department: None,
                        W.handler_department: None}).where(W.id == order_id)
        await hop(order, None, OrderAction.auto_escalate, state, to_place=above, at=now)
        await audit.record(None, "work_order.auto_escalate", "work_order", order_id, place=above,
                           department=order["holder_department"])
        people = {*await members_of(order["holder_department"]), *await level_people(above),
                  *await level_people(order["sent_by"])}
        await tell(sorted(people), order, STATE_LABELS[state], None)
        return True


async def escalate_missed_acknowledgements(now: datetime | None = None) -> int:
    """Escalate every order dispatched whose acknowledge clock ran out by ``now``."""
    now = now or utcnow()
    rows = await W.select(W.id).where((W.state == OrderState.dispatched.value) & (W.ack_due_at < now)).order_by(W.id)
    moved = 0
    for row in rows:
        moved += await _escalate_one(row["id"], now)
    if moved:
        log.info("escalated %d work orders with a missed acknowledgement", moved)
    return moved


escalate_one = _escalate_one  # one order at ``now`` (the demo's story time)
