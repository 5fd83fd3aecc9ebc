"""The tables of a hub that serves several authorities (hub._boundaries) and of its commissioning counts
(hub._facts), on the shared ``metadata``; Alembic revisions 0008 and 0012 (the facts' stored codes) make them with
their own DDL.

``need_facts`` holds, for each referral, only what the counts need: no name, no date of birth (an age band),
no address (a postcode district), and the child as a keyed hash (for repeat referrals), never an NHS number. It is
filled from the referrals and their screening by ``hub._facts.refresh``; the dashboard reads nothing else.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

from hub._tables import metadata

_ID = sa.String(36)

# A referral moved to another authority: why, by whom, and whether the family moved (routed_to is the result).
referral_transfers: Final = sa.Table(
    "referral_transfers",
    metadata,
    sa.Column("transfer_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("record_id", _ID, sa.ForeignKey("records.record_id"), nullable=False),
    sa.Column("from_authority", sa.String(12)),
    sa.Column("to_authority", sa.String(12), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("family_move", sa.Boolean, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Index("referral_transfers_by_record", "record_id", "transfer_id"),
)

# One authority's MASH asks another for what it knows about a child: open -> answered | refused (with a reason).
authority_requests: Final = sa.Table(
    "authority_requests",
    metadata,
    sa.Column("request_id", _ID, primary_key=True),
    sa.Column("record_id", _ID, sa.ForeignKey("records.record_id"), nullable=False),  # the asking referral
    sa.Column("about_record_id", _ID, sa.ForeignKey("records.record_id"), nullable=False),  # the other's
    sa.Column("from_authority", sa.String(12), nullable=False),
    sa.Column("to_authority", sa.String(12), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("asked_by", sa.String(64), nullable=False),
    sa.Column("asked_at", sa.Float, nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("answer", sa.Text),
    sa.Column("answered_by", sa.String(64)),
    sa.Column("answered_at", sa.Float),
    sa.Index("authority_requests_by_record", "record_id"),
    sa.Index("authority_requests_to", "to_authority", "state"),
)

need_facts: Final = sa.Table(
    "need_facts",
    metadata,
    sa.Column("record_id", _ID, primary_key=True),
    sa.Column("authority", sa.Integer),  # the ONS code as a number (hub._fact_codes); NULL: routed nowhere known
    sa.Column("district", sa.String(4)),  # postcode district (TQ1), NULL when not given
    sa.Column("level", sa.SmallInteger),  # the referrer's level of need, 1-4
    # The closed lists as numbers, the categories as bits, weeks and months as numbers: hub._fact_codes.
    sa.Column("age_band", sa.SmallInteger),
    sa.Column("agency", sa.SmallInteger),
    sa.Column("categories", sa.Integer, nullable=False),
    sa.Column("received_at", sa.Float, nullable=False),
    sa.Column("week", sa.Integer, nullable=False),  # the Monday, 20261130
    sa.Column("month", sa.Integer, nullable=False),  # 202611
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("child_key", sa.String(64)),  # keyed hash of the NHS number (repeat referrals); NULL when not known
    sa.Column("rating", sa.SmallInteger),
    sa.Column("outcome", sa.SmallInteger),
    sa.Column("decided_at", sa.Float),
    sa.Column("due_at", sa.Float),  # received + the rating's timescale, counted when the rating was folded in
    sa.Column("timely", sa.SmallInteger),  # decided in time, late, or waiting: hub._fact_codes.TIMELY
    sa.Column("screened_at", sa.Float),  # screenings.updated_at last folded in
    # How many referrals about this child, this one included, in the repeat window (Settings.repeat_days) up to it.
    sa.Column("nth", sa.Integer),
    sa.Index("need_facts_by_authority", "authority", "received_at"),
    sa.Index("need_facts_by_child", "child_key", "received_at"),
)
