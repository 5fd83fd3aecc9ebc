"""Fixtures for the hub suite. Every test that takes ``db_url`` runs twice: on SQLite and on PostgreSQL.

PostgreSQL: one throwaway cluster per session (started only if a postgres test runs), a migrated template database,
and a fresh copy of it per test (CREATE DATABASE ... TEMPLATE: about 0.1 s).
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hub import Settings, create_app
from hub._admin import create_user, enrol_code
from hub._db import Database
from hub._migrations import migrate
from tests.hub._asgi import PortalTransport
from tests.hub._records import case_fields, referral_fields
from tests.support.postgres import PostgresCluster

_TEMPLATE = "hub_template"
_names = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    # Durability is not under test here (it is in the bench, which keeps fsync on): skip the disk flushes.
    with PostgresCluster(settings={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}) as cluster:
        db = Database(cluster.create_database(_TEMPLATE), pool_size=1)
        migrate(db)
        db.dispose()
        yield cluster


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"t{next(_names)}", template=_TEMPLATE)


class Clock:
    """A clock tests move by hand (token expiry without sleeping)."""

    def __init__(self) -> None:
        self.now = time.time()  # admin functions (codes) use the wall clock; tests move this one forward

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(db_url: str, clock: Clock) -> Iterator[FastAPI]:
    app = create_app(Settings(db_url=db_url, clock=clock, lane_threads=4))
    yield app
    app.state.db.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[httpx.Client]:
    transport = PortalTransport(app)
    with httpx.Client(transport=transport, base_url="http://hub") as client:
        yield client


@dataclass
class Device:
    """An enrolled device as tests use it."""

    client: httpx.Client
    username: str
    creds: dict[str, Any]
    cursor: int = 0
    seen: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.creds['access_token']}"}

    def sync(self, *mutations: dict[str, Any], cursor: int | None = None, limit: int = 1000) -> httpx.Response:
        body = {"mutations": list(mutations), "cursor": self.cursor if cursor is None else cursor, "pull_limit": limit}
        return self.client.post("/v1/sync", json=body, headers=self.headers)

    def push(self, *mutations: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.client.post("/v1/push", json={"mutations": list(mutations)}, headers=self.headers)
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    def pull_all(self) -> list[dict[str, Any]]:
        """Pull every page from the current cursor; remember the latest state of each record."""
        got: list[dict[str, Any]] = []
        while True:
            response = self.client.get("/v1/pull", params={"cursor": self.cursor, "limit": 50}, headers=self.headers)
            assert response.status_code == 200, response.text
            page = response.json()
            got += page["changes"]
            for change in page["changes"]:
                self.seen[change["record_id"]] = change
            self.cursor = page["cursor"]
            if not page["more"]:
                return got


class Hub:
    """Administration of the in-process hub (the CLI's functions) and enrolment of test devices."""

    def __init__(self, app: FastAPI, client: httpx.Client) -> None:
        self.app = app
        self.db: Database = app.state.db
        self.client = client

    def user(
        self, username: str, role: str, ods: str | None = None, org: str = "Devon MASH", registration: str | None = None
    ) -> str:
        """A user whose display name is the username in capitals."""
        return create_user(
            self.db, username, username.upper(), role, org, ods, exist_ok=True, registration=registration
        ).user_id

    def device(
        self, username: str, role: str = "health_visitor", ods: str | None = None, registration: str | None = None
    ) -> Device:
        if role == "gp" and ods is None:
            ods = "A81001"
        self.user(username, role, ods, registration=registration)
        code = enrol_code(self.db, username)
        response = self.client.post("/v1/enrol", json={"code": code, "device_name": f"{username}-tablet"})
        assert response.status_code == 200, response.text
        return Device(self.client, username, response.json())


@pytest.fixture
def hub(app: FastAPI, client: httpx.Client) -> Hub:
    return Hub(app, client)


def new_id() -> str:
    return str(uuid.uuid4())


def mutation(
    record_type: str,
    fields: dict[str, Any],
    *,
    case_id: str | None = None,
    record_id: str | None = None,
    base: int = 0,
    mutation_id: str | None = None,
) -> dict[str, Any]:
    record_id = record_id or new_id()
    return {
        "mutation_id": mutation_id or new_id(),
        "record_id": record_id,
        "record_type": record_type,
        "case_id": case_id or (record_id if record_type == "case" else new_id()),
        "base_version": base,
        "fields": fields,
    }


def new_case(fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """A case create; ``fields`` are laid over a minimal valid case (child_name, NHS number not known)."""
    return mutation("case", case_fields(**(fields or {})))


def new_referral(case_id: str, by: str = "HV1") -> dict[str, Any]:
    """A referral written by the test user whose display name is ``by`` (the hub checks its author fields)."""
    return mutation("referral", referral_fields(case_id, by=by), case_id=case_id)
