"""The hub as a council runs it (issue 14, docs/deployment.md): installed from the wheel into its own virtual
environment, migrated on a fresh PostgreSQL database, two hub processes behind nginx, which ends TLS with the
council's CA; a device syncs through nginx with the real sync client while one hub process is SIGKILLed, and the
hub ends up with each of the device's records exactly once.

The wheel is built from a copy of the sources (the checkout gets no build/), and its dependencies come from the
package index pip is configured with; the environment is made once per test session. nginx is the Debian package
(scripts/install-system-deps installs it): without it this test fails, it never skips.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import httpx
import psycopg
import pytest

from sync import EngineSettings, HubClient, Repository, SyncEngine, SyncState, SyncStatus, enrol
from tests.support.hubproc import ROOT, HubProcess
from tests.support.nginx import Nginx, NginxError, nginx_binary
from tests.support.postgres import PostgresCluster
from tests.support.sockets import unread_bytes
from tests.support.synchelp import make_vault, new_case, new_note
from tests.support.testca import CertificateAuthority, make_test_ca

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

NOTES = 30
KILL_AFTER = 6  # records the hub has acknowledged when one hub process is killed (of NOTES + 1)


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", *args], capture_output=True, text=True, timeout=600, check=False
    )


def _copy_sources(dest: Path) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for name in ("pyproject.toml", "setup.py", "README.md", *project["project"]["license-files"]):
        shutil.copy2(ROOT / name, dest / name)
    # What npm installed, as a council's build machine has it after `npm ci` (setup.py puts it into the wheel).
    govuk = Path("node_modules") / "govuk-frontend" / "dist" / "govuk"
    (dest / govuk).mkdir(parents=True)
    for name in ("govuk-frontend.min.css", "govuk-frontend.min.js"):
        shutil.copy2(ROOT / govuk / name, dest / govuk / name)
    for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]:
        package = pattern.rstrip("*")
        shutil.copytree(ROOT / package, dest / package, ignore=shutil.ignore_patterns("__pycache__"))


@pytest.fixture(scope="session")
def installed_hub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh virtual environment holding only the wheel and its (hub-only) dependencies."""
    top = tmp_path_factory.mktemp("deploy-venv")
    src, wheels, venv = top / "src", top / "wheels", top / "venv"
    src.mkdir()
    _copy_sources(src)
    built = _pip("wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(src))
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("mash_field-*.whl")
    # No pip inside: the dev environment's pip installs into it (--python), from the index pip is configured with.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    installed = _pip("--python", str(python), "install", "-q", str(wheel))
    assert installed.returncode == 0, installed.stderr
    return python


@dataclass
class Deployment:
    ca: CertificateAuthority
    db: str  # libpq address of the hub's database, for reading it directly
    hubs: list[HubProcess]
    nginx: Nginx


@pytest.fixture
def deployment(installed_hub: Path, pg_cluster: PostgresCluster, tmp_path: Path, resend: bool) -> Iterator[Deployment]:
    """``resend``: nginx passes a device's POST a dying hub never answered to the other hub (docs/deployment.md's
    configuration), or answers it 502 (nginx's default for a POST) and the device sends it again itself."""
    try:
        nginx_binary()
    except NginxError as exc:
        pytest.fail(str(exc))
    ca = make_test_ca(tmp_path)
    url = pg_cluster.create_database("deploy")  # fresh: no template, the installed hub makes every table
    serve = ("--forwarded-allow-ips", "127.0.0.1")
    hubs = [HubProcess(url, python=str(installed_hub), extra_args=serve) for _ in range(2)]
    hubs[0].cli("migrate")
    proxy = Nginx(
        tmp_path / "nginx", [h.port for h in hubs], ca.cert_file, ca.key_file, ca.ca_file, resend_posts=resend
    )
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:  # the two processes start side by side
            list(pool.map(HubProcess.start, hubs))
        proxy.start()
        yield Deployment(ca, pg_cluster.admin_url("deploy"), hubs, proxy)
    finally:
        proxy.stop()
        for hub in hubs:
            hub.close()


def test_a_hub_only_install_brings_neither_flet_nor_sqlcipher(installed_hub: Path) -> None:
    for package in ("flet", "sqlcipher3", "mash-field"):
        shown = _pip("--python", str(installed_hub), "show", package)
        assert (shown.returncode == 0) == (package == "mash-field"), (package, shown.stdout, shown.stderr)
    # The hub that runs is the installed one, not the checkout.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run(
        [str(installed_hub), "-c", "import hub; print(hub.__file__)"],
        capture_output=True, text=True, timeout=60, cwd=installed_hub.parents[1], env=env, check=False,
    )  # fmt: skip
    assert where.stdout.strip().startswith(str(installed_hub.parents[1] / "lib")), where.stderr


def _hub_records(db: str, case_id: UUID) -> dict[str, tuple[str, dict[str, object]]]:
    """The hub's records of the case, read from its database: record id -> (type, fields)."""
    with psycopg.connect(db) as conn:
        rows = conn.execute(
            "SELECT record_id, record_type, fields FROM records WHERE case_id = %s", (str(case_id),)
        ).fetchall()
    assert len(rows) == len({r[0] for r in rows})
    return {r[0]: (r[1], json.loads(r[2])) for r in rows}


