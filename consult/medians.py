"""The median in SQL, written once for every figure that shows one (the dashboard's days,
the work-order scoreboard's hours): SQLite and PostgreSQL alike, with window functions.

The values of each group are numbered in order; the row numbered (n + 1) / 2 and the one
numbered (n + 2) / 2 (integer division: the same row when n is odd) are the middle. The
query gives their sum and how many they are (1 or 2), so the caller divides exactly."""

from __future__ import annotations


def middle_sql(values: str, column: str, by: tuple[str, ...] = ()) -> str:
    """Over the subquery ``values``, per group of the ``by`` columns (one group when
    none): the ``by`` columns, ``middle_sum`` and ``middle_count`` (the middle value or two)
    and ``n`` (how many values the group has). No values and no ``by``: one row, n NULL."""
    keys = ", ".join(by)
    window = f"PARTITION BY {keys} " if by else ""
    select = f"{keys}, " if by else ""
    group = f" GROUP BY {keys}" if by else ""
    return (
        f"WITH d AS ({values}), "
        f"r AS (SELECT {select}{column}, ROW_NUMBER() OVER ({window}ORDER BY {column}) AS rn, "
        f"COUNT(*) OVER ({window.strip()}) AS n FROM d) "
        f"SELECT {select}SUM({column}) AS middle_sum, COUNT(*) AS middle_count, MAX(n) AS n "
        f"FROM r WHERE rn IN ((n + 1) / 2, (n + 2) / 2){group}"
    )
