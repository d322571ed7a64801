"""The append-only audit log. Call `record` inside the service's transaction."""

from __future__ import annotations

import json
from typing import Any

from consult.accounts.tables import AuditEntry


async def record(actor_id: int | None, action: str, target_type: str = "", target_id: Any = "", **detail: Any) -> None:
    await AuditEntry.insert(
        AuditEntry(
            actor=actor_id,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            detail=json.dumps(detail, ensure_ascii=False, default=str),
        )
    )
