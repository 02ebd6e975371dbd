"""Rich menus: menus (areas, image or drawing, tab set and alias, LINE's id when published),
the rules saying who sees which menu, and the menu each friend is linked to on LINE.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _text(length: int):
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "rich_menus",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("name", _text(300), nullable=False),
        sa.Column("size", _text(16), nullable=False),
        sa.Column("chat_bar_text", _text(14), nullable=False),
        sa.Column("areas", JSON, nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=True),
        sa.Column("image_type", _text(16), nullable=True),
        sa.Column("drawing", JSON, nullable=True),
        sa.Column("tab_set", _text(64), nullable=True),
        sa.Column("tab_index", sa.Integer(), nullable=False),
        sa.Column("alias_id", _text(32), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("status", _text(16), nullable=False),
        sa.Column("line_rich_menu_id", _text(64), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("publish_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "alias_id", name="uq_rich_menus_shop_alias"),
    )
    op.create_index("ix_rich_menus_shop_id", "rich_menus", ["shop_id"], unique=False)

    op.create_table(
        "rich_menu_rules",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("menu_id", sa.BigInteger(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("kind", _text(16), nullable=False),
        sa.Column("segment_id", sa.BigInteger(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["menu_id"], ["rich_menus.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["segment_id"], ["segments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rich_menu_rules_shop_id", "rich_menu_rules", ["shop_id"], unique=False)
    op.create_index("ix_rich_menu_rules_menu_id", "rich_menu_rules", ["menu_id"], unique=False)

    op.create_table(
        "rich_menu_links",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("friend_id", sa.BigInteger(), nullable=False),
        sa.Column("line_rich_menu_id", _text(64), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["friend_id"], ["line_friends.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("friend_id", name="uq_rich_menu_links_friend"),
    )
    op.create_index("ix_rich_menu_links_shop_id", "rich_menu_links", ["shop_id"], unique=False)
    op.create_index("ix_rich_menu_links_shop_menu", "rich_menu_links", ["shop_id", "line_rich_menu_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_rich_menu_links_shop_menu", table_name="rich_menu_links")
    op.drop_index("ix_rich_menu_links_shop_id", table_name="rich_menu_links")
    op.drop_table("rich_menu_links")
    op.drop_index("ix_rich_menu_rules_menu_id", table_name="rich_menu_rules")
    op.drop_index("ix_rich_menu_rules_shop_id", table_name="rich_menu_rules")
    op.drop_table("rich_menu_rules")
    op.drop_index("ix_rich_menus_shop_id", table_name="rich_menus")
    op.drop_table("rich_menus")
