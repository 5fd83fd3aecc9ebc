"""The hub's audit trail: one row per read or write, in the transaction of the work it records."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.engine import Connection

from hub._tables import audit


def record(
    conn: Connection,
    *,
    at: float,
    actor: str,
    action: str,
    outcome: str,
    target: str | None = None,
    device_id: str | None = None,
    detail: Any = None,
) -> None:
    conn.execute(
        audit.insert(),
        {
            "at": at,
            "actor": actor[:64],
            "device_id": device_id,
            "action": action,
            "target": None if target is None else target[:200],
            "outcome": outcome,
            "detail": None if detail is None else json.dumps(detail, sort_keys=True, default=str),
        },
    )
