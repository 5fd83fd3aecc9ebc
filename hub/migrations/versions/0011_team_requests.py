"""Information requests to health visiting and school nursing teams: the team a request (and its answer) is
addressed to, as the team's organisation code and the role of its members, beside ``practice_ods`` for GP
practices; indexed with ``seq`` like ``practice_ods``, so a team member's pull stays one range scan.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("records", sa.Column("team", sa.String(6)))
    op.add_column("records", sa.Column("team_role", sa.String(20)))
    op.create_index("records_by_team_seq", "records", ["team", "seq"])


def downgrade() -> None:
    raise NotImplementedError("the hub's migrations go forward only: restore a backup to go back")
