# ruff: noqa: S603
"""The README's run command: a local demo hub on SQLite and the field app, ready to enrol.

    python scripts/run_demo.py            # desktop window
    python scripts/run_demo.py --web      # the app in a browser at http://127.0.0.1:8550
    python scripts/run_demo.py --device gp --web --port 8551   # a second device (e.g. the GP's), own vault

The demo organisation, users (hv1 health visitor, gp1 GP, nurse1 school nurse, staff1 hub staff, admin1) and one
information request to gp1's practice are created through the hub's own CLI (``python -m hub demo``), never
hard-coded into the app. Each run prints fresh one-time enrolment codes. Everything lives in ``.demo/`` (delete it
to start again). The hub is stopped when the app exits.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / ".demo"
HUB_PORT = 8600


def _port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the hub exited ({proc.returncode}); see {DEMO / 'hub.log'}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as r:  # noqa: S310 - loopback
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the hub did not answer on {url} within {timeout_s:.0f} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--web", action="store_true", help="serve the app to a browser instead of a desktop window")
    p.add_argument("--port", type=int, default=8550, help="web mode: the app's port (default 8550)")
    p.add_argument("--device", default="device", help="name of this device's vault folder under .demo/")
    args = p.parse_args()

    DEMO.mkdir(exist_ok=True)
    db = f"sqlite:///{DEMO / 'hub.sqlite3'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    hub_url = f"http://127.0.0.1:{HUB_PORT}"
    hub: subprocess.Popen[bytes] | None = None
    if _port_in_use(HUB_PORT):
        print(f"A hub is already answering on {hub_url}; using it.")
    else:
        print("Creating the demo organisation, users and an information request (python -m hub demo):")
        subprocess.run([sys.executable, "-m", "hub", "--db", db, "demo"], cwd=ROOT, env=env, check=True)
        log = (DEMO / "hub.log").open("ab")
        hub = subprocess.Popen(
            [sys.executable, "-m", "hub", "--db", db, "serve", "--host", "127.0.0.1", "--port", str(HUB_PORT)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        _wait_healthy(hub_url, hub)
        print(f"Hub running at {hub_url} (log: {DEMO / 'hub.log'}).")
    print(f"MASH console: {hub_url}/console/ (sign in as the console user printed above)")
    print(
        "\nIn the app: create a passphrase, then enrol with the hub address (already filled in) and one of the codes "
        "above: hv1 for the health visitor flow, gp1 for the GP inbox. Run a second device with --device NAME.\n"
    )
    app_cmd = [sys.executable, "-m", "fieldapp", "--hub-url", hub_url, "--data-dir", str(DEMO / args.device)]
    if args.web:
        app_cmd += ["--web", "--port", str(args.port)]
        print(f"Open http://127.0.0.1:{args.port} in a browser. Ctrl-C stops the app and the hub.")
    signal.signal(signal.SIGTERM, _interrupt)  # a SIGTERM stops the app and the hub too, like Ctrl-C
    app = subprocess.Popen(app_cmd, cwd=ROOT, env=env)
    try:
        app.wait()
    except KeyboardInterrupt:
        pass
    finally:
        _stop(app)
        if hub is not None:
            _stop(hub)


if __name__ == "__main__":
    main()
