"""Tests of the hub (hub/), on SQLite and on PostgreSQL."""
