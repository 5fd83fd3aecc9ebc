# ruff: noqa: S603
"""The README's run command: a local demo hub on SQLite and the field app, ready to enrol.

    python scripts/run_demo.py                      # desktop window, for hv1 (the health visitor)
    python scripts/run_demo.py --web                # the app in a browser at http://127.0.0.1:8550
    python scripts/run_demo.py --web --device gp    # a second device (the GP's, for gp1), own vault
    python scripts/run_demo.py --hub-only           # the demo hub and its codes, no app
    --port N (the app, web mode), --hub-port N: a port in use by another program is left alone and the demo moves
    to a free one nearby, saying so.

The demo organisation, users (hv1 health visitor, gp1 GP, nurse1 school nurse, staff1 hub staff, admin1) and one
information request to gp1's practice are created through the hub's own CLI (``python -m hub demo``), never
hard-coded into the app. Everything lives in ``.demo/`` (``--demo-dir``; delete it to start again).

The first run starts the hub, gives it a random instance id (``$MASH_HUB_INSTANCE``) and records both in
``.demo/hub.json``. A later run (a second device) joins that hub only if ``GET /v1/instance`` there answers with the
same id: it never points an app at another program that happens to hold the port. Every device gets a fresh
one-time enrolment code of its own user. The hub stops when the run that started it ends.
"""

from __future__ import annotations

import argparse
import contextlib
import hmac
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_APP_PORT = 8550
DEFAULT_HUB_PORT = 8600
#: The demo's field users, and which one a device is for when ``--user`` is not given (by ``--device`` name).
FIELD_USERS = {"hv1": "health visitor", "gp1": "GP", "nurse1": "school nurse"}
DEVICE_USERS = {"gp": "gp1", "nurse": "nurse1"}
_CODE_LINE = re.compile(r"enrolment code for (\w+): (\S+)")


@dataclass(frozen=True)
class DemoHub:
    """The demo's hub: where it answers, the id it answers with, its database, and the run that started it."""

    url: str
    instance_id: str
    db_url: str
    owner_pid: int

    def as_json(self) -> str:
        return json.dumps(self.__dict__, indent=2)


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def _shown(path: Path | str) -> str:
    """A path or command as a newcomer types it from the checkout: relative to it when inside it."""
    path = Path(path)
    with contextlib.suppress(ValueError):
        return str(path.absolute().relative_to(Path.cwd()))
    return str(path)


# -- ports ---------------------------------------------------------------------------------------------------------


def port_free(port: int) -> bool:
    """Whether a server could listen on 127.0.0.1:port now (as the hub and the app bind it)."""
    with socket.socket() as s:
        if os.name != "nt":  # on Windows SO_REUSEADDR would bind a port another program holds
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _any_free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def choose_port(port: int, what: str, held_by: str = "") -> int:
    """``port`` if free; else the next free one of the ten above it (or any free one), said out loud."""
    if port_free(port):
        return port
    other = next((p for p in range(port + 1, min(port + 11, 65536)) if port_free(p)), None) or _any_free_port()
    print(f"Port {port} is already in use{held_by}, so {what} uses port {other} instead.")
    return other


# -- the hub -------------------------------------------------------------------------------------------------------


def answers_as(url: str, instance_id: str) -> bool:
    """Whether the server at ``url`` is the hub that was given ``instance_id``."""
    try:
        with urllib.request.urlopen(url + "/v1/instance", timeout=2) as r:  # noqa: S310 - loopback, our URL
            body = json.loads(r.read(4096))
    except (OSError, ValueError):
        return False
    got = body.get("instance_id") if isinstance(body, dict) else None
    return isinstance(got, str) and hmac.compare_digest(got.encode(), instance_id.encode())


def recorded_hub(record: Path) -> DemoHub | None:
    """The hub an earlier run of the demo started, if it is still the one answering there."""
    try:
        hub = DemoHub(**json.loads(record.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    if answers_as(hub.url, hub.instance_id):
        return hub
    print(f"The hub recorded in {_shown(record)} ({hub.url}) no longer answers there as this demo's hub.")
    return None


def hub_cli(db_url: str, *args: str, capture: bool = True) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "hub", "--db", db_url, *args],
        cwd=ROOT,
        env=_env(),
        capture_output=capture,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"python -m hub {' '.join(args)} failed: {(done.stderr or '').strip()}")
    return done.stdout or ""


def start_hub(demo: Path, db_url: str, port: int) -> tuple[DemoHub, subprocess.Popen[bytes], dict[str, str]]:
    """Create the demo data, start the hub on ``port`` with a new instance id, wait until it answers as itself."""
    print("Creating the demo organisation, users and an information request (python -m hub demo):")
    made = hub_cli(db_url, "demo")
    print("    " + made.strip().replace("\n", "\n    "))
    codes = dict(_CODE_LINE.findall(made))
    hub = DemoHub(f"http://127.0.0.1:{port}", secrets.token_hex(16), db_url, os.getpid())
    log_path = demo / "hub.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hub", "--db", db_url, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=_env(MASH_HUB_INSTANCE=hub.instance_id),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_it_answers(hub, proc, log_path)
    except BaseException:  # Ctrl-C while it starts, or it never answered: leave no hub behind
        stop(proc)
        raise
    tmp = demo / "hub.json.tmp"
    tmp.write_text(hub.as_json())
    tmp.replace(demo / "hub.json")
    print(f"Demo hub running at {hub.url} (log: {_shown(log_path)}).")
    print(f"MASH console: {hub.url}/console/ (sign in as the console user printed above)")
    return hub, proc, codes


