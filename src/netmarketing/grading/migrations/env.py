"""Alembic environment of the course kit's own tables in the gradebook database.

nbgrader migrates its tables with its own alembic history (``alembic_version``); the
course kit keeps a separate history in ``netmarketing_alembic_version`` so the two never
step on each other. Run through :func:`netmarketing.grading.ledger.upgrade`.
"""

from alembic import context

from netmarketing.grading.ledger import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(connection=connection, version_table=VERSION_TABLE, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
