"""Configuration: flags, MASH_HUB_* variables, a TOML file and defaults, in that order; one name per setting; every
worker gets every setting; mistakes named plainly."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import httpx
import pytest

from hub import _cli
from hub._config import HELP, HubConfig, env_name, flag_name, load
from hub._errors import AdminError
from hub._serve import config_from_env, settings_to_env
from tests.support.hubproc import ROOT, HubProcess

_DEPLOYMENT = (ROOT / "docs" / "deployment.md").read_text()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in HubConfig.model_fields:
        monkeypatch.delenv(env_name(name), raising=False)
    monkeypatch.delenv("MASH_HUB_CONFIG", raising=False)


def test_a_flag_beats_the_environment_which_beats_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    file = tmp_path / "hub.toml"
    file.write_text('access_ttl = 300\nlease = 3600\nport = 9000\n[rate_limits.enrol]\nper_client = "7/minute"\n'
                    'per_account = "2/minute"\n')  # fmt: skip
    monkeypatch.setenv("MASH_HUB_LEASE", "7200")
    monkeypatch.setenv("MASH_HUB_PORT", "9100")
    config = load({"port": "9200"}, file)
    assert (config.access_ttl, config.lease, config.port) == (300, 7200, 9200)
    assert config.rate_limits["enrol"].per_client == "7/minute"
    assert config.refresh_grace == HubConfig().refresh_grace  # untouched: the default
    monkeypatch.setenv("MASH_HUB_CONFIG", str(file))  # the file named by the environment instead of --config
    assert load({}).access_ttl == 300


def test_structured_settings_come_as_json_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASH_HUB_TIMESCALES", '{"amber": {"hours": 8}}')
    monkeypatch.setenv("MASH_HUB_WORKING_HOURS", '{"start": "08:00", "end": "18:00"}')
    settings = load({}).settings()
    assert settings.timescales.by_rating["amber"].hours == 8
    assert settings.timescales.by_rating["red"].hours == 4  # the ratings not named keep their defaults
    assert settings.timescales.working.start == dt.time(8, 0)


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("MASH_HUB_PORT", "eighty", "--port / MASH_HUB_PORT"),
        ("MASH_HUB_ACCESS_TTL", "-5", "--access-ttl / MASH_HUB_ACCESS_TTL"),
        ("MASH_HUB_RATE_LIMITS", '{"enrol": {"per_client": "1/minute"}}', "--rate-limits / MASH_HUB_RATE_LIMITS"),
        ("MASH_HUB_LOG_LEVEL", "chatty", "--log-level / MASH_HUB_LOG_LEVEL"),
    ],
)
def test_a_bad_value_is_named_by_its_flag_and_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(AdminError, match=named):
        load({})


def test_a_missing_or_broken_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(AdminError, match="no configuration file at"):
        load({}, tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("access_ttl = = 3\n")
    with pytest.raises(AdminError, match="not readable"):
        load({}, broken)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("acess_ttl = 3\n")  # a typo is refused, not ignored
    with pytest.raises(AdminError, match="acess_ttl: not a setting"):
        load({}, unknown)


def test_every_worker_gets_every_setting_and_reads_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    config = HubConfig(db="sqlite:////tmp/x.sqlite3", access_ttl=61, refresh_ttl=3601, refresh_grace=7, lease=99,
                       enrol_code_ttl=3602, max_body_bytes=2048, lane_threads=3, pool_size=5, instance="hub-a",
                       rate_limits={"enrol": {"per_client": "9/minute", "per_account": ""}},
                       timescales={"green": {"hours": 48}}, working_hours={"zone": "Europe/Dublin"},
                       decisions_need_sign_off=False, forwarded_allow_ips="10.0.0.5")  # fmt: skip
    monkeypatch.setenv("MASH_HUB_ACCESS_TTL", "5")  # a worker's own environment changes nothing
    assert config_from_env(settings_to_env(config)) == config
    worker = config_from_env(settings_to_env(config)).settings()
    parent = config.settings()
    assert worker == parent
    assert (worker.access_ttl_s, worker.pool_size, worker.forwarded_allow_ips) == (61, 5, "10.0.0.5")
    assert worker.timescales.working.zone == "Europe/Dublin"


def test_every_setting_has_a_flag_a_variable_help_and_a_line_in_the_deployment_guide() -> None:
    parser = _cli._parser()
    subcommands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    serve_help = subcommands.choices["serve"].format_help()
    for name in HubConfig.model_fields:
        assert HELP[name]
        assert env_name(name) in _DEPLOYMENT, f"docs/deployment.md does not list {env_name(name)}"
        if name != "db":
            assert flag_name(name) in serve_help


def test_every_command_line_option_is_explained() -> None:
    def walk(parser: object) -> list[tuple[str, object]]:
        found = []
        for action in parser._actions:  # type: ignore[attr-defined]
            if action.choices and isinstance(action.choices, dict):
                for name, sub in action.choices.items():
                    found += [(f"{name} {n}", a) for n, a in walk(sub)]
            elif action.dest not in ("help", "version", "command", "action"):
                found.append((action.dest, action))
        return found

    unexplained = [name for name, action in walk(_cli._parser()) if not action.help]  # type: ignore[attr-defined]
    assert unexplained == []


def test_db_goes_before_or_after_the_command_and_there_is_a_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    assert _cli.main(["migrate", "--db", url]) == 0
    assert _cli.main(["users", "create", "hv1", "--name", "H V", "--role", "health_visitor", "--org", "O",
                      "--db", url]) == 0  # fmt: skip
    assert _cli.main(["--db", url, "users", "list"]) == 0
    assert "hv1" in capsys.readouterr().out
    missing = f"sqlite:///{tmp_path / 'nope.sqlite3'}"
    assert _cli.main(["users", "list", "--db", missing]) == 1
    assert "nope.sqlite3" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        _cli.main(["--version"])
    assert done.value.code == 0
    assert "mash-hub" in capsys.readouterr().out


def test_a_bad_setting_stops_serve_with_a_plain_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MASH_HUB_WORKERS", "0")
    assert _cli.main(["serve"]) == 1
    assert "--workers / MASH_HUB_WORKERS" in capsys.readouterr().err


@pytest.mark.slow
def test_two_workers_both_serve_with_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MASH_HUB_ACCESS_TTL", "123")
    monkeypatch.setenv("MASH_HUB_LEASE", "4567")
    with HubProcess(f"sqlite:///{tmp_path / 'hub.sqlite3'}", extra_args=("--workers", "2"), start_timeout=120) as hub:
        hub.cli("users", "create", "hv1", "--name", "H V", "--role", "health_visitor", "--org", "O")
        for _ in range(4):  # a new connection each time: the kernel spreads them over both workers
            code = hub.cli("enrol-code", "hv1").strip()
            started = time.time()
            with httpx.Client(base_url=hub.base_url) as client:
                creds = client.post("/v1/enrol", json={"code": code, "device_name": "t"}).json()
            expires = dt.datetime.fromisoformat(creds["access_expires_at"]).timestamp()
            lease = dt.datetime.fromisoformat(creds["lease_expires_at"]).timestamp()
            assert 123 - 5 <= expires - started <= 123 + 5
            assert 4567 - 5 <= lease - started <= 4567 + 5
