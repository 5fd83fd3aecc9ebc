"""One child record: the children the hub knows, the links from each item to a child, and possible matches.

On the hub's one ``metadata`` (``hub._tables``); Alembic revision 0007 makes them with its own DDL (checked by
tests/hub/test_migrations.py). A link is never deleted: undoing one sets ``undone_at/by/why``. ``identity`` is the
child as that item named them (``hub._matching.Person`` as JSON), so every spelling seen stays comparable;
``child_keys`` holds each live link's blocking keys (``hub._matching.keys``), the only way a match finds candidates.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

from hub._tables import metadata

_ID = sa.String(36)

children: Final = sa.Table(
    "children",
    metadata,
    sa.Column("child_id", _ID, primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False),
)

# kind: referral | contact | info_request | response. how: nhs_number | sure_match | confirmed | new_child |
# same_case. happened_at: when the item says it happened (its written time), not when it synced.
child_links: Final = sa.Table(
    "child_links",
    metadata,
    sa.Column("link_id", _ID, primary_key=True),
    sa.Column("child_id", _ID, sa.ForeignKey("children.child_id"), nullable=False),
    sa.Column("item_kind", sa.String(20), nullable=False),
    sa.Column("item_id", _ID, nullable=False),
    sa.Column("subject", sa.Integer, nullable=False),  # which child of the item (a referral may name several)
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
    sa.Index("child_links_by_child", "child_id", "happened_at"),
    sa.Index("child_links_by_item", "item_id"),
)

child_keys: Final = sa.Table(
    "child_keys",
    metadata,
    sa.Column("key", sa.String(80), primary_key=True),
    sa.Column("link_id", _ID, primary_key=True),
)

# A possible match: the item's link (to a child of its own for now) and the child it may be. status: open |
# confirmed | rejected.
possible_matches: Final = sa.Table(
    "possible_matches",
    metadata,
    sa.Column("match_id", _ID, primary_key=True),
    sa.Column("link_id", _ID, sa.ForeignKey("child_links.link_id"), nullable=False),
    sa.Column("candidate_child_id", _ID, sa.ForeignKey("children.child_id"), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("decided_by", sa.String(64)),
    sa.Column("decided_at", sa.Float),
    sa.Column("reason", sa.Text),
    sa.Index("possible_matches_by_status", "status", "created_at"),
)

# The adults each item names (household and significant adults), by a key of folded name + date of birth (or
# postcode when no date is given): the same key in two households is an adult in common.
adult_keys: Final = sa.Table(
    "adult_keys",
    metadata,
    sa.Column("key", sa.String(120), primary_key=True),
    sa.Column("item_id", _ID, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("parent", sa.Boolean, nullable=False),
    sa.Column("postcode", sa.String(10), nullable=False),
    sa.Index("adult_keys_by_item", "item_id"),
)
