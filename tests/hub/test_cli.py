"""The administration CLI, as an administrator runs it: ``python -m hub --db URL ...`` in a subprocess."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.hub._records import case_fields, referral_fields
from tests.support.hubproc import ROOT, HubError, HubProcess

pytestmark = pytest.mark.slow


def test_cli_round_trip(db_url: str) -> None:
    proc = HubProcess(db_url)  # not started: the CLI works on the database alone
    try:
        first = proc.cli("migrate")  # PostgreSQL databases here are copies of a migrated template
        assert first in (
            "applied migrations: 0001, 0002, 0003, 0004, 0005, 0006, 0007, 0008, 0009, 0010, 0011, 0012, 0013\n",
            "schema up to date\n",
        )
        assert proc.cli("migrate") == "schema up to date\n"
        demo = proc.cli("demo")
        codes = dict(line.split(": ") for line in demo.splitlines() if line.startswith("enrolment code for"))
        assert {k.split()[-1] for k in codes} == {"hv1", "gp1", "nurse1", "staff1", "admin1"}
        listed = proc.cli("users", "list")
        assert "gp1" in listed
        assert "A81001" in listed
        with pytest.raises(HubError, match="needs --ods"):
            proc.cli("users", "create", "gp9", "--name", "G", "--role", "gp", "--org", "P")
        with pytest.raises(HubError, match="already exists"):
            proc.cli("users", "create", "hv1", "--name", "H", "--role", "gp", "--org", "P", "--ods", "A81001")
        made_staff = proc.cli(
            "users", "create", "plym9", "--name", "P", "--role", "hub_staff", "--org", "Plymouth MASH",
            "--authority", "plymouth",
        )  # fmt: skip
        assert made_staff.startswith("created plym9")
        with pytest.raises(HubError, match="--authority: one of"):
            proc.cli("users", "create", "x9", "--name", "X", "--role", "hub_staff", "--org", "X", "--authority", "mars")
        case_id = str(uuid.uuid4())
        made = proc.cli(
            "requests", "create", "--practice", "B82002", "--child-name", "Sam", "--child-dob", "2020-02-02",
            "--adult", "Pat;1980-01-01;father", "--rag", "green", "--question", "Known?", "--question", "Seen?",
            "--by", "staff1", "--case", case_id,
        )  # fmt: skip
        reference = made.split()[0]
        assert reference.startswith("IR-")
        request_id = made.split()[1]
        columns = [line.split("  ") for line in proc.cli("requests", "list", "--practice", "B82002").splitlines()]
        listed_here = [(c[0], c[1], c[2], c[4], c[5]) for c in columns]
        assert listed_here == [(reference, "B82002", "green", request_id, case_id)]
        others = [line.split("  ") for line in proc.cli("requests", "list", "--practice", "A81001").splitlines()]
        assert len(others) == 1  # the demo's request, and only it
        assert others[0][1] == "A81001"
        assert others[0][0].startswith("IR-")
        assert others[0][0] != reference
        assert proc.cli("responses", "list") == ""
        with pytest.raises(HubError, match="only health visitors"):
            proc.cli("cases", "assign", case_id, "gp1")
        assert proc.cli("cases", "assign", case_id, "hv1") == f"assigned {case_id} to hv1 (1 records to pull)\n"
        assert proc.cli("cases", "assign", case_id, "hv1") == f"assigned {case_id} to hv1 (0 records to pull)\n"
        code = proc.cli("enrol-code", "hv1").strip()
        assert len(code) == 14
        trail = json.loads(proc.cli("audit", "--json", "--limit", "500"))
        actions = {row["action"] for row in trail}
        assert {"users.create", "requests.create", "enrol_code.issue", "cases.assign"} <= actions
    finally:
        proc.close()


def test_devices_referrals_and_revocation_through_the_cli(db_url: str) -> None:
    with HubProcess(db_url) as proc:
        code = proc.enrol_code("hv1", "health_visitor")
        creds = httpx.post(proc.base_url + "/v1/enrol", json={"code": code, "device_name": "field tablet"}).json()
        headers = {"Authorization": f"Bearer {creds['access_token']}"}
        case_id = str(uuid.uuid4())
        referral_id = str(uuid.uuid4())
        mutations = [
            {"mutation_id": str(uuid.uuid4()), "record_id": case_id, "record_type": "case", "case_id": case_id,
             "base_version": 0, "fields": case_fields()},
            {"mutation_id": str(uuid.uuid4()), "record_id": referral_id, "record_type": "referral",
             "case_id": case_id, "base_version": 0, "fields": referral_fields(case_id)},
        ]  # fmt: skip
        body = httpx.post(proc.base_url + "/v1/sync", json={"mutations": mutations}, headers=headers).json()
        reference = body["results"][1]["receipt"]["hub_reference"]
        listed = proc.cli("referrals", "list")
        assert reference in listed
        assert "Torbay Council" in listed
        assert "received" in listed
        proc.cli("referrals", "move", reference, "triaged")
        with pytest.raises(HubError, match="only move forward"):
            proc.cli("referrals", "move", reference, "received")
        assert "triaged" in proc.cli("referrals", "list", "--status", "triaged")
        change = httpx.get(proc.base_url + "/v1/pull", params={"cursor": body["cursor"]}, headers=headers).json()
        assert change["changes"][0]["hub"]["status"] == "triaged"
        devices = proc.cli("devices", "list")
        assert creds["device_id"] in devices
        assert "active" in devices
        proc.cli("devices", "revoke", creds["device_id"])
        assert "revoked" in proc.cli("devices", "list", "--user", "hv1")
        refused = httpx.post(proc.base_url + "/v1/sync", json={}, headers=headers)
        assert refused.json()["code"] == "device_revoked"
        audit = proc.cli("audit")
        assert "devices.revoke" in audit
        assert "referrals.move" in audit


def test_serve_refuses_plain_http_off_loopback(tmp_path: object) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hub", "--db", "sqlite:///:memory:", "serve", "--host", "0.0.0.0", "--port", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "refusing plain HTTP" in done.stderr


def test_serve_with_tls(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    with HubProcess(tls=(str(cert_file), str(key_file))) as proc:
        assert proc.base_url.startswith("https://")
        trusted = ssl.create_default_context(cafile=str(cert_file))
        assert httpx.get(proc.base_url + "/healthz", verify=trusted).json() == {"ok": True}
        # The server is there and hangs up on plain HTTP (a ConnectError or a timeout would prove nothing).
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            httpx.get(proc.base_url.replace("https://", "http://") + "/healthz", timeout=5)
