"""``hub_keys``: the hub's own secrets, shared by every hub process; "refresh_hmac" derives the pair a refresh
token is exchanged for, so a retry after a lost answer gets the same pair (docs/protocol.md, "Enrolment and tokens").

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import secrets
import time

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    keys = op.create_table(
        "hub_keys",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.bulk_insert(keys, [{"name": "refresh_hmac", "value": secrets.token_urlsafe(32), "created_at": time.time()}])


def downgrade() -> None:
    raise NotImplementedError("the hub's migrations go forward only: restore a backup to go back")
