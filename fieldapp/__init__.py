"""fieldapp: the Flet field app, and the only place where the vault, the sync engine and the forms engine meet.

Layout::

    _config.py        AppConfig from the command line and environment (data folder, hub URL, web mode, test switches)
    _services.py      Services: the ONE wiring place; it composes the parts below and is what the screens are given
    _vault_keeper.py  the vault, each session's lock, the idle lock, the repository while unlocked
    _sync_runner.py   the sync engine's lifecycle and last status
    _enrolment.py     who the device is enrolled for; enrolling (again)
    _photo_store.py   photographs into the vault
    _preferences.py   the idle-lock time kept in the vault
    _events.py        what the screens hear (locked, unlocked, erased, sync status, data changed)
    _shell.py         one window / browser session: routes, guards, the lock, events moved onto the page's loop
    _routes.py        the route table (pure Python)
    state/            each screen's logic as plain Python classes, tested without Flet; each takes the narrow
                      protocol of what it uses (state/needs.py), never Services itself
    views/            one module per screen; views/_renderer.py is the only place forms meet Flet
    _app.py           run(config) / cli(argv): ``python -m fieldapp [--web] [--port N] [--data-dir D] [--hub-url U]``

Errors: fieldapp defines no exceptions of its own. User input never raises: the state classes turn the vault's
(``sync._errors``), the sync client's (``sync._errors_sync``) and the forms engine's answers into plain messages.
"""

from fieldapp._app import cli, run
from fieldapp._config import AppConfig, parse_config
from fieldapp._events import Event
from fieldapp._services import Services
from fieldapp._vault_keeper import UnlockOutcome, VaultStatus

__all__ = ["AppConfig", "Event", "Services", "UnlockOutcome", "VaultStatus", "cli", "parse_config", "run"]
