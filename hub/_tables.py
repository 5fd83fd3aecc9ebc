"""The hub's storage: one SQLAlchemy Core ``MetaData`` holding every table, identical on SQLite and PostgreSQL.

Conventions (so both databases behave the same):

- ids are UUID strings (``String(36)``); JSON documents are canonical JSON text (``Text``), written and read by us;
- times are UTC epoch seconds (``Float``): comparable in SQL on both databases, no time-zone surprises;
- secrets are never stored, only their SHA-256 (tokens and enrolment codes carry >= 60 random bits).
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

metadata: Final = sa.MetaData()

_ID = sa.String(36)

users: Final = sa.Table(
    "users",
    metadata,
    sa.Column("user_id", _ID, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("organisation", sa.String(200), nullable=False),
    sa.Column("ods_code", sa.String(6)),
    sa.Column("registration", sa.String(20)),  # GMC number, NMC PIN: checked against what a user's records claim
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.Float, nullable=False),
    # Console users: the local authority (ONS code, hub._authorities) whose referrals they work; NULL for all.
    sa.Column("authority", sa.String(12)),
)

enrol_codes: Final = sa.Table(
    "enrol_codes",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", _ID, sa.ForeignKey("users.user_id"), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("used_at", sa.Float),
    sa.Column("created_at", sa.Float, nullable=False),
)

devices: Final = sa.Table(
    "devices",
    metadata,
    sa.Column("device_id", _ID, primary_key=True),
    sa.Column("user_id", _ID, sa.ForeignKey("users.user_id"), nullable=False, index=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("revoked_at", sa.Float),
    sa.Column("last_seen_at", sa.Float),
    sa.Column("created_at", sa.Float, nullable=False),
)

# The cursor each device sent with its last push: everything visible to it up to that seq is stored on it (an
# information request is "on a device"). Learned in the push transaction, never on the pull path (hub._delivery).
device_cursors: Final = sa.Table(
    "device_cursors",
    metadata,
    sa.Column("device_id", _ID, sa.ForeignKey("devices.device_id"), primary_key=True),
    sa.Column("pulled_seq", sa.BigInteger, nullable=False),
    sa.Column("reported_at", sa.Float, nullable=False),
)

# A refresh-token family is one device's chain of rotations; reuse of a rotated token revokes the whole family.
refresh_tokens: Final = sa.Table(
    "refresh_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("family_id", _ID, nullable=False, index=True),
    sa.Column("device_id", _ID, sa.ForeignKey("devices.device_id"), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("rotated_at", sa.Float),  # set when exchanged: presenting it again is reuse
    sa.Column("revoked_at", sa.Float),
)

access_tokens: Final = sa.Table(
    "access_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("family_id", _ID, nullable=False, index=True),
    sa.Column("device_id", _ID, sa.ForeignKey("devices.device_id"), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    # The refresh token whose rotation issued this access token (NULL at enrolment): its first use retires that
    # predecessor, which may then no longer be retried.
    sa.Column("issued_by", sa.String(64)),
)

# Named counters: "seq" (the pull cursor) and "ref" (hub references). Updated in the writer's transaction, so the
# row lock orders commits: see docs/protocol.md, "Sequence numbers".
counters: Final = sa.Table(
    "counters",
    metadata,
    sa.Column("name", sa.String(20), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

records: Final = sa.Table(
    "records",
    metadata,
    sa.Column("record_id", _ID, primary_key=True),
    sa.Column("record_type", sa.String(20), nullable=False),
    sa.Column("case_id", _ID, nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False, unique=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("fields", sa.Text, nullable=False),
    sa.Column("created_by", _ID, nullable=False),
    sa.Column("practice_ods", sa.String(6)),  # info_request and response: the GP practice they concern
    # info_request and response to a health visiting or school nursing team: its organisation code and the role
    # of its members (hub._access); NULL for a GP practice's (revision 0011).
    sa.Column("team", sa.String(6)),
    sa.Column("team_role", sa.String(20)),
    sa.Column("request_id", _ID),  # response: the info_request it answers
    sa.Column("routed_to", sa.String(200)),  # referral: the local authority it was routed to
    sa.Column("status", sa.String(40)),  # referral: moved by hub staff
    sa.Column("flags", sa.Text),  # JSON list of strings (CP-IS and the like)
    sa.Column("receipt_ref", sa.String(40), unique=True),
    sa.Column("receipt_at", sa.Float),
    sa.Column("receipt_hash", sa.String(64)),
    sa.Column("author", sa.Text),  # JSON protocol.Author: who wrote it, attested by the hub (hub._authorship)
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Index("records_by_case_seq", "case_id", "seq"),
    sa.Index("records_by_practice_seq", "practice_ods", "seq"),
    sa.Index("records_by_team_seq", "team", "seq"),
    # The answers to a request (the referral page reads each request's): revision 0009.
    sa.Index("records_by_request", "request_id"),
    # What the dashboard's answer times read, of the requests and the responses alone: revision 0013.
    sa.Index(
        "records_requests",
        "practice_ods",
        "team_role",
        "team",
        "record_id",
        "created_at",
        "case_id",
        postgresql_where=sa.text("record_type = 'info_request'"),
        sqlite_where=sa.text("record_type = 'info_request'"),
    ),
    sa.Index(
        "records_responses",
        "request_id",
        "created_at",
        postgresql_where=sa.text("record_type = 'response'"),
        sqlite_where=sa.text("record_type = 'response'"),
    ),
)

# Every version of every record: the base snapshots three-way merge needs.
record_versions: Final = sa.Table(
    "record_versions",
    metadata,
    sa.Column("record_id", _ID, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("fields", sa.Text, nullable=False),
    sa.Column("mutation_id", _ID),
    sa.Column("user_id", _ID, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

# Exactly-once: a mutation's id, the hash of its payload and the answer given, stored with the change itself.
mutations: Final = sa.Table(
    "mutations",
    metadata,
    sa.Column("mutation_id", _ID, primary_key=True),
    sa.Column("payload_hash", sa.String(64), nullable=False),
    sa.Column("record_id", _ID, nullable=False),
    sa.Column("device_id", _ID, nullable=False),
    sa.Column("result", sa.Text, nullable=False),  # JSON MutationResult
    sa.Column("created_at", sa.Float, nullable=False),
)

conflicts: Final = sa.Table(
    "conflicts",
    metadata,
    sa.Column("conflict_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("record_id", _ID, nullable=False, index=True),
    sa.Column("mutation_id", _ID, nullable=False),
    sa.Column("user_id", _ID, nullable=False),
    sa.Column("base_version", sa.Integer, nullable=False),
    sa.Column("hub_version", sa.Integer, nullable=False),
    sa.Column("fields", sa.Text, nullable=False),  # JSON list of FieldConflict
    sa.Column("created_at", sa.Float, nullable=False),
)

# Who may see a case: its creator and the users hub staff assign to it.
case_access: Final = sa.Table(
    "case_access",
    metadata,
    sa.Column("case_id", _ID, primary_key=True),
    sa.Column("user_id", _ID, primary_key=True),
    sa.Column("reason", sa.String(20), nullable=False),  # created | assigned
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Index("case_access_by_user", "user_id", "case_id"),
)

# Attachments: the content is shared by SHA-256 (``attachment_chunks``, written only once verified), while ownership
# and access belong to each case that names it (``attachment_links``, one row per sha256 and case). Every case's
# upload proves possession on its own: its chunks wait in ``attachment_parts`` until the whole matches the hash.
attachment_links: Final = sa.Table(
    "attachment_links",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("case_id", _ID, primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("created_by", _ID, nullable=False),
    sa.Column("complete", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

attachment_parts: Final = sa.Table(
    "attachment_parts",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("case_id", _ID, primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

attachment_chunks: Final = sa.Table(
    "attachment_chunks",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

audit: Final = sa.Table(
    "audit",
    metadata,
    sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),  # username, or "cli"/"anonymous"
    sa.Column("device_id", _ID),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("target", sa.String(200)),
    sa.Column("outcome", sa.String(40), nullable=False),
    sa.Column("detail", sa.Text),  # JSON
    sa.Index("audit_by_at", "at"),
)

# Secrets the hub itself keeps (shared by every hub process on the database): "refresh_hmac" derives the pair a
# refresh token is exchanged for, so a retry after a lost answer gets the same pair (hub._auth).
hub_keys: Final = sa.Table(
    "hub_keys",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)
