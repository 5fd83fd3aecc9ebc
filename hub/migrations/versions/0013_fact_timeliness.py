"""Each commissioning fact stores where it stands against its rating's timescale (hub._fact_codes.TIMELY: decided in
time, decided late, waiting), so the dashboard's pass compares one small number per state instead of two times.

Worked out here from the two times every fact already holds; ``hub._facts`` keeps it from then on.

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


def downgrade() -> None:
    raise NotImplementedError("the hub's migrations go forward only: restore a backup to go back")
