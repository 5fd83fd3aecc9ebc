"""The console's tables: staff sign-in (credentials, sessions) and screening (the MASH's rating, worker, notes).

They are on the hub's one ``metadata`` (``hub._tables``); Alembic revisions 0006 and 0009 make them with their own
DDL and tests/hub/test_migrations.py checks the two agree (``hub/__init__`` imports this module, so the metadata
always holds these tables). Times are UTC epoch seconds, as everywhere in the hub; secrets are stored as hashes
(session ids) or sealed and never shown again after set-up (the TOTP secret).
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

from hub._tables import metadata

_ID = sa.String(36)

staff_credentials: Final = sa.Table(
    "staff_credentials",
    metadata,
    sa.Column("user_id", _ID, sa.ForeignKey("users.user_id"), primary_key=True),
    sa.Column("password_hash", sa.Text, nullable=False),  # Argon2id, PHC string
    # Base32 TOTP secrets sealed with AES-256-GCM under the hub key "totp_aead" (hub._secrets.seal); revision 0009
    # sealed the clear ones older hubs kept. totp_sealed is NULL until the second factor is set up.
    sa.Column("totp_sealed", sa.Text),
    sa.Column("totp_pending_sealed", sa.Text),  # offered at set-up, kept only until confirmed with a code
    sa.Column("totp_last_step", sa.BigInteger),  # the last 30-second step accepted: a code is good once
    sa.Column("failed_count", sa.Integer, nullable=False),
    sa.Column("locked_until", sa.Float),
    sa.Column("updated_at", sa.Float, nullable=False),
)

# A session id is 256 random bits in the cookie; only its SHA-256 is here. stage: "second_factor" (password right,
# code not yet given), "setup" (password right, no second factor yet) or "full".
console_sessions: Final = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("session_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", _ID, sa.ForeignKey("users.user_id"), nullable=False),
    sa.Column("stage", sa.String(20), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_seen_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("ended_at", sa.Float),
    sa.Index("console_sessions_by_user", "user_id"),
)

# The MASH's view of a referral record (one row per referral once anyone acts on it).
screenings: Final = sa.Table(
    "screenings",
    metadata,
    sa.Column("record_id", _ID, sa.ForeignKey("records.record_id"), primary_key=True),
    sa.Column("rating", sa.String(10)),
    sa.Column("rated_at", sa.Float),
    sa.Column("worker_id", _ID, sa.ForeignKey("users.user_id")),
    sa.Column("already_open", sa.Boolean, nullable=False),
    sa.Column("allocated_worker", sa.String(200)),
    # The decision (hub._decisions): proposed by a worker, signed off by a manager where the hub requires it.
    sa.Column("decision", sa.String(20)),
    sa.Column("decision_rationale", sa.Text),
    sa.Column("decided_by", sa.String(64)),
    sa.Column("decided_at", sa.Float),
    sa.Column("signed_off_by", sa.String(64)),
    sa.Column("signed_off_at", sa.Float),
    sa.Column("updated_at", sa.Float, nullable=False),
    # When the current rating's timescale ends (from the receipt time), set by each rating: the queue sorts and
    # filters on it in SQL. Time left is still computed at each look.
    sa.Column("due_at", sa.Float),
    sa.Index("screenings_by_rating", "rating", "due_at"),
    sa.Index("screenings_by_worker", "worker_id"),
    sa.Index("screenings_by_updated", "updated_at"),  # revision 0008: hub._facts folds in what changed since
)

# What the queue filters and sorts on, read once from each referral's body (hub._queue_facts keeps it up to date
# from the records after its watermark): open or not, hub status, receipt time, authority, the child's name.
referral_facts: Final = sa.Table(
    "referral_facts",
    metadata,
    sa.Column("record_id", _ID, sa.ForeignKey("records.record_id"), primary_key=True),
    sa.Column("open", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("received_at", sa.Float, nullable=False),
    sa.Column("authority", sa.String(200), nullable=False),
    sa.Column("child_key", sa.String(200), nullable=False),
    sa.Index("referral_facts_open", "open", "received_at"),
    sa.Index("referral_facts_authority", "open", "authority"),
)

# Everything that happened to a referral in the console: rating changes (with the rationale), assignments, notes.
screening_events: Final = sa.Table(
    "screening_events",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("record_id", _ID, sa.ForeignKey("records.record_id"), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("from_value", sa.Text),
    sa.Column("to_value", sa.Text),
    sa.Column("text", sa.Text),
    sa.Index("screening_events_by_record", "record_id", "event_id"),
)
