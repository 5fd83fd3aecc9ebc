"""The hub's configuration as an operator sets it: command-line flags, ``MASH_HUB_*`` environment variables, a TOML
file, then the defaults, in that order of precedence (pydantic-settings).

Every setting has one name: the field here, ``--the-field`` on the command line, ``MASH_HUB_THE_FIELD`` in the
environment, ``the_field = ...`` in the file (``--config FILE`` or ``$MASH_HUB_CONFIG``). Structured settings (rate
limits, timescales) are JSON in a flag or variable and tables in the file. ``python -m hub serve`` resolves them once
and hands the whole value to every uvicorn worker (``hub._serve``), so no worker reads a different environment.
docs/deployment.md lists them all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Final, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from hub._errors import AdminError
from hub._ratelimit import DEFAULT_LIMITS, Limit
from hub._settings import Settings, default_db_url
from hub._timescales import DEFAULT_TIMESCALES, Timescale, Timescales, WorkingHours
from protocol import MAX_BODY_BYTES

ENV_PREFIX: Final = "MASH_HUB_"
CONFIG_ENV: Final = "MASH_HUB_CONFIG"
_DAY: Final = 24 * 3600.0

Seconds = Annotated[float, Field(gt=0, le=10 * 365 * _DAY)]


class LimitConfig(BaseModel):
    """Two limits in ``limits`` notation ("20/minute"); an empty string turns one off."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    per_client: str
    per_account: str


class TimescaleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    hours: Annotated[float, Field(gt=0)] | None
    around_the_clock: bool = False


class WorkingHoursConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = [0, 1, 2, 3, 4]
    start: dt.time = dt.time(9, 0)
    end: dt.time = dt.time(17, 0)
    zone: str = "Europe/London"


Action = Literal["enrol", "refresh", "sign_in"]
Rating = Literal["red", "amber", "green", "blue"]


def _default_limits() -> dict[Action, LimitConfig]:
    return {cast(Action, k): LimitConfig(per_client=v.per_client, per_account=v.per_account)
            for k, v in DEFAULT_LIMITS.items()}  # fmt: skip


def _default_timescales() -> dict[Rating, TimescaleConfig]:
    return {cast(Rating, k): TimescaleConfig(hours=v.hours, around_the_clock=v.around_the_clock)
            for k, v in DEFAULT_TIMESCALES.items()}  # fmt: skip


#: Help for every setting, shown by ``--help`` (the flags are made from this table and the fields).
HELP: Final[dict[str, str]] = {
    "db": "database URL, e.g. postgresql+psycopg://hub@db/hub (default: a SQLite file in the platform's data folder)",
    "host": "address to listen on; anything but loopback needs --tls-cert and --tls-key",
    "port": "TCP port to listen on",
    "tls_cert": "TLS certificate file (PEM), to end TLS in the hub itself",
    "tls_key": "TLS private key file (PEM), with --tls-cert",
    "workers": "uvicorn worker processes (each has its own connection pools)",
    "log_level": "least severe log level written (JSON lines on stderr)",
    "access_ttl": "access token lifetime, seconds",
    "refresh_ttl": "refresh token lifetime, seconds (a device idle longer must enrol again)",
    "refresh_grace": "seconds a rotated refresh token may be retried after a lost answer (0: never)",
    "lease": "offline lease, seconds: how long a device may work without reaching the hub",
    "enrol_code_ttl": "default lifetime of a new enrolment code, seconds",
    "max_body_bytes": "largest request body accepted, bytes (before and after gzip)",
    "lane_threads": "threads per lane (reads, writes) in each worker; each lane's pool holds as many connections",
    "pool_size": "database connections per pool (default: --lane-threads)",
    "rate_limits": 'JSON: per action (enrol, refresh, sign_in) {"per_client": "20/minute", "per_account": "5/minute"}',
    "timescales": 'JSON: per rating (red, amber, green, blue) {"hours": 4, "around_the_clock": true}',
    "working_hours": 'JSON: {"weekdays": [0,1,2,3,4], "start": "09:00", "end": "17:00", "zone": "Europe/London"}',
    "decisions_need_sign_off": "a console decision reaches the referrer only once a manager signed it off",
    "repeat_contacts": "repeat referrals: a child with this many referrals within --repeat-days is flagged",
    "repeat_days": "repeat referrals: the window, in days, for --repeat-contacts",
    "instance": "the id GET /v1/instance answers (default: random per start)",
    "forwarded_allow_ips": "comma-separated addresses of reverse proxies whose X-Forwarded-For/-Proto are trusted "
    "(default: none; '*' trusts every peer: never on a reachable port)",
}


