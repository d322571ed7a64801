"""Work orders (工单) across levels: dispatch, escalation (吹哨), return, clocks, follow-up.

So far the pure rules: ``lifecycle`` (the states and moves) and ``calendar`` (working time
and the clock as people say it)."""
