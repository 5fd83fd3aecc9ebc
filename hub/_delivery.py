"""Where each device has got to: the cursor it sent with its last push, so the console can say a request is "on a
device" (of the GP practice or the team it is addressed to) without any write on the pull path.

A device stores a pulled page and its cursor in one transaction, and sends that cursor with its next round trip:
so every record visible to it with a seq at or below the cursor it sends is stored on it. The hub writes that down
only in a push's own transaction (``note_cursor``, called by ``hub._push.push``), which it commits anyway; a sync
that pushes nothing stays a pure read (the pull path has no writes; ops keeps it so). The price: a device that
never pushes is known to hold a request only from its next push (its answer, at the latest), and the field app
pushes whenever its user saves anything. A record touched again (a chase, a moved deadline) has a new seq, so it is
"on a device" again only once a device reports a cursor past that.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hub._tables import device_cursors, devices, users
from protocol import Role


def note_cursor(conn: Connection, device_id: str, cursor: int, now: float) -> None:
    """Remember that ``device_id`` holds everything visible to it up to ``cursor`` (never moves back)."""
    if cursor <= 0:
        return
    moved = conn.execute(
        sa.update(device_cursors)
        .where(device_cursors.c.device_id == device_id, device_cursors.c.pulled_seq < cursor)
        .values(pulled_seq=cursor, reported_at=now)
    ).rowcount
    if moved:
        return
    known = conn.execute(sa.select(device_cursors.c.device_id).where(device_cursors.c.device_id == device_id)).first()
    if known is None:  # a race with another push of the same device ends in a unique-key error: the push retries
        conn.execute(sa.insert(device_cursors).values(device_id=device_id, pulled_seq=cursor, reported_at=now))


def practice_reach(conn: Connection, practice_ods: str, role: Role = Role.GP) -> int:
    """The highest cursor any live device of the practice's GPs has reported (0: none). A request of the practice
    with a seq at or below it is on at least one of their devices. A team's the same way: its code and the role of
    its members (``Role.HEALTH_VISITOR`` or ``Role.SCHOOL_NURSE``)."""
    reached = conn.execute(
        sa.select(sa.func.max(device_cursors.c.pulled_seq))
        .join(devices, devices.c.device_id == device_cursors.c.device_id)
        .join(users, users.c.user_id == devices.c.user_id)
        .where(
            users.c.ods_code == practice_ods,
            users.c.role == role.value,
            users.c.disabled.is_(False),
            devices.c.revoked_at.is_(None),
        )
    ).scalar()
    return int(reached or 0)