def _wait_until_it_answers(hub: DemoHub, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    """Until the hub on ``hub.url`` answers with its instance id: another program on the port never passes."""
    deadline = time.monotonic() + 60
    while not answers_as(hub.url, hub.instance_id):
        if proc.poll() is not None:
            raise SystemExit(f"the demo hub exited ({proc.returncode}); see {_shown(log_path)}")
        if time.monotonic() > deadline:
            raise SystemExit(f"the demo hub did not answer on {hub.url} within 60 s; see {_shown(log_path)}")
        time.sleep(0.1)  # polling interval while the hub starts


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM one process this script started, then SIGKILL (a Flet web server may ignore SIGTERM)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _forget(record: Path, hub: DemoHub) -> None:
    with contextlib.suppress(OSError, ValueError):
        if json.loads(record.read_text()).get("instance_id") == hub.instance_id:
            record.unlink()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


# -- what the newcomer reads -----------------------------------------------------------------------------------------


def _tell(hub: DemoHub, joined: bool, device: Path | None, user: str, code: str) -> None:
    python = _shown(sys.executable)
    print(
        "\nThe hub's CLI reads the demo's database when you set (in any terminal, from this folder):\n"
        f"    export MASH_HUB_DB={hub.db_url}\n"
        f"    {python} -m hub referrals list     # also: requests list, responses list, devices list, audit\n"
    )
    if joined:
        print(f"Joined the demo hub at {hub.url}, started by another run of the demo (pid {hub.owner_pid}).")
    if device is None:
        print(f"In your app, enrol with the hub address {hub.url} and a code above, or this fresh one:")
    else:
        print(f"This device keeps its vault in {_shown(device)} and is for {user} ({FIELD_USERS[user]}).")
        print("In the app: create a passphrase, then enrol with the hub address (already filled in) and this code:")
    print(f"    Enrolment code for {user}'s device: {code}")
    if device is not None and not joined:
        print("A second device, for the GP (to answer the demo information request), in another terminal:")
        print("    make web DEVICE=gp    (a browser; make run DEVICE=gp for a window)")


def _ctrl_c(hub: DemoHub, joined: bool, web: bool) -> str:
    how = "Ctrl-C here" if web else "Closing the app's window or Ctrl-C here"
    if joined:
        owner = f"the demo run that started it (pid {hub.owner_pid})"
        return f"{how} stops this device's app only: the hub stops when {owner} ends."
    return f"{how} stops this device's app and the demo hub (devices that joined it lose their hub)."


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--web", action="store_true", help="serve the app to a browser instead of a desktop window")
    p.add_argument("--port", type=int, default=DEFAULT_APP_PORT, help="web mode: the app's port (default 8550)")
    p.add_argument("--hub-port", type=int, default=DEFAULT_HUB_PORT, help="the demo hub's port (default 8600)")
    p.add_argument(
        "--device",
        default="device",
        type=_device_name,
        help="this device's vault folder under the demo folder (default: device); gp and nurse are for gp1, nurse1",
    )
    p.add_argument("--user", choices=sorted(FIELD_USERS), help="the demo user this device is for (default: by device)")
    p.add_argument("--hub-only", action="store_true", help="start (or find) the demo hub and print a code; no app")
    p.add_argument("--demo-dir", type=Path, default=ROOT / ".demo", help="where the demo keeps everything")
    return p


def _device_name(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", text):
        raise argparse.ArgumentTypeError("a device name is 1 to 40 letters, digits, '-' or '_'")
    return text


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # each line as it happens, even in a pipe
    args = _parser().parse_args()
    for port in (args.port, args.hub_port):
        if not 1 <= port <= 65535:
            raise SystemExit(f"a port is a number from 1 to 65535, not {port}")
    demo: Path = args.demo_dir.absolute()
    demo.mkdir(parents=True, exist_ok=True)
    record = demo / "hub.json"
    user = args.user or DEVICE_USERS.get(args.device, "hv1")
    signal.signal(signal.SIGTERM, _interrupt)  # a SIGTERM ends the run like Ctrl-C: what it started stops too

    hub = recorded_hub(record)
    hub_proc: subprocess.Popen[bytes] | None = None
    app: subprocess.Popen[bytes] | None = None
    try:
        if hub is None:
            db_url = f"sqlite:///{demo / 'hub.sqlite3'}"
            hub, hub_proc, codes = start_hub(
                demo, db_url, choose_port(args.hub_port, "the demo hub", " by another program, not this demo's hub")
            )
            code = codes[user]
        else:
            code = hub_cli(hub.db_url, "enrol-code", user).strip().splitlines()[-1]
        joined = hub_proc is None
        device = None if args.hub_only else demo / args.device
        _tell(hub, joined, device, user, code)
        if device is None:
            if hub_proc is not None:
                print("\nCtrl-C here stops the demo hub (devices enrolled with it lose their hub).")
                hub_proc.wait()
            return
        app_cmd = [sys.executable, "-m", "fieldapp", "--hub-url", hub.url, "--data-dir", str(device)]
        if args.web:
            port = choose_port(args.port, "this device's app")
            app_cmd += ["--web", "--port", str(port)]
            print(f"\nThe app serves 127.0.0.1:{port}: open it from the link it prints below (it holds a key).")
        print(_ctrl_c(hub, joined, args.web))
        app = subprocess.Popen(app_cmd, cwd=ROOT, env=_env())
        app.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if app is not None:
            stop(app)
        if hub_proc is not None and hub is not None:
            stop(hub_proc)
            _forget(record, hub)


if __name__ == "__main__":
    main()
