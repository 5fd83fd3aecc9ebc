"""The MASH hub: the reference server that field devices sync with (see docs/protocol.md).

    app = hub.create_app(hub.Settings(db_url="sqlite:///hub.sqlite3"))

or from a shell: ``python -m hub --db URL serve --host 127.0.0.1 --port 8000``.
"""

from hub._app import create_app
from hub._errors import AdminError, ApiError, HubError
from hub._settings import Settings, default_db_url

__all__ = ["AdminError", "ApiError", "HubError", "Settings", "create_app", "default_db_url"]
