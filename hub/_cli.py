"""``python -m hub [--db URL] COMMAND``: serve the hub and administer it.

Commands print plain text; ``enrol-code`` prints the code alone, so scripts can take the last line.
Exit status: 0 done, 1 refused (AdminError, message on stderr), 2 bad usage (argparse).

Only ``serve``, ``migrate``, ``demo`` and ``restore`` create a SQLite database that does not exist yet; every other
command refuses a missing file, names the path and creates nothing (a wrong path would otherwise answer from a new,
empty database with exit status 0).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import re
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hub import _admin, _signin, _staff
from hub._admin import CLI_ACTOR
from hub._db import Database, DatabaseMissing
from hub._errors import AdminError
from hub._migrations import migrate
from hub._settings import Settings, default_db_url
from sync.protocol import Role

#: The commands that may create the database: starting a hub, setting up its schema, the demo (``restore`` creates
#: its target itself, and ``backup`` refuses a missing source, in hub._backup).
CREATING_COMMANDS = frozenset({"serve", "migrate", "demo"})
#: ``$MASH_HUB_INSTANCE``: the id ``serve`` answers on GET /v1/instance (the demo sets it; else a random one).
INSTANCE_ENV = "MASH_HUB_INSTANCE"
_INSTANCE_ID = re.compile(r"[A-Za-z0-9_.-]{1,128}")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _when(epoch: float | None) -> str:
    return "-" if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _person(text: str) -> dict[str, str | None]:
    """``name;date_of_birth;relationship`` (later parts optional)."""
    parts = [p.strip() or None for p in text.split(";")]
    parts += [None] * (3 - len(parts))
    return {"name": parts[0], "date_of_birth": parts[1], "relationship": parts[2]}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m hub", description="The MASH hub server and its administration.")
    p.add_argument(
        "--db",
        default=None,
        help="database URL (default: $MASH_HUB_DB or a SQLite file in the data folder); only serve, migrate, demo "
        "and restore create a missing SQLite file",
    )
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser(
        "serve", help="run the HTTP API", description=f"GET /v1/instance answers ${INSTANCE_ENV}, else a random id."
    )
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--tls-cert")
    s.add_argument("--tls-key")
    s.add_argument("--access-ttl", type=float, default=600, help="access token lifetime, seconds")
    s.add_argument(
        "--refresh-grace",
        type=float,
        default=Settings.refresh_grace_s,
        help="seconds a rotated refresh token may be retried after a lost answer (0: never)",
    )
    s.add_argument("--lease", type=float, default=7 * 24 * 3600, help="offline lease, seconds")
    s.add_argument("--workers", type=int, default=1)
    s.add_argument("--log-level", default="warning")

    sub.add_parser("migrate", help="bring the database schema up to date")
    b = sub.add_parser("backup", help="write a consistent copy of the database, photographs included, while it serves")
    b.add_argument("file", help="where to write it (replaced atomically)")
    rs = sub.add_parser("restore", help="restore a backup into the empty database named by --db")
    rs.add_argument("file", help="a file written by backup")

    users = sub.add_parser("users", help="manage users").add_subparsers(dest="action", required=True)
    c = users.add_parser("create")
    c.add_argument("username")
    c.add_argument("--name", required=True, help="display name")
    c.add_argument("--role", required=True, choices=[r.value for r in Role])
    c.add_argument("--org", required=True, help="organisation")
    c.add_argument("--ods", help="GP practice ODS code (GPs only)")
    c.add_argument("--registration", help="GMC number or NMC PIN: the number this user's forms must give")
    c.add_argument(
        "--authority",
        help="console users: the local authority they work for (devon, torbay, plymouth, cornwall, or an ONS code); "
        "without it they see every authority's referrals",
    )
    c.add_argument("--exist-ok", action="store_true", help="succeed if the user exists with this role")
    users.add_parser("disable").add_argument("username")
    users.add_parser("list")
    sp = users.add_parser("set-password", help="set a console user's password, read from the first line of stdin")
    sp.add_argument("username")

    e = sub.add_parser("enrol-code", help="issue a one-time enrolment code (printed)")
    e.add_argument("username")
    e.add_argument("--ttl-hours", type=float, default=72)

    devices = sub.add_parser("devices", help="enrolled devices").add_subparsers(dest="action", required=True)
    devices.add_parser("list").add_argument("--user")
    devices.add_parser("revoke").add_argument("device_id")

    requests = sub.add_parser("requests", help="information requests").add_subparsers(dest="action", required=True)
    r = requests.add_parser("create")
    r.add_argument("--practice", required=True, help="GP practice ODS code")
    r.add_argument("--child-name", required=True)
    r.add_argument("--child-dob")
    r.add_argument("--child-nhs")
    r.add_argument("--adult", action="append", default=[], help="'name;date_of_birth;relationship' (repeat)")
    r.add_argument("--rag", required=True, choices=sorted(_staff.RAG_HOURS))
    r.add_argument("--question", action="append", required=True, help="(repeat)")
    r.add_argument("--by", required=True, help="the hub staff username making the request")
    r.add_argument("--case", help="case id (UUID) the request belongs to; a new one if omitted")
    requests.add_parser("list").add_argument("--practice")

    sub.add_parser("responses", help="GP responses").add_subparsers(dest="action", required=True).add_parser(
        "list"
    ).add_argument("--request")

    referrals = sub.add_parser("referrals", help="referrals").add_subparsers(dest="action", required=True)
    referrals.add_parser("list").add_argument("--status", choices=_staff.REFERRAL_STATUSES)
    m = referrals.add_parser("move")
    m.add_argument("referral", help="hub reference (MASH-...) or record id")
    m.add_argument("status", choices=_staff.REFERRAL_STATUSES)

    cases = sub.add_parser("cases", help="cases").add_subparsers(dest="action", required=True)
    a = cases.add_parser("assign")
    a.add_argument("case_id")
    a.add_argument("username")

    au = sub.add_parser("audit", help="show the audit trail (oldest first)")
    au.add_argument("--limit", type=int, default=100)
    au.add_argument("--actor")
    au.add_argument("--json", action="store_true")

    sub.add_parser("demo", help="create a demo organisation, users and a request; print enrolment codes")
    return p


def _serve(args: argparse.Namespace, url: str) -> int:
    import uvicorn

    if bool(args.tls_cert) != bool(args.tls_key):
        raise AdminError("--tls-cert and --tls-key go together")
    if not _is_loopback(args.host) and not args.tls_cert:
        raise AdminError(f"refusing plain HTTP on {args.host}: give --tls-cert and --tls-key, or serve on 127.0.0.1")
    from hub._logging import log_config
    from hub._serve import ENV, settings_to_env

    if args.workers < 1:
        raise AdminError("--workers must be at least 1")
    if args.refresh_grace < 0:
        raise AdminError("--refresh-grace must not be negative")
    instance_id = os.environ.get(INSTANCE_ENV) or uuid.uuid4().hex
    if not _INSTANCE_ID.fullmatch(instance_id):
        raise AdminError(f"${INSTANCE_ENV} must be 1 to 128 letters, digits, '.', '_' or '-'")
    settings = Settings(
        db_url=url,
        access_ttl_s=args.access_ttl,
        lease_s=args.lease,
        refresh_grace_s=args.refresh_grace,
        instance_id=instance_id,
    )
    db = _open(url, create=True)
    try:
        migrate(db)  # once, before the workers start
    finally:
        db.dispose()
    os.environ[ENV] = settings_to_env(settings)
    uvicorn.run(
        "hub._serve:app_from_env",
        factory=True,
        workers=args.workers,
        host=args.host,
        port=args.port,
        ssl_certfile=args.tls_cert,
        ssl_keyfile=args.tls_key,
        log_level=args.log_level,
        log_config=log_config(args.log_level),  # JSON lines with the request id (hub/_logging.py)
        access_log=False,  # request lines name no one, but the audit table is the record of access
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=2,
        backlog=2048,
    )
    return 0


def _print_rows(rows: list[dict[str, Any]], columns: Sequence[str]) -> None:
    for row in rows:
        print("  ".join(str(row.get(c) if row.get(c) is not None else "-") for c in columns))


def _run(args: argparse.Namespace, db: Database) -> int:
    cmd, action = args.command, getattr(args, "action", None)
    if cmd == "migrate":
        applied = migrate(db)
        print(f"applied migrations: {', '.join(applied)}" if applied else "schema up to date")
        return 0
    migrate(db)
    if cmd == "users" and action == "create":
        new = _admin.create_user(
            db,
            args.username,
            args.name,
            args.role,
            args.org,
            args.ods,
            exist_ok=args.exist_ok,
            registration=args.registration,
            authority=args.authority,
        )
        print(f"{'created' if new.created else 'exists'} {new.username} {new.user_id}")
    elif cmd == "users" and action == "disable":
        _admin.disable_user(db, args.username)
        print(f"disabled {args.username}")
    elif cmd == "users" and action == "set-password":
        # From stdin, never the command line (other users of the machine can read a process's arguments).
        _signin.set_password(db, args.username, sys.stdin.readline().rstrip("\r\n"), actor=CLI_ACTOR)
        print(f"password set for {args.username}")
    elif cmd == "users" and action == "list":
        _print_rows(_admin.list_users(db), ["username", "role", "organisation", "ods_code", "disabled", "user_id"])
    elif cmd == "enrol-code":
        print(_admin.enrol_code(db, args.username, ttl_s=args.ttl_hours * 3600))
    elif cmd == "devices" and action == "list":
        rows = _admin.list_devices(db, args.user)
        for row in rows:
            row["state"] = "revoked" if row["revoked_at"] else "active"
            row["last_seen"] = _when(row["last_seen_at"])
        _print_rows(rows, ["device_id", "username", "name", "state", "last_seen"])
    elif cmd == "devices" and action == "revoke":
        _admin.revoke_device(db, args.device_id)
        print(f"revoked {args.device_id}")
    elif cmd == "requests" and action == "create":
        made = _staff.create_request(
            db,
            practice_ods=args.practice,
            child={"name": args.child_name, "date_of_birth": args.child_dob, "nhs_number": args.child_nhs},
            adults=[_person(a) for a in args.adult],
            rag=args.rag,
            questions=args.question,
            requested_by=args.by,
            case_id=args.case,
        )
        print(f"{made['reference']} {made['record_id']} case {made['case_id']} deadline {made['deadline']}")
    elif cmd == "requests" and action == "list":
        rows = _staff.list_requests(db, args.practice)
        for row in rows:
            row.update({k: row["fields"].get(k) for k in ("reference", "rag", "deadline")})
        _print_rows(rows, ["reference", "practice_ods", "rag", "deadline", "record_id", "case_id"])
    elif cmd == "responses" and action == "list":
        rows = _staff.list_responses(db, args.request)
        for row in rows:
            row["received"] = _when(row["receipt_at"])
        _print_rows(rows, ["receipt_ref", "practice_ods", "request_id", "received", "record_id"])
    elif cmd == "referrals" and action == "list":
        rows = _staff.list_referrals(db, args.status)
        for row in rows:
            row["received"] = _when(row["receipt_at"])
        _print_rows(rows, ["receipt_ref", "status", "routed_to", "received", "record_id", "case_id"])
    elif cmd == "referrals" and action == "move":
        record_id = _staff.move_referral(db, args.referral, args.status)
        print(f"{record_id} -> {args.status}")
    elif cmd == "cases" and action == "assign":
        count = _admin.assign_case(db, args.case_id, args.username)
        print(f"assigned {args.case_id} to {args.username} ({count} records to pull)")
    elif cmd == "audit":
        rows = _admin.audit_trail(db, args.limit, args.actor)
        if args.json:
            print(json.dumps(rows, default=str))
        else:
            for row in rows:
                row["when"] = _when(row["at"])
            _print_rows(rows, ["when", "actor", "action", "target", "outcome", "device_id"])
    elif cmd == "demo":
        from hub._demo import demo

        demo(db)
    else:  # pragma: no cover - argparse allows nothing else
        raise AdminError(f"unknown command {cmd}")
    return 0


def _open(url: str, *, create: bool) -> Database:
    """The database, connected once: a server that is down or a database that is not there is a plain error."""
    db = Database(url, pool_size=1, create=create)
    try:
        with db.read() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as exc:
        db.dispose()
        where = sa.make_url(url).render_as_string(hide_password=True)
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        raise AdminError(f"cannot open the hub database {where}: {reason}") from None
    return db


def _missing(path: Path, given: str | None) -> str:
    where = "--db" if given else "$MASH_HUB_DB" if os.environ.get("MASH_HUB_DB") else "the default, no --db given"
    return (
        f"no hub database at {path} ({where}); nothing was created.\n"
        "  The demo's database: run `make run` (or scripts/run_demo.py), then the `export MASH_HUB_DB=...` line it "
        "prints.\n"
        "  A new hub: python -m hub --db URL migrate"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    url = args.db or default_db_url()
    try:
        if args.command == "serve":
            return _serve(args, url)
        if args.command in ("backup", "restore"):
            from hub import _backup

            if args.command == "backup":
                print(f"backed up to {_backup.backup(url, Path(args.file))}")
            else:
                _backup.restore(Path(args.file), url)
                print(f"restored {args.file}")
            return 0
        db = _open(url, create=args.command in CREATING_COMMANDS)
        try:
            return _run(args, db)
        finally:
            db.dispose()
    except DatabaseMissing as exc:
        print(f"error: {_missing(exc.path, args.db)}", file=sys.stderr)
        return 1
    except AdminError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
