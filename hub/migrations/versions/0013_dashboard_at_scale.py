"""The dashboard at a region's size. Each commissioning fact stores where it stands against its rating's timescale
(hub._fact_codes.TIMELY: decided in time, decided late, waiting), so the dashboard's pass compares one small number
per state instead of two times: worked out here from the two times every fact already holds, and kept by
``hub._facts`` from then on. And the information requests and the responses each get a partial index holding what
"how long each agency takes to answer" reads, so it reads them alone and not a region's million referrals.

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


def upgrade() -> None:
    op.add_column("need_facts", sa.Column("timely", sa.SmallInteger))
    op.execute(
        sa.text(
            "UPDATE need_facts SET timely = CASE WHEN due_at IS NULL THEN NULL WHEN decided_at IS NULL THEN 3 "
            "WHEN decided_at <= due_at THEN 1 ELSE 2 END"
        )
    )
    for name, columns, record_type in INDEXES:
        where = sa.text(f"record_type = '{record_type}'")
        op.create_index(name, "records", columns, postgresql_where=where, sqlite_where=where)


#: The partial indexes of records (hub._tables names the same): name, columns, the record type they hold.
INDEXES = [
    ("records_requests", ["practice_ods", "team_role", "team", "record_id", "created_at", "case_id"], "info_request"),
    ("records_responses", ["request_id", "created_at"], "response"),
]


def downgrade() -> None:
    raise NotImplementedError("the hub's migrations go forward only: restore a backup to go back")
