"""The tables, as SQLAlchemy typed declarative models.

Nothing here identifies a person: chats appear only because they subscribed (their id is needed to send
the news), and insights are counts per day with the normalised unknown name, never who asked or in which chat.
Datetimes are naive UTC, the same on SQLite and PostgreSQL.
"""

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints, so Alembic migrations can refer to them on every backend.
NAMING = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Subscription(Base):
    """A chat that receives new-model announcements, in the language of whoever subscribed it."""

    __tablename__ = "subscriptions"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    lang: Mapped[str] = mapped_column(String(2))
    since: Mapped[datetime] = mapped_column(DateTime)


class KnowledgeVersion(Base):
    """A knowledge version that went live (content hash of the files), and the model ids it brought news of."""

    __tablename__ = "knowledge_versions"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    live_since: Mapped[datetime] = mapped_column(DateTime, index=True)
    news: Mapped[dict[str, list[str]]] = mapped_column(JSON)  # {"added": [model id …], "changed": […]}


class Delivery(Base):
    """One announcement to one chat: claimed before sending, then sent (or gone: the chat blocked the bot).

    The primary key is what makes an announcement go out once per chat and version, whichever replica
    sends it; a claim that was never finished (a crash mid-send) is taken over after ``claimed_at`` + lease.
    """

    __tablename__ = "deliveries"

    version: Mapped[str] = mapped_column(
        String(64), ForeignKey("knowledge_versions.version", ondelete="CASCADE"), primary_key=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    state: Mapped[str] = mapped_column(String(8))  # claimed | sent | gone
    claimed_at: Mapped[datetime] = mapped_column(DateTime)


class IntentCount(Base):
    """How many questions were answered with each intent on one (UTC) day."""

    __tablename__ = "intent_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    intent: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class UnknownName(Base):
    """How often a name the knowledge lacks was asked about on one day (normalised text of the name only)."""

    __tablename__ = "unknown_names"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
