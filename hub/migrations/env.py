"""Alembic's environment: always online, on the connection ``hub._migrations.migrate`` hands over.

That connection is already inside the write transaction that holds the migration lock, so Alembic adds no
transaction of its own and every revision applied in one run commits (or rolls back) together.
"""

from alembic import context

context.configure(connection=context.config.attributes["connection"], target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
