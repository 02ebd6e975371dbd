"""Back-in-stock: the friends' requests, and what the product variants need to notice a
restock from inventory_levels/update (the inventory item each variant stands for, whether
stock decides availability, and the available quantity by location).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 07:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

WAITING = sa.text("status = 'waiting'")


def upgrade() -> None:
    op.create_table(
        "back_in_stock_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("friend_id", sa.BigInteger(), nullable=False),
        sa.Column("product_shopify_id", sa.BigInteger(), nullable=False),
        sa.Column("variant_shopify_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["friend_id"], ["line_friends.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_back_in_stock_requests_shop_id", "back_in_stock_requests", ["shop_id"])
    op.create_index("ix_back_in_stock_requests_friend_id", "back_in_stock_requests", ["friend_id"])
    op.create_index(
        "ix_back_in_stock_waiting",
        "back_in_stock_requests",
        ["shop_id", "variant_shopify_id", "status", "created_at"],
    )
    op.create_index(
        "uq_back_in_stock_waiting_friend_variant",
        "back_in_stock_requests",
        ["friend_id", "variant_shopify_id"],
        unique=True,
        sqlite_where=WAITING,
        postgresql_where=WAITING,
    )
    # Plain ADD COLUMNs: SQLite's batch mode would rebuild product_variants.
    op.add_column("product_variants", sa.Column("inventory_item_id", sa.BigInteger(), nullable=True))
    op.add_column("product_variants", sa.Column("stock_tracked", sa.Boolean(), nullable=True))
    op.add_column(
        "product_variants",
        sa.Column(
            "stock_levels", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
    )
    op.create_index("ix_product_variants_shop_inventory_item", "product_variants", ["shop_id", "inventory_item_id"])


def downgrade() -> None:
    op.drop_index("ix_product_variants_shop_inventory_item", table_name="product_variants")
    for column in ("stock_levels", "stock_tracked", "inventory_item_id"):
        op.drop_column("product_variants", column)  # native on SQLite ≥ 3.35, no rebuild
    op.drop_index("uq_back_in_stock_waiting_friend_variant", table_name="back_in_stock_requests")
    op.drop_index("ix_back_in_stock_waiting", table_name="back_in_stock_requests")
    op.drop_index("ix_back_in_stock_requests_friend_id", table_name="back_in_stock_requests")
    op.drop_index("ix_back_in_stock_requests_shop_id", table_name="back_in_stock_requests")
    op.drop_table("back_in_stock_requests")
