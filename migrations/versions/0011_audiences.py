"""Audiences: saved segments, the customer's prefecture (default address), and the
indexes a live count reads (who ordered in a period).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEXES = [
    ("customers", "ix_customers_shop_total_spent", ["shop_id", "total_spent"]),
    ("customers", "ix_customers_shop_orders_count", ["shop_id", "orders_count"]),
    ("customers", "ix_customers_shop_province", ["shop_id", "province_code"]),
    ("line_friends", "ix_line_friends_audience", ["shop_id", "is_blocked", "marketing_opt_out_at", "customer_id"]),
    ("orders", "ix_orders_shop_processed_customer", ["shop_id", "processed_at", "customer_shopify_id", "cancelled_at"]),
    ("order_line_items", "ix_order_line_items_shop_product_order", ["shop_id", "product_shopify_id", "order_id"]),
]


def upgrade() -> None:
    op.create_table(
        "segments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "definition", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("size_linked", sa.Integer(), nullable=True),
        sa.Column("size_unlinked", sa.Integer(), nullable=True),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "name", name="uq_segments_shop_name"),
    )
    op.create_index("ix_segments_shop_id", "segments", ["shop_id"], unique=False)

    # A plain ADD COLUMN: SQLite's batch mode would rebuild customers, and with it (foreign
    # keys being on) every row that references a customer.
    op.add_column("customers", sa.Column("province_code", sa.String(length=16), nullable=True))
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    # The new line-item index starts with the old one's columns: it serves the same queries.
    op.drop_index("ix_order_line_items_shop_product", table_name="order_line_items")


def downgrade() -> None:
    op.create_index("ix_order_line_items_shop_product", "order_line_items", ["shop_id", "product_shopify_id"])
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_column("customers", "province_code")  # native on SQLite ≥ 3.35, no rebuild
    op.drop_index("ix_segments_shop_id", table_name="segments")
    op.drop_table("segments")
