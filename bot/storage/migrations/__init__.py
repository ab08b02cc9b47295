"""Alembic migrations, run by ``Database.migrate`` on start (there is no alembic.ini: the bot runs them)."""
