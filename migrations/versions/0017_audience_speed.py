"""Audience speed: indexes that let a live count answer from indexes alone.

- a customer's orders in a period with their cancellation and id (probed per customer once the
  cheap tests have narrowed the customers), replacing the same index without cancelled_at;
- an order's products (did this order hold one of the products);
- a prefecture's customers with their spending and order counts, replacing the
  prefecture-only index (SQLite drives a count from a prefecture and tests the rest there);
- who received marketing in a period (shop, marketing, status, sent_at, friend).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 08:15:00
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

ADDED = [
    (
        "orders",
        "ix_orders_shop_customer_processed",
        ["shop_id", "customer_shopify_id", "processed_at", "cancelled_at", "id"],
    ),
    ("order_line_items", "ix_order_line_items_order_product", ["order_id", "product_shopify_id"]),
    ("customers", "ix_customers_shop_province_spent", ["shop_id", "province_code", "total_spent", "orders_count"]),
    (
        "notifications",
        "ix_notifications_shop_marketing_sent",
        ["shop_id", "marketing", "status", "sent_at", "friend_id"],
    ),
]
REPLACED = [
    ("orders", "ix_orders_shop_customer", ["shop_id", "customer_shopify_id", "processed_at"]),
    ("customers", "ix_customers_shop_province", ["shop_id", "province_code"]),
]


def upgrade() -> None:
    for table, name, columns in ADDED:
        op.create_index(name, table, columns, unique=False)
    for table, name, _columns in REPLACED:  # the new ones start with their columns
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, name, columns in REPLACED:
        op.create_index(name, table, columns, unique=False)
    for table, name, _columns in reversed(ADDED):
        op.drop_index(name, table_name=table)
