"""Friend sources (流入経路): the sources, their visits, their daily counts, and on the friend the first source,
when it came, and the tags sources gave.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

BIG_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FRIEND_SOURCE_FK = "fk_line_friends_source_id_friend_sources"


def upgrade() -> None:
    op.create_table(
        "friend_sources",
        sa.Column("id", BIG_PK, nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=True),
        sa.Column("greeting", sa.Text(), nullable=True),
        sa.Column("sequence_id", sa.BigInteger(), nullable=True),
        sa.Column("cost_yen", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "slug", name="uq_friend_sources_shop_slug"),
    )
    op.create_index("ix_friend_sources_shop_id", "friend_sources", ["shop_id"])
    op.create_table(
        "friend_source_visits",
        sa.Column("id", BIG_PK, nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip_hash", sa.String(length=64), nullable=False),
        sa.Column("route", sa.String(length=16), nullable=False),
        sa.Column("login_nonce", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("line_friend_id", sa.BigInteger(), nullable=True),
        sa.Column("greeted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_id"], ["friend_sources.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["line_friend_id"], ["line_friends.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_friend_source_visits_shop_id", "friend_source_visits", ["shop_id"])
    op.create_index("ix_friend_source_visits_line_friend_id", "friend_source_visits", ["line_friend_id"])
    op.create_index("ix_friend_source_visits_source_visited", "friend_source_visits", ["source_id", "visited_at"])
    op.create_index("ix_friend_source_visits_flood", "friend_source_visits", ["shop_id", "ip_hash", "visited_at"])
    op.create_index("ix_friend_source_visits_resolved", "friend_source_visits", ["source_id", "outcome", "resolved_at"])
    op.create_index("ix_friend_source_visits_pending", "friend_source_visits", ["shop_id", "resolved_at", "visited_at"])
    op.create_table(
        "friend_source_days",
        sa.Column("id", BIG_PK, nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("new_friends", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_id"], ["friend_sources.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "day", name="uq_friend_source_days_source_day"),
    )
    op.create_index("ix_friend_source_days_shop_id", "friend_source_days", ["shop_id"])
    with op.batch_alter_table("line_friends", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("source_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("tags", sa.Text(), nullable=True))
        batch_op.create_index("ix_line_friends_source", ["source_id"], unique=False)
        batch_op.create_foreign_key(FRIEND_SOURCE_FK, "friend_sources", ["source_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("line_friends", schema=None) as batch_op:
        batch_op.drop_constraint(FRIEND_SOURCE_FK, type_="foreignkey")
        batch_op.drop_index("ix_line_friends_source")
        batch_op.drop_column("tags")
        batch_op.drop_column("source_at")
        batch_op.drop_column("source_id")
    op.drop_table("friend_source_days")
    op.drop_table("friend_source_visits")
    op.drop_table("friend_sources")
