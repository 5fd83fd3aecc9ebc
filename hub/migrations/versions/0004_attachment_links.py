"""Attachments belong to each case that names them: ``attachment_links`` (one row per sha256 and case) and
``attachment_parts`` (the chunks of one case's upload until the whole matches its hash) replace ``attachments``
(one owner per sha256). ``attachment_chunks`` keeps only verified content, shared by hash.

Existing rows carry over: each attachment becomes its case's link; the chunks of an unfinished upload move to its
parts, so it resumes where it stopped. An attachment without a case (only hub staff could make one) had nobody but
its uploader and staff to read it; it is dropped with its chunks, and a device that still needs it uploads again.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ID = sa.String(36)


def upgrade() -> None:
    op.create_table(
        "attachment_links",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("case_id", _ID, primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("created_by", _ID, nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "attachment_parts",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("case_id", _ID, primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.execute(
        "INSERT INTO attachment_links (sha256, case_id, size, created_by, complete, created_at) "
        "SELECT sha256, case_id, size, created_by, complete, created_at FROM attachments WHERE case_id IS NOT NULL"
    )
    op.execute(
        "INSERT INTO attachment_parts (sha256, case_id, idx, data) "
        "SELECT c.sha256, a.case_id, c.idx, c.data FROM attachment_chunks c JOIN attachments a ON a.sha256 = c.sha256 "
        "WHERE a.case_id IS NOT NULL AND NOT a.complete"
    )
    op.execute(
        "DELETE FROM attachment_chunks WHERE sha256 IN "
        "(SELECT sha256 FROM attachments WHERE case_id IS NULL OR NOT complete)"
    )
    op.drop_table("attachments")


def downgrade() -> None:
    raise NotImplementedError("the hub's migrations go forward only: restore a backup to go back")
