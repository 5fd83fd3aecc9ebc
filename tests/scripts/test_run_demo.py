"""``scripts/run_demo.py`` as a newcomer meets it: ports taken by other programs, a second device, the hub's CLI.

Real subprocesses on 127.0.0.1 and free ports; every demo runs in a temporary demo folder and is stopped by pid
(SIGTERM, which it treats like Ctrl-C, then SIGKILL to its process group). Enrolment goes over HTTP to the hub the
demo printed, a few times only.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.scripts._demo import APP_LINE, CODE_LINE, ROOT, DemoRun, Stranger, wait_http
from tests.support.hubproc import free_port
from tests.support.webapp import LINK

pytestmark = pytest.mark.slow


def _enrol(hub_url: str, code: str, device_name: str) -> dict[str, Any]:
    answer = httpx.post(hub_url + "/v1/enrol", json={"code": code, "device_name": device_name}, timeout=30)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _listening(url: str) -> bool:
    port = int(url.split(":")[2].split("/")[0])
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _answers(url: str) -> bool:
    try:
        httpx.get(url + "/healthz", timeout=2)
    except httpx.TransportError:
        return False
    return True


def test_the_demo_moves_aside_from_a_stranger_on_its_port_and_sends_no_device_there(tmp_path: Path) -> None:
    port = free_port()
    demo_dir = tmp_path / "demo"
    demo_dir.mkdir()
    # An earlier run's record that now points at another program: the demo must not take it for its hub.
    stale = {"url": f"http://127.0.0.1:{port}", "instance_id": "an-old-run", "db_url": "sqlite:///x", "owner_pid": 1}
    (demo_dir / "hub.json").write_text(json.dumps(stale))
    with (
        Stranger(port) as stranger,
        DemoRun("--hub-only", "--hub-port", str(port), "--demo-dir", str(demo_dir)) as demo,
    ):
        demo.expect(r"hub\.json \(http://127\.0\.0\.1:\d+\) no longer answers there as this demo's hub")
        moved = demo.expect(
            rf"Port {port} is already in use by another program, not this demo's hub, "
            r"so the demo hub uses port (\d+) instead"
        )
        hub_url = demo.expect(r"Demo hub running at (http://127\.0\.0\.1:\d+) ").group(1)
        assert hub_url == f"http://127.0.0.1:{moved.group(1)}"
        user, code = demo.expect(CODE_LINE.pattern).groups()
        assert user == "hv1"
        demo.expect(r"Ctrl-C here stops the demo hub")
        assert _enrol(hub_url, code, "test tablet")["user"]["username"] == "hv1"
        record = json.loads((demo_dir / "hub.json").read_text())
        assert record["url"] == hub_url
        assert httpx.get(hub_url + "/v1/instance").json() == {"instance_id": record["instance_id"]}
        # The stranger was asked who it is, and nothing else: no enrolment, no sync.
        assert stranger.requests
        assert set(stranger.requests) == {"GET /v1/instance"}
    assert not _answers(hub_url), "the demo hub outlived the demo"
    assert not (demo_dir / "hub.json").exists()


def test_every_device_the_demo_starts_prints_a_code_that_enrols(tmp_path: Path) -> None:
    demo_dir, hub_port, app_port = tmp_path / "demo", free_port(), free_port()
    with DemoRun("--web", "--port", str(app_port), "--hub-port", str(hub_port), "--demo-dir", str(demo_dir)) as first:
        hub_url = first.expect(r"Demo hub running at (http://127\.0\.0\.1:\d+) ").group(1)
        assert hub_url == f"http://127.0.0.1:{hub_port}"
        db_url = first.expect(r"export MASH_HUB_DB=(\S+)").group(1)
        first.expect(rf"vault in .*{re.escape(str(demo_dir / 'device'))} and is for hv1 \(health visitor\)")
        hv_user, hv_code = first.expect(CODE_LINE.pattern).groups()
        assert first.expect(APP_LINE).group(1) == str(app_port)
        first.expect(r"Ctrl-C here stops this device's app and the demo hub")
        first_app = first.expect(LINK.pattern).group(0)
        assert first_app.startswith(f"http://127.0.0.1:{app_port}/")
        wait_http(first_app)  # the first app holds its port before the second device looks for one

        with DemoRun("--web", "--device", "gp", "--port", str(app_port), "--demo-dir", str(demo_dir)) as second:
            second.expect(rf"Joined the demo hub at {re.escape(hub_url)}, started by another run of the demo")
            second.expect(r"and is for gp1 \(GP\)")
            gp_user, gp_code = second.expect(CODE_LINE.pattern).groups()
            second.expect(rf"Port {app_port} is already in use, so this device's app uses port \d+ instead")
            second_port = second.expect(APP_LINE).group(1)
            second.expect(r"Ctrl-C here stops this device's app only")
            second_app = second.expect(LINK.pattern).group(0)
            assert second_app.startswith(f"http://127.0.0.1:{second_port}/")
            wait_http(second_app)
            assert (hv_user, gp_user) == ("hv1", "gp1")
            assert _enrol(hub_url, hv_code, "health visitor's tablet")["user"]["username"] == "hv1"
            gp = _enrol(hub_url, gp_code, "surgery laptop")["user"]
            assert (gp["username"], gp["ods_code"]) == ("gp1", "A81001")
        assert second.proc.returncode is not None
        assert _answers(hub_url), "stopping the second device stopped the hub, which it said it would not"

        # The CLI line the demo printed reads the demo's database: both devices are there.
        env = {**os.environ, "PYTHONPATH": str(ROOT), "MASH_HUB_DB": db_url}
        listed = subprocess.run(
            [sys.executable, "-m", "hub", "devices", "list"], env=env, capture_output=True, text=True, timeout=60
        )
        assert listed.returncode == 0, listed.stderr
        assert {"health visitor's tablet", "surgery laptop"} <= {
            line.split("  ")[2] for line in listed.stdout.splitlines()
        }
    assert not _answers(hub_url), "the demo hub outlived the run that started it"
    for url in (first_app, second_app):
        assert not _listening(url), f"an app the demo started still listens at {url}"
