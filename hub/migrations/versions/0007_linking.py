"""One child record: children, links from items to a child, blocking keys, possible matches (hub._linking_tables).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.String(36)


def upgrade() -> None:
    op.create_table(
        "children",
        sa.Column("child_id", _ID, primary_key=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "child_links",
        sa.Column("link_id", _ID, primary_key=True),
        sa.Column("child_id", _ID, sa.ForeignKey("children.child_id"), nullable=False),
        sa.Column("item_kind", sa.String(20), nullable=False),
        sa.Column("item_id", _ID, nullable=False),
        sa.Column("subject", sa.Integer, nullable=False),
        sa.Column("how", sa.String(20), nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("identity", sa.Text, nullable=False),
        sa.Column("happened_at", sa.Float, nullable=False),
        sa.Column("linked_by", sa.String(64), nullable=False),
        sa.Column("linked_at", sa.Float, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("undone_at", sa.Float),
        sa.Column("undone_by", sa.String(64)),
        sa.Column("undone_why", sa.Text),
    )
    op.create_index("child_links_by_child", "child_links", ["child_id", "happened_at"])
    op.create_index("child_links_by_item", "child_links", ["item_id"])
    op.create_table(
        "child_keys",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("link_id", _ID, primary_key=True),
    )
    op.create_table(
        "possible_matches",
        sa.Column("match_id", _ID, primary_key=True),
        sa.Column("link_id", _ID, sa.ForeignKey("child_links.link_id"), nullable=False),
        sa.Column("candidate_child_id", _ID, sa.ForeignKey("children.child_id"), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", sa.Float),
        sa.Column("reason", sa.Text),
    )
    op.create_index("possible_matches_by_status", "possible_matches", ["status", "created_at"])
    op.create_table(
        "adult_keys",
        sa.Column("key", sa.String(120), primary_key=True),
        sa.Column("item_id", _ID, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("parent", sa.Boolean, nullable=False),
        sa.Column("postcode", sa.String(10), nullable=False),
    )
    op.create_index("adult_keys_by_item", "adult_keys", ["item_id"])


def downgrade() -> None:
    raise NotImplementedError("the hub's migrations go forward only: restore a backup to go back")
