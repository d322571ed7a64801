"""Work orders (工单) across levels: dispatch, escalation (吹哨), return, clocks, follow-up.

Pure rules: ``lifecycle`` (the states and moves), ``calendar`` (working time and the clock
as people say it), ``clocks`` (the clocks from a place's settings), ``forms``, ``labels``.
Writes: ``commands`` on the shared ``steps``, ``escalation`` (the missed-签收 job),
``members``. Reads: ``queries``. Web: ``pages``, ``member_pages``, listed by ``routes``
(this module stays free of web imports: the tables import it)."""
