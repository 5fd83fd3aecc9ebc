"""Baseline: the hub's first schema, as released before Alembic (what ``metadata.create_all`` made then).

Frozen: never edit it, and never build it from ``hub._tables.metadata``, which moves on. Databases made before
Alembic carry ``hub_schema_version`` = 1 and are stamped at this revision instead of running it.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ID = sa.String(36)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("user_id", _ID, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("ods_code", sa.String(6)),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "enrol_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", _ID, sa.ForeignKey("users.user_id"), nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("used_at", sa.Float),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "devices",
        sa.Column("device_id", _ID, primary_key=True),
        sa.Column("user_id", _ID, sa.ForeignKey("users.user_id"), nullable=False, index=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("revoked_at", sa.Float),
        sa.Column("last_seen_at", sa.Float),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("family_id", _ID, nullable=False, index=True),
        sa.Column("device_id", _ID, sa.ForeignKey("devices.device_id"), nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("rotated_at", sa.Float),
        sa.Column("revoked_at", sa.Float),
    )
    op.create_table(
        "access_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("family_id", _ID, nullable=False, index=True),
        sa.Column("device_id", _ID, sa.ForeignKey("devices.device_id"), nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("issued_by", sa.String(64)),
    )
    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(20), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(counters, [{"name": "seq", "value": 0}, {"name": "ref", "value": 0}])
    op.create_table(
        "records",
        sa.Column("record_id", _ID, primary_key=True),
        sa.Column("record_type", sa.String(20), nullable=False),
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False, unique=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("created_by", _ID, nullable=False),
        sa.Column("practice_ods", sa.String(6)),
        sa.Column("request_id", _ID),
        sa.Column("routed_to", sa.String(200)),
        sa.Column("status", sa.String(40)),
        sa.Column("flags", sa.Text),
        sa.Column("receipt_ref", sa.String(40), unique=True),
        sa.Column("receipt_at", sa.Float),
        sa.Column("receipt_hash", sa.String(64)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("records_by_case_seq", "records", ["case_id", "seq"])
    op.create_index("records_by_practice_seq", "records", ["practice_ods", "seq"])
    op.create_table(
        "record_versions",
        sa.Column("record_id", _ID, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("mutation_id", _ID),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "mutations",
        sa.Column("mutation_id", _ID, primary_key=True),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("record_id", _ID, nullable=False),
        sa.Column("device_id", _ID, nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "conflicts",
        sa.Column("conflict_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("record_id", _ID, nullable=False, index=True),
        sa.Column("mutation_id", _ID, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("base_version", sa.Integer, nullable=False),
        sa.Column("hub_version", sa.Integer, nullable=False),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "case_access",
        sa.Column("case_id", _ID, primary_key=True),
        sa.Column("user_id", _ID, primary_key=True),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("case_access_by_user", "case_access", ["user_id", "case_id"])
    op.create_table(
        "attachments",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("case_id", _ID),
        sa.Column("created_by", _ID, nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "attachment_chunks",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("device_id", _ID),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(200)),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text),
    )
    op.create_index("audit_by_at", "audit", ["at"])


def downgrade() -> None:
    raise NotImplementedError("the hub's migrations go forward only: restore a backup to go back")
