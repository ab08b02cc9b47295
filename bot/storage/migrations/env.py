"""Alembic environment: migrates the connection ``Database.migrate`` hands over (online mode only).

To write a new migration: ``alembic -x`` is not needed; copy the newest file in ``versions/``, bump the
revision ids, and write ``upgrade`` by hand (or autogenerate against a scratch database and trim it).
"""

from alembic import context

from bot.storage.tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
