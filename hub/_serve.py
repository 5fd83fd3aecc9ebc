"""The app factory uvicorn imports in each worker process (``--workers N`` needs an import string, not an app).

``python -m hub serve`` puts the settings in ``MASH_HUB_SERVE`` (JSON) before starting uvicorn; every worker
process builds its own app (and its own connection pools) from them.
"""

from __future__ import annotations

import json
import os
from typing import Final

from fastapi import FastAPI

from hub._app import create_app
from hub._settings import Settings

ENV: Final = "MASH_HUB_SERVE"


def settings_to_env(settings: Settings) -> str:
    return json.dumps(
        {
            "db_url": settings.db_url,
            "access_ttl_s": settings.access_ttl_s,
            "lease_s": settings.lease_s,
            "refresh_grace_s": settings.refresh_grace_s,
            "instance_id": settings.instance_id,
        }
    )


def app_from_env() -> FastAPI:
    values = json.loads(os.environ[ENV])
    return create_app(
        Settings(
            db_url=str(values["db_url"]),
            access_ttl_s=float(values["access_ttl_s"]),
            lease_s=float(values["lease_s"]),
            refresh_grace_s=float(values.get("refresh_grace_s", Settings.refresh_grace_s)),
            instance_id=str(values["instance_id"]),
        )
    )
