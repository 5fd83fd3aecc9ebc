"""The MASH console: staff sign-in (credentials, sessions) and screening (ratings, workers, their history).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.String(36)


def upgrade() -> None:
    op.create_table(
        "staff_credentials",
        sa.Column("user_id", _ID, sa.ForeignKey("users.user_id"), primary_key=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("totp_secret", sa.String(64)),
        sa.Column("totp_pending", sa.String(64)),
        sa.Column("totp_last_step", sa.BigInteger),
        sa.Column("failed_count", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.Float),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "console_sessions",
        sa.Column("session_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", _ID, sa.ForeignKey("users.user_id"), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_seen_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float),
        sa.Index("console_sessions_by_user", "user_id"),
    )
    op.create_table(
        "screenings",
        sa.Column("record_id", _ID, sa.ForeignKey("records.record_id"), primary_key=True),
        sa.Column("rating", sa.String(10)),
        sa.Column("rated_at", sa.Float),
        sa.Column("worker_id", _ID, sa.ForeignKey("users.user_id")),
        sa.Column("already_open", sa.Boolean, nullable=False),
        sa.Column("allocated_worker", sa.String(200)),
        sa.Column("decision", sa.String(20)),
        sa.Column("decision_rationale", sa.Text),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", sa.Float),
        sa.Column("signed_off_by", sa.String(64)),
        sa.Column("signed_off_at", sa.Float),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "screening_events",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("record_id", _ID, sa.ForeignKey("records.record_id"), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("from_value", sa.Text),
        sa.Column("to_value", sa.Text),
        sa.Column("text", sa.Text),
        sa.Index("screening_events_by_record", "record_id", "event_id"),
    )


def downgrade() -> None:
    raise NotImplementedError("the hub's migrations go forward only: restore a backup to go back")
