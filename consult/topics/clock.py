"""The clock the topics feature reads: now in UTC, and today in the community's time zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

SHANGHAI = timezone(timedelta(hours=8))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local_today() -> date:
    """Today in the community's time zone (Asia/Shanghai)."""
    return datetime.now(SHANGHAI).date()
