"""``python -m fieldapp [--web] [--port N] [--data-dir DIR] [--hub-url URL]``."""

from fieldapp._app import cli

cli()