class HubConfig(BaseSettings):
    """Every setting of a hub process. Field names are the flags' and the variables' names."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    db: str | None = None
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8000
    tls_cert: Path | None = None
    tls_key: Path | None = None
    workers: Annotated[int, Field(ge=1, le=256)] = 1
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "warning"
    access_ttl: Seconds = Settings.access_ttl_s
    refresh_ttl: Seconds = Settings.refresh_ttl_s
    refresh_grace: Annotated[float, Field(ge=0, le=_DAY)] = Settings.refresh_grace_s
    lease: Seconds = Settings.lease_s
    enrol_code_ttl: Seconds = Settings.enrol_code_ttl_s
    max_body_bytes: Annotated[int, Field(ge=1024, le=1 << 30)] = MAX_BODY_BYTES
    lane_threads: Annotated[int, Field(ge=1, le=512)] = Settings.lane_threads
    pool_size: Annotated[int, Field(ge=1, le=1024)] | None = None
    rate_limits: dict[Action, LimitConfig] = Field(default_factory=lambda: _default_limits())
    timescales: dict[Rating, TimescaleConfig] = Field(default_factory=lambda: _default_timescales())
    working_hours: WorkingHoursConfig = Field(default_factory=WorkingHoursConfig)
    decisions_need_sign_off: bool = True
    repeat_contacts: Annotated[int, Field(ge=2, le=100)] = Settings.repeat_contacts
    repeat_days: Annotated[int, Field(ge=1, le=3650)] = Settings.repeat_days
    instance: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,128}$")] | None = None
    forwarded_allow_ips: str = ""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Flags (passed as init values) beat the environment, which beats the file.
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls)

    @property
    def db_url(self) -> str:
        return self.db or default_db_url()

    def settings(self) -> Settings:
        """The hub's runtime settings. The instance id must be set (``resolved`` does it) for workers to agree."""
        extra: dict[str, Any] = {} if self.instance is None else {"instance_id": self.instance}
        return Settings(
            db_url=self.db_url,
            access_ttl_s=self.access_ttl,
            refresh_ttl_s=self.refresh_ttl,
            refresh_grace_s=self.refresh_grace,
            lease_s=self.lease,
            enrol_code_ttl_s=self.enrol_code_ttl,
            max_body_bytes=self.max_body_bytes,
            lane_threads=self.lane_threads,
            pool_size=self.pool_size,
            rate_limits={k: Limit(v.per_client, v.per_account) for k, v in self.rate_limits.items()},
            timescales=Timescales(
                by_rating={
                    **DEFAULT_TIMESCALES,
                    **{k: Timescale(v.hours, v.around_the_clock) for k, v in self.timescales.items()},
                },
                working=WorkingHours(
                    weekdays=frozenset(self.working_hours.weekdays),
                    start=self.working_hours.start,
                    end=self.working_hours.end,
                    zone=self.working_hours.zone,
                ),
            ),
            decisions_need_sign_off=self.decisions_need_sign_off,
            repeat_contacts=self.repeat_contacts,
            repeat_days=self.repeat_days,
            forwarded_allow_ips=self.forwarded_allow_ips,
            **extra,
        )


def env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def flag_name(field: str) -> str:
    return "--" + field.replace("_", "-")


def load(flags: dict[str, Any], config_file: Path | None = None) -> HubConfig:
    """The configuration from ``flags`` (only those given), the environment and ``config_file`` (or
    ``$MASH_HUB_CONFIG``). Anything invalid is an ``AdminError`` naming the setting by flag and variable."""
    import os

    path = config_file or (Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else None)
    if path is not None and not path.is_file():
        raise AdminError(f"no configuration file at {path}")
    cls: type[HubConfig] = HubConfig
    if path is not None:
        cls = type("HubConfigFromFile", (HubConfig,), {"model_config": {**HubConfig.model_config, "toml_file": path}})
    try:
        return cls(**flags)
    except ValidationError as exc:
        raise AdminError(_explain(exc)) from None
    except ValueError as exc:  # a variable holding JSON that does not parse, a TOML file that does not
        raise AdminError(f"configuration not readable: {exc}") from None


def _explain(exc: ValidationError) -> str:
    lines = ["the configuration is not valid:"]
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        name = loc[0] if loc else "?"
        if error["type"] == "extra_forbidden" and len(loc) == 1:
            lines.append(f"  {name}: not a setting of the hub (see python -m hub serve --help)")
            continue
        where = f"{flag_name(name)} / {env_name(name)}" + (f" ({'.'.join(loc[1:])})" if len(loc) > 1 else "")
        lines.append(f"  {where}: {error['msg']}")
    return "\n".join(lines)