@pytest.mark.parametrize("resend", [True, False], ids=["nginx-resends", "the-device-resends"])
def test_a_device_syncs_through_nginx_while_a_hub_process_dies(
    deployment: Deployment, tmp_path: Path, resend: bool
) -> None:
    hub_a, hub_b = deployment.hubs
    proxy = deployment.nginx
    ready = [httpx.get(proxy.base_url + "/readyz", verify=proxy.trust) for _ in range(2)]
    assert [r.status_code for r in ready] == [200, 200], [r.text for r in ready]
    # nginx ended TLS and said so: the hubs believe its X-Forwarded-Proto (HSTS only over HTTPS) and its request id.
    console = httpx.get(proxy.base_url + "/console/sign-in", verify=proxy.trust)
    assert "strict-transport-security" in console.headers, console.headers
    assert len(console.headers["x-request-id"]) == 32  # nginx's $request_id (the hub's own would be a UUID)
    direct = httpx.get(f"http://127.0.0.1:{hub_a.port}/console/sign-in")
    assert "strict-transport-security" not in direct.headers  # plain HTTP straight to the hub: no HSTS
    # The installed hub styles its console from the wheel (no checkout, no node_modules beside it).
    for name in ("govuk-frontend.min.css", "govuk-frontend.min.js"):
        asset = httpx.get(f"{proxy.base_url}/console/assets/{name}", verify=proxy.trust)
        assert asset.status_code == 200, name
        assert len(asset.content) > 10_000, name

    # A health visitor's device, enrolled through nginx, trusting the council's CA by its bundle.
    vault = make_vault(tmp_path / "vault")
    client = HubClient(proxy.base_url, ca_bundle=str(deployment.ca.ca_file), timeout=10.0)
    enrol(vault, client, hub_a.enrol_code("hv-deploy", "health_visitor"), "deploy tablet")
    repo = Repository(vault)
    case_id = repo.save_record("case", new_case("Deploy Child")).id
    for i in range(NOTES):
        repo.save_record("note", new_note(f"deploy note {i}"), case_id=case_id)
        if i % 10 == 0:
            repo.save_record("case", {"school": f"school {i}"}, record_id=case_id)

    # Once the hub has acknowledged KILL_AFTER records, one hub process is frozen (SIGSTOP) until nginx has handed
    # it one of the device's requests, and then SIGKILLed with that request unanswered: nginx must pass it on.
    acknowledged = threading.Event()

    def watch(status: SyncStatus) -> None:
        if status.progress.items_done >= KILL_AFTER:
            acknowledged.set()

    killed: dict[str, int] = {}

    def kill_hub_a() -> None:
        if not acknowledged.wait(timeout=60):
            return
        assert hub_a.proc is not None
        os.killpg(hub_a.proc.pid, signal.SIGSTOP)  # its own process group: the hub (and its worker), nothing else
        deadline = time.monotonic() + 20
        while unread_bytes(hub_a.port) == 0 and time.monotonic() < deadline:
            time.sleep(0.01)  # polling for the request to arrive, not a fixed wait
        killed["unread"] = unread_bytes(hub_a.port)
        killed["served"] = sum(1 for r in proxy.requests() if r.path == "/v1/sync")
        os.killpg(hub_a.proc.pid, signal.SIGKILL)

    engine = SyncEngine(vault, client, settings=EngineSettings(batch_max=3, pull_limit=5, attachments=False))
    engine.subscribe(watch)
    killer = threading.Thread(target=kill_hub_a)
    killer.start()
    try:
        statuses = [engine.sync_once()]
        killer.join(timeout=60)
        assert "served" in killed, "the sync ended before the hub process was killed"
        assert killed["unread"] > 0, "no request of the device was on the hub process when it was killed"
        # The device converges: sync again until a run ends with nothing left to send.
        while not (statuses[-1].state == SyncState.IDLE and statuses[-1].pending == 0) and len(statuses) < 10:
            statuses.append(engine.sync_once())
        assert statuses[-1].state == SyncState.IDLE, statuses
        assert statuses[-1].pending == 0, statuses
        with vault.read() as conn:
            local = {str(r[0]): json.loads(r[1]) for r in conn.execute("SELECT id, body FROM records").fetchall()}
            left = [
                conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("outbox", "conflicts", "rejections")
            ]
    finally:
        killer.join(timeout=60)
        client.close()
        vault.lock()

    # The killed process is dead, and both processes served the device's syncs through nginx before it died.
    assert hub_a.proc is not None
    assert hub_a.proc.wait(timeout=10) == -signal.SIGKILL
    syncs = [r for r in proxy.requests() if r.path == "/v1/sync"]
    before = syncs[: killed["served"]]
    for hub in (hub_a, hub_b):
        assert any(f"127.0.0.1:{hub.port}" in r.upstreams for r in before), (hub.port, syncs)
    # The request the killed process never answered went on to the other one (or came back 502 and the device sent
    # it again); every request after it went to the other one.
    a, b = f"127.0.0.1:{hub_a.port}", f"127.0.0.1:{hub_b.port}"
    after = [(r.upstreams, r.status) for r in syncs[killed["served"] :]]
    lost_answer = ([a, b], 200) if resend else ([a], 502)
    assert after.count(lost_answer) == 1, syncs
    after.remove(lost_answer)
    assert after, syncs
    assert all(answer == ([b], 200) for answer in after), syncs
    failures = [s for s in statuses[:-1] if s.state != SyncState.IDLE]
    assert len(failures) == (0 if resend else 1), statuses  # the device saw the dying hub only if nginx said so

    # Nothing lost, nothing doubled: the hub holds each of the device's records once, with the device's fields.
    assert left == [0, 0, 0]
    hub_records = _hub_records(deployment.db, case_id)
    assert set(hub_records) == set(local)
    assert len(local) == NOTES + 1
    notes = [f["text"] for kind, f in hub_records.values() if kind == "note"]
    assert sorted(notes) == sorted(f"deploy note {i}" for i in range(NOTES))
    for record_id, (_kind, fields) in hub_records.items():
        assert {k: fields.get(k) for k in local[record_id]} == local[record_id], record_id
    assert hub_records[str(case_id)][1]["school"] == f"school {(NOTES - 1) // 10 * 10}"
