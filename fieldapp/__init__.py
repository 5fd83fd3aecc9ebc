"""fieldapp: the Flet field app, and the only place where the vault, the sync engine and the forms engine meet.

Layout::

    _config.py     AppConfig from the command line and environment (data folder, hub URL, web mode, test switches)
    _services.py   Services: the ONE wiring place (vault, repository, sync engine, enrolment, idle lock, events)
    _shell.py      one window / browser session: routes, guards, the lock, events moved onto the page's loop
    _routes.py     the route table (pure Python)
    state/         each screen's logic as plain Python classes, tested without Flet
    views/         one module per screen; views/_renderer.py is the only place forms meet Flet
    _app.py        run(config) / cli(argv): ``python -m fieldapp [--web] [--port N] [--data-dir D] [--hub-url U]``

Errors: fieldapp defines no exceptions of its own. User input never raises: the state classes turn the vault's
(``sync._errors``), the sync client's (``sync._errors_sync``) and the forms engine's answers into plain messages.
"""

from fieldapp._app import cli, run
from fieldapp._config import AppConfig, parse_config
from fieldapp._services import Event, Services, UnlockOutcome, VaultStatus

__all__ = ["AppConfig", "Event", "Services", "UnlockOutcome", "VaultStatus", "cli", "parse_config", "run"]
