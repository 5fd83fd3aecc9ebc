"""The console, the rest: where each device has got to (information requests "on a device"), the queue's facts and
indexes (filtering and sorting in SQL), each rating's deadline, and TOTP secrets sealed at rest.

- ``device_cursors``: the cursor a device sent with its last push (everything visible to it up to that seq is
  stored on it);
- ``referral_facts``: the parts of a referral the queue filters and sorts on, read once from its body (the queue
  fills it from the records after its watermark, ``counters`` row ``referral_facts``);
- ``screenings.due_at``: the deadline the current rating set (moved by a re-rating, with the move in the history);
- ``staff_credentials.totp_sealed`` / ``totp_pending_sealed``: AES-256-GCM under the hub key ``totp_aead`` (made
  here), the user id as associated data; existing clear secrets are sealed here and their columns dropped.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import base64
import os
import secrets
import time

import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ID = sa.String(36)


def _seal(key: bytes, user_id: str, secret: str) -> str:
    # The format of hub._secrets.seal, frozen here: "v1." + base64url(nonce || ciphertext+tag).
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, secret.encode(), b"totp:" + user_id.encode())
    return "v1." + base64.urlsafe_b64encode(nonce + sealed).decode()


def upgrade() -> None:
    op.create_table(
        "device_cursors",
        sa.Column("device_id", _ID, sa.ForeignKey("devices.device_id"), primary_key=True),
        sa.Column("pulled_seq", sa.BigInteger, nullable=False),
        sa.Column("reported_at", sa.Float, nullable=False),
    )
    op.create_table(
        "referral_facts",
        sa.Column("record_id", _ID, sa.ForeignKey("records.record_id"), primary_key=True),
        sa.Column("open", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("received_at", sa.Float, nullable=False),
        sa.Column("authority", sa.String(200), nullable=False),
        sa.Column("child_key", sa.String(200), nullable=False),
        sa.Index("referral_facts_open", "open", "received_at"),
        sa.Index("referral_facts_authority", "open", "authority"),
    )
    # The referral page reads the answers to each of its requests: without this, a scan of every record each time.
    op.create_index("records_by_request", "records", ["request_id"])
    op.add_column("screenings", sa.Column("due_at", sa.Float))
    op.create_index("screenings_by_rating", "screenings", ["rating", "due_at"])
    op.create_index("screenings_by_worker", "screenings", ["worker_id"])
    op.add_column("staff_credentials", sa.Column("totp_sealed", sa.Text))
    op.add_column("staff_credentials", sa.Column("totp_pending_sealed", sa.Text))

    conn = op.get_bind()
    raw = secrets.token_bytes(32)
    conn.execute(
        sa.text("INSERT INTO hub_keys (name, value, created_at) VALUES ('totp_aead', :v, :t)"),
        {"v": base64.urlsafe_b64encode(raw).decode(), "t": time.time()},
    )
    rows = conn.execute(sa.text("SELECT user_id, totp_secret, totp_pending FROM staff_credentials")).all()
    for row in rows:
        conn.execute(
            sa.text("UPDATE staff_credentials SET totp_sealed = :s, totp_pending_sealed = :p WHERE user_id = :u"),
            {
                "s": _seal(raw, row.user_id, row.totp_secret) if row.totp_secret else None,
                "p": _seal(raw, row.user_id, row.totp_pending) if row.totp_pending else None,
                "u": row.user_id,
            },
        )
    op.drop_column("staff_credentials", "totp_secret")
    op.drop_column("staff_credentials", "totp_pending")


def downgrade() -> None:
    raise NotImplementedError("the hub's migrations go forward only: restore a backup to go back")
