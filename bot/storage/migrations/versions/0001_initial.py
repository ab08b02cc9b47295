"""Subscriptions, knowledge versions and deliveries, insights.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_subscriptions")),
    )
    op.create_table(
        "knowledge_versions",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("live_since", sa.DateTime(), nullable=False),
        sa.Column("news", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_knowledge_versions")),
    )
    op.create_index(op.f("ix_knowledge_versions_live_since"), "knowledge_versions", ["live_since"])
    op.create_table(
        "deliveries",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version"],
            ["knowledge_versions.version"],
            name=op.f("fk_deliveries_version_knowledge_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version", "chat_id", name=op.f("pk_deliveries")),
    )
    op.create_table(
        "intent_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("intent", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "intent", name=op.f("pk_intent_counts")),
    )
    op.create_table(
        "unknown_names",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "name", name=op.f("pk_unknown_names")),
    )


def downgrade() -> None:
    op.drop_table("unknown_names")
    op.drop_table("intent_counts")
    op.drop_table("deliveries")
    op.drop_index(op.f("ix_knowledge_versions_live_since"), table_name="knowledge_versions")
    op.drop_table("knowledge_versions")
    op.drop_table("subscriptions")
