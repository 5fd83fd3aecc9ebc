"""The dashboard at a region's size.

- Each commissioning fact stores its authority as the number its ONS code spells and where it stands against its
  rating's timescale (hub._fact_codes: decided in time, decided late, waiting), so the dashboard's pass compares
  small numbers only. The facts are derived data: ``need_facts`` is made again, empty, and the next
  ``hub._facts.refresh`` folds every referral and its screening in again and counts the repeats afresh.
- The information requests and the responses each get a partial index holding what "how long each agency takes to
  answer" reads, so it reads them alone and not a region's million referrals.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

#: The partial indexes of records (hub._tables names the same): name, columns, the record type they hold.
INDEXES = [
    ("records_requests", ["practice_ods", "team_role", "team", "record_id", "created_at", "case_id"], "info_request"),
    ("records_responses", ["request_id", "created_at"], "response"),
]


def upgrade() -> None:
    op.drop_table("need_facts")
    op.create_table(
        "need_facts",
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.Column("authority", sa.Integer),
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
        sa.Column("timely", sa.SmallInteger),
        sa.Column("screened_at", sa.Float),
        sa.Column("nth", sa.Integer),
        sa.Index("need_facts_by_authority", "authority", "received_at"),
        sa.Index("need_facts_by_child", "child_key", "received_at"),
    )
    # Fold every referral and screening in again (the counters: the last screening time and the last seq looked
    # at) and count repeats afresh.
    op.execute(sa.text("UPDATE counters SET value = 0 WHERE name = 'facts'"))
    op.execute(sa.text("DELETE FROM counters WHERE name IN ('facts_window', 'facts_seq')"))
    for name, columns, record_type in INDEXES:
        where = sa.text(f"record_type = '{record_type}'")
        op.create_index(name, "records", columns, postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    raise NotImplementedError("the hub's migrations go forward only: restore a backup to go back")
