"""Several authorities on one hub: console users' authority, transfers, requests between MASHs; commissioning facts.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.String(36)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("authority", sa.String(12)))
    op.create_index("screenings_by_updated", "screenings", ["updated_at"])
    op.create_table(
        "referral_transfers",
        sa.Column("transfer_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("record_id", _ID, sa.ForeignKey("records.record_id"), nullable=False),
        sa.Column("from_authority", sa.String(12)),
        sa.Column("to_authority", sa.String(12), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("family_move", sa.Boolean, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Index("referral_transfers_by_record", "record_id", "transfer_id"),
    )
    op.create_table(
        "authority_requests",
        sa.Column("request_id", _ID, primary_key=True),
        sa.Column("record_id", _ID, sa.ForeignKey("records.record_id"), nullable=False),
        sa.Column("about_record_id", _ID, sa.ForeignKey("records.record_id"), nullable=False),
        sa.Column("from_authority", sa.String(12), nullable=False),
        sa.Column("to_authority", sa.String(12), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("asked_by", sa.String(64), nullable=False),
        sa.Column("asked_at", sa.Float, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("answer", sa.Text),
        sa.Column("answered_by", sa.String(64)),
        sa.Column("answered_at", sa.Float),
        sa.Index("authority_requests_by_record", "record_id"),
        sa.Index("authority_requests_to", "to_authority", "state"),
    )
    op.create_table(
        "need_facts",
        sa.Column("record_id", _ID, primary_key=True),
        sa.Column("authority", sa.String(12)),
        sa.Column("district", sa.String(4)),
        sa.Column("level", sa.Integer),
        sa.Column("age_band", sa.String(10)),
        sa.Column("agency", sa.String(40)),
        sa.Column("received_at", sa.Float, nullable=False),
        sa.Column("week", sa.String(10), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("child_key", sa.String(64)),
        sa.Column("rating", sa.String(10)),
        sa.Column("outcome", sa.String(20)),
        sa.Column("decided_at", sa.Float),
        sa.Column("due_at", sa.Float),
        sa.Column("screened_at", sa.Float),
        sa.Column("nth", sa.Integer),
        sa.Index("need_facts_by_authority", "authority", "received_at"),
        sa.Index("need_facts_by_child", "child_key", "received_at"),
    )
    op.create_table(
        "fact_categories",
        sa.Column("record_id", _ID, primary_key=True),
        sa.Column("category", sa.String(40), primary_key=True),
        sa.Index("fact_categories_by_category", "category", "record_id"),
    )
    # hub._facts locks this row while it refreshes the facts (its value: the last screening time folded in, ms).
    op.execute(sa.text("INSERT INTO counters (name, value) VALUES ('facts', 0)"))


def downgrade() -> None:
    raise NotImplementedError("the hub's migrations go forward only: restore a backup to go back")
