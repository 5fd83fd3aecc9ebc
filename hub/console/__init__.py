"""The MASH console: server-rendered pages where hub staff screen, rate and decide (mounted at ``/console``).

Pages call the hub's core functions (``hub._signin``, ``hub._screening``, ``hub._queue``, ...), which check
authorisation themselves; no business rule lives in a route or a template. Assets: GOV.UK Frontend's compiled CSS
and JS from ``node_modules/govuk-frontend/dist/govuk`` (``npm ci`` in ``make install``) and ``static/``.
"""

from hub.console._mount import mount

__all__ = ["mount"]
