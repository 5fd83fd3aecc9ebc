"""The commissioning facts store their closed lists as numbers and their categories as bits (hub._fact_codes), so
the dashboard's one pass over a region's facts compares numbers, not text, and needs no join for a category.

The facts are derived data: both tables are dropped and ``need_facts`` made again, empty; the next
``hub._facts.refresh`` (before the next dashboard) folds every referral and its screening in again, and counts
the repeat referrals afresh.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("fact_categories")
    op.drop_table("need_facts")
    op.create_table(
        "need_facts",
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.Column("authority", sa.String(12)),
        sa.Column("district", sa.String(4)),
        sa.Column("level", sa.SmallInteger),
        sa.Column("age_band", sa.SmallInteger),
        sa.Column("agency", sa.SmallInteger),
        sa.Column("categories", sa.Integer, nullable=False),
        sa.Column("received_at", sa.Float, nullable=False),
        sa.Column("week", sa.Integer, nullable=False),
        sa.Column("month", sa.Integer, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("child_key", sa.String(64)),
        sa.Column("rating", sa.SmallInteger),
        sa.Column("outcome", sa.SmallInteger),
        sa.Column("decided_at", sa.Float),
        sa.Column("due_at", sa.Float),
        sa.Column("screened_at", sa.Float),
        sa.Column("nth", sa.Integer),
        sa.Index("need_facts_by_authority", "authority", "received_at"),
        sa.Index("need_facts_by_child", "child_key", "received_at"),
    )
    # Fold every screening in again (the counter: the last screening time folded in) and count repeats afresh.
    op.execute(sa.text("UPDATE counters SET value = 0 WHERE name = 'facts'"))
    op.execute(sa.text("DELETE FROM counters WHERE name = 'facts_window'"))


def downgrade() -> None:
    raise NotImplementedError("the hub's migrations go forward only: restore a backup to go back")
