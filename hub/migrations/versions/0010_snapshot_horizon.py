"""Writers stop queueing on PostgreSQL: sequence numbers from the writing transaction's id, references from a
SEQUENCE (see hub._store and docs/protocol.md, "Sequence numbers").

Adds the counter "xid_base" (both databases; only PostgreSQL reads it) and, on PostgreSQL, the sequence
``hub_ref_seq`` continuing from the "ref" counter. ``hub._migrations.migrate`` then moves "xid_base" up whenever
the database's transaction ids would give numbers at or below the ones already used (a fresh database, a restore
into a new cluster), so every new sequence number is above every old one and no device's cursor passes it.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("INSERT INTO counters (name, value) VALUES ('xid_base', 0)")
    if op.get_bind().dialect.name == "postgresql":
        ref = op.get_bind().execute(sa.text("SELECT value FROM counters WHERE name = 'ref'")).scalar_one()
        op.execute(f"CREATE SEQUENCE hub_ref_seq AS bigint START WITH {int(ref) + 1}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        ref = op.get_bind().execute(sa.text("SELECT last_value FROM hub_ref_seq")).scalar_one()
        op.get_bind().execute(sa.text("UPDATE counters SET value = :v WHERE name = 'ref'"), {"v": int(ref)})
        op.execute("DROP SEQUENCE hub_ref_seq")
    op.execute("DELETE FROM counters WHERE name = 'xid_base'")
