"""The app factory uvicorn imports in each worker process (``--workers N`` needs an import string, not an app).

``python -m hub serve`` resolves the whole configuration once (flags, environment, file: ``hub._config``) and puts it
in ``MASH_HUB_SERVE`` (JSON) before starting uvicorn; every worker process builds its own app (and its own
connection pools) from exactly that value, every setting included, and reads nothing else from its environment.
"""

from __future__ import annotations

import os
from typing import Final

from fastapi import FastAPI

from hub._app import create_app
from hub._config import HubConfig

ENV: Final = "MASH_HUB_SERVE"


def settings_to_env(config: HubConfig) -> str:
    return config.model_dump_json()


def config_from_env(text: str) -> HubConfig:
    # model_validate_json validates the value alone: no environment or file source is read again in the worker.
    return HubConfig.model_validate_json(text)


def app_from_env() -> FastAPI:
    return create_app(config_from_env(os.environ[ENV]).settings())
