"""The sync client checks the hub's certificate against the operating system's trust store (so a council's internal
CA works once IT installs it), or against a CA bundle the user names; an untrusted hub is said so plainly."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync import HubClient, HubNotTrusted, HubRefused
from tests.support.hubproc import ROOT, HubProcess
from tests.support.testca import CertificateAuthority, make_test_ca

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tls_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HubProcess, CertificateAuthority]]:
    ca = make_test_ca(tmp_path_factory.mktemp("ca"))
    with HubProcess(tls=(str(ca.cert_file), str(ca.key_file)), tls_trust=str(ca.ca_file)) as hub:
        yield hub, ca


def test_a_hub_whose_ca_is_given_is_reached(tls_hub: tuple[HubProcess, CertificateAuthority]) -> None:
    hub, ca = tls_hub
    client = HubClient(hub.base_url, ca_bundle=str(ca.ca_file))
    try:
        with pytest.raises(HubRefused, match="enrolment"):  # the hub answered: TLS held
            client.enrol("WRONG-CODE-1234", "tablet")
    finally:
        client.close()


def test_a_hub_whose_ca_is_not_trusted_is_said_so(
    tls_hub: tuple[HubProcess, CertificateAuthority], tmp_path: Path
) -> None:
    hub, _ = tls_hub
    other = make_test_ca(tmp_path)  # a CA, but not the hub's
    for client in (HubClient(hub.base_url, ca_bundle=str(other.ca_file)), HubClient(hub.base_url)):
        try:
            with pytest.raises(HubNotTrusted, match="certificate is not trusted"):
                client.enrol("WRONG-CODE-1234", "tablet")
        finally:
            client.close()


def test_the_system_trust_store_is_used_by_default(tls_hub: tuple[HubProcess, CertificateAuthority]) -> None:
    """truststore reads the system's store; OpenSSL's SSL_CERT_FILE points the store at the test CA here."""
    hub, ca = tls_hub
    script = textwrap.dedent(
        f"""
        from sync import HubClient, HubRefused
        client = HubClient({hub.base_url!r})
        try:
            client.enrol("WRONG-CODE-1234", "tablet")
        except HubRefused:
            print("answered")
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SSL_CERT_FILE": str(ca.ca_file)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "answered", done.stderr
