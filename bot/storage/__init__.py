"""What the bot remembers between messages and across replicas: subscriptions, announcements, insights.

SQLAlchemy 2 (async) over SQLite (aiosqlite, the default) or PostgreSQL (asyncpg); the schema is created
and migrated by Alembic when the bot starts.
"""

from bot.storage.database import Database, StorageStartError, StorageUnavailable, upsert

__all__ = ["Database", "StorageStartError", "StorageUnavailable", "upsert"]
