"""``python -m hub [--db URL] COMMAND``: serve the hub and administer it.

Settings come from flags, ``MASH_HUB_*`` variables and a TOML file (``hub._config``); ``--db`` and ``--config`` go
before or after the command.

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
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hub import _admin, _config, _signin, _staff
from hub._admin import CLI_ACTOR
from hub._db import Database, DatabaseMissing
from hub._errors import AdminError
from hub._migrations import migrate
from protocol import Role

#: The commands that may create the database: starting a hub, setting up its schema, the demo (``restore`` creates
#: its target itself, and ``backup`` refuses a missing source, in hub._backup).
CREATING_COMMANDS = frozenset({"serve", "migrate", "demo"})
#: ``$MASH_HUB_INSTANCE`` (``--instance``): the id ``serve`` answers on GET /v1/instance (the demo sets it).
INSTANCE_ENV = "MASH_HUB_INSTANCE"


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


def _json(text: str) -> Any:
    return json.loads(text)


_json.__name__ = "JSON"  # argparse names the type in its message: "invalid JSON value: ..."

#: Settings that are not ``serve`` flags: ``--db`` goes with every command.
_NOT_SERVE_FLAGS = frozenset({"db"})
_STRUCTURED = frozenset({"rate_limits", "timescales", "working_hours"})


def _common(p: argparse.ArgumentParser, *, top: bool) -> None:
    """``--db`` and ``--config``, accepted before the command and after it (a value after it wins)."""
    default = None if top else argparse.SUPPRESS
    p.add_argument(
        "--db",
        default=default,
        help=f"{_config.HELP['db']}; also ${_config.env_name('db')}. Only serve, migrate, demo and restore create a "
        "missing SQLite file",
    )
    p.add_argument(
        "--config",
        type=Path,
        default=default,
        help=f"a TOML file of settings (names as the flags, with _ for -); also ${_config.CONFIG_ENV}",
    )


def _serve_flags(s: argparse.ArgumentParser) -> None:
    for name, info in _config.HubConfig.model_fields.items():
        if name in _NOT_SERVE_FLAGS:
            continue
        default = info.get_default(call_default_factory=True)
        shown = json.dumps(_plain(default)) if name in _STRUCTURED else default
        text = f"{_config.HELP[name]} (${_config.env_name(name)}; " + (
            "not set)" if shown is None else f"default {shown})"
        )
        kind: Any = _json if name in _STRUCTURED else str
        if name == "decisions_need_sign_off":
            s.add_argument(_config.flag_name(name), action=argparse.BooleanOptionalAction, default=argparse.SUPPRESS,
                           help=text)  # fmt: skip
            continue
        s.add_argument(_config.flag_name(name), type=kind, default=argparse.SUPPRESS, help=text)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return value


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mash-field")
    except PackageNotFoundError:  # a checkout that was never installed
        return "unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m hub",
        description="The MASH hub server and its administration. Every serve setting may also come from the "
        "environment (MASH_HUB_ and the flag's name, e.g. MASH_HUB_ACCESS_TTL) or a TOML file (--config); a flag "
        "beats the environment, which beats the file.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s (mash-hub) {_version()}")
    _common(p, top=True)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser(
        "serve",
        help="run the HTTP API",
        description="Run the HTTP API. GET /v1/instance answers --instance, else a random id.",
    )
    _serve_flags(s)

    sub.add_parser("migrate", help="bring the database schema up to date")
    b = sub.add_parser("backup", help="write a consistent copy of the database, photographs included, while it serves")
    b.add_argument("file", help="where to write it (replaced atomically)")
    rs = sub.add_parser("restore", help="restore a backup into the empty database named by --db")
    rs.add_argument("file", help="a file written by backup")

    users = sub.add_parser("users", help="manage users").add_subparsers(dest="action", required=True)
    c = users.add_parser("create", help="create a user")
    c.add_argument("username", help="sign-in name: letters, digits, '.', '_' or '-'")
    c.add_argument("--name", required=True, help="display name")
    c.add_argument("--role", required=True, choices=[r.value for r in Role], help="what the user does")
    c.add_argument("--org", required=True, help="organisation")
    c.add_argument("--ods", help="GP practice ODS code (GPs); team code (health visitors, school nurses)")
    c.add_argument("--registration", help="GMC number or NMC PIN: the number this user's forms must give")
    c.add_argument(
        "--authority",
        help="console users: the local authority they work for (devon, torbay, plymouth, cornwall, or an ONS code); "
        "without it they see every authority's referrals",
    )
    c.add_argument("--exist-ok", action="store_true", help="succeed if the user exists with this role")
    users.add_parser("disable", help="stop a user syncing and signing in").add_argument("username", help="who")
    users.add_parser("list", help="every user, one a line")
    sp = users.add_parser("set-password", help="set a console user's password, read from the first line of stdin")
    sp.add_argument("username", help="whose password")

    e = sub.add_parser("enrol-code", help="issue a one-time enrolment code (printed)")
    e.add_argument("username", help="the user the code enrols a device for")
    e.add_argument("--ttl-hours", type=float, default=72, help="hours until the code expires (default 72)")

    devices = sub.add_parser("devices", help="enrolled devices").add_subparsers(dest="action", required=True)
    devices.add_parser("list", help="every device, one a line").add_argument("--user", help="only this user's")
    devices.add_parser("revoke", help="revoke a device: it erases its vault key at next contact").add_argument(
        "device_id", help="from devices list"
    )

    requests = sub.add_parser("requests", help="information requests").add_subparsers(dest="action", required=True)
    r = requests.add_parser("create", help="ask a GP practice for information about a child")
    r.add_argument("--practice", required=True, help="GP practice ODS code")
    r.add_argument("--child-name", required=True, help="the child's full name")
    r.add_argument("--child-dob", help="the child's date of birth, YYYY-MM-DD")
    r.add_argument("--child-nhs", help="the child's NHS number")
    r.add_argument("--adult", action="append", default=[], help="'name;date_of_birth;relationship' (repeat)")
    r.add_argument("--rag", required=True, choices=sorted(_staff.RAG_HOURS), help="rating: sets the deadline")
    r.add_argument("--question", action="append", required=True, help="(repeat)")
    r.add_argument("--by", required=True, help="the hub staff username making the request")
    r.add_argument("--case", help="case id (UUID) the request belongs to; a new one if omitted")
    requests.add_parser("list", help="information requests, one a line").add_argument(
        "--practice", help="only this practice's (ODS code)"
    )

    sub.add_parser("responses", help="GP responses").add_subparsers(dest="action", required=True).add_parser(
        "list", help="GP responses, one a line"
    ).add_argument("--request", help="only the answers to this request (record id)")

    referrals = sub.add_parser("referrals", help="referrals").add_subparsers(dest="action", required=True)
    referrals.add_parser("list", help="referrals, one a line").add_argument(
        "--status", choices=_staff.REFERRAL_STATUSES, help="only those in this state"
    )
    m = referrals.add_parser("move", help="move a referral to another state")
    m.add_argument("referral", help="hub reference (MASH-...) or record id")
    m.add_argument("status", choices=_staff.REFERRAL_STATUSES, help="the new state")

    cases = sub.add_parser("cases", help="cases").add_subparsers(dest="action", required=True)
    a = cases.add_parser("assign", help="let a user see a case (and pull all of it)")
    a.add_argument("case_id", help="the case's id")
    a.add_argument("username", help="who may see it from now on")

    au = sub.add_parser("audit", help="show the audit trail (oldest first)")
    au.add_argument("--limit", type=int, default=100, help="at most this many rows (default 100)")
    au.add_argument("--actor", help="only this username's actions")
    au.add_argument("--json", action="store_true", help="one JSON document instead of text lines")

    sub.add_parser("demo", help="create a demo organisation, users and a request; print enrolment codes")
    _with_common(sub)
    return p


def _with_common(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for parser in sub.choices.values():
        nested = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if nested:
            _with_common(nested[0])
        else:
            _common(parser, top=False)


def _serve(config: _config.HubConfig) -> int:
    import uvicorn

    from hub._logging import log_config
    from hub._serve import ENV, settings_to_env

    if bool(config.tls_cert) != bool(config.tls_key):
        raise AdminError("--tls-cert and --tls-key go together")
    if not _is_loopback(config.host) and not config.tls_cert:
        raise AdminError(
            f"refusing plain HTTP on {config.host}: give --tls-cert and --tls-key, or serve on 127.0.0.1 behind a "
            "reverse proxy (--forwarded-allow-ips)"
        )
    # Every worker must answer with the same instance id: fix a random one now, before they start.
    config = config.model_copy(update={"instance": config.instance or uuid.uuid4().hex})
    config.settings()  # anything that does not build (a time zone that does not exist) fails here, not in a worker
    db = _open(config.db_url, create=True)
    try:
        migrate(db)  # once, before the workers start
    finally:
        db.dispose()
    os.environ[ENV] = settings_to_env(config)  # every setting, for every worker (hub._serve)
    uvicorn.run(
        "hub._serve:app_from_env",
        factory=True,
        workers=config.workers,
        host=config.host,
        port=config.port,
        ssl_certfile=config.tls_cert,
        ssl_keyfile=config.tls_key,
        log_level=config.log_level,
        log_config=log_config(config.log_level),  # JSON lines with the request id (hub/_logging.py)
        access_log=False,  # request lines name no one, but the audit table is the record of access
        # The app trusts forwarded headers itself, only from --forwarded-allow-ips (hub._app); uvicorn's own
        # default would believe them from 127.0.0.1.
        proxy_headers=False,
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=2,
        # uvicorn restarts a worker that has not answered its supervisor in this time; its default (5 s) is shorter
        # than a worker's start (imports, migrations check, pools) on a busy server, which then never starts.
        timeout_worker_healthcheck=60,
        # Longer than any client or proxy keeps an idle connection (nginx's upstream keepalive_timeout is 60 s):
        # the one that closes first must be the client, or a request sent as the hub closes is reset. uvicorn's
        # 5 s default raced devices that sync every 5 s (bench.console counted the resets).
        timeout_keep_alive=75,
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
    try:
        flags = {name: getattr(args, name) for name in _config.HubConfig.model_fields if getattr(args, name, None)
                 is not None}  # fmt: skip
        config = _config.load(flags, args.config)
        url = config.db_url
        if args.command == "serve":
            return _serve(config)
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


def run() -> None:
    """The ``mash-hub`` console script."""
    sys.exit(main())
