"""Attested authorship: ``records.author`` (JSON: who wrote the record, from the authenticated user and device, never
from its body) and ``users.registration`` (GMC number or NMC PIN, checked against what a user's records claim).

Existing records get the author their ``created_by`` user gives, as that user stands now, without a device (the hub
never recorded which device wrote them).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("registration", sa.String(20)))
    op.add_column("records", sa.Column("author", sa.Text))
    conn = op.get_bind()
    written = conn.execute(
        sa.text(
            "SELECT r.record_id, u.user_id, u.display_name, u.role, u.organisation, u.ods_code "
            "FROM records r JOIN users u ON u.user_id = r.created_by"
        )
    ).all()
    update = sa.text("UPDATE records SET author = :author WHERE record_id = :rid")
    for row in written:
        author = {
            "user_id": row.user_id,
            "display_name": row.display_name,
            "role": row.role,
            "organisation": row.organisation,
            "ods_code": row.ods_code,
            "registration": None,
            "device_id": None,
        }
        conn.execute(update, {"author": json.dumps(author, separators=(",", ":")), "rid": row.record_id})


def downgrade() -> None:
    raise NotImplementedError("the hub's migrations go forward only: restore a backup to go back")
