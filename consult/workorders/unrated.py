"""The closing job: an order replied to that its resident never rated closes when the
evaluation window of its grid (the place setting ``evaluation_days``) has passed since the
reply — ``close_unrated`` by the system, a hop on the public timeline, the department and
the level told. A function of ``now``, run by the app's periodic tasks; each order in its
own transaction (one rated meanwhile is left alone)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from consult import audit, db
from consult.places import queries as places
from consult.places.settings import settings_at
from consult.roles import SYSTEM
from consult.workorders.labels import STATE_LABELS
from consult.workorders.lifecycle import OrderAction, OrderState, next_state
from consult.workorders.steps import hop, level_people, load_order, members_of, tell, utcnow
from consult.workorders.tables import WorkOrder

log = logging.getLogger("consult.workorders")
W = WorkOrder


def window_ended(replied_at: datetime | None, evaluation_days: int, now: datetime) -> bool:
    return replied_at is not None and now > replied_at + timedelta(days=evaluation_days)


async def close_one(order_id: int, now: datetime) -> bool:
    async with db.transaction():
        order = await load_order(order_id)
        settings = await places.settings_of(order["grid"])
        if order["state"] != OrderState.replied or not window_ended(order["replied_at"], settings.evaluation_days, now):
            return False  # rated (or moved) meanwhile
        state = next_state(order["state"], OrderAction.close_unrated, {SYSTEM})
        await W.update({W.state: state.value, W.closed_at: now}).where(W.id == order_id)
        await hop(order, None, OrderAction.close_unrated, state, to_place=order["holder_place"],
                  to_department=order["holder_department"], at=now)
        await audit.record(None, "work_order.close_unrated", "work_order", order_id,
                           days=settings.evaluation_days)
        people = {*await members_of(order["holder_department"]), *await level_people(order["sent_by"] or order["holder_place"])}
        await tell(sorted(people), order, STATE_LABELS[state], None)
        return True


async def close_unrated_orders(now: datetime | None = None) -> int:
    """Close every replied order whose evaluation window ended by ``now`` without a rating."""
    now = now or utcnow()
    rows = await W.select(W.id, W.grid, W.replied_at).where(W.state == OrderState.replied.value).order_by(W.id)
    tree = await places.tree()
    closed = 0
    for row in rows:
        if window_ended(row["replied_at"], settings_at(tree, row["grid"]).evaluation_days, now):
            closed += await close_one(row["id"], now)
    if closed:
        log.info("closed %d work orders not rated within the evaluation window", closed)
    return closed
