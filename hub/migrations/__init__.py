"""Alembic's script directory for the hub's schema (``hub/_migrations.py`` runs it; there is no alembic.ini)."""
