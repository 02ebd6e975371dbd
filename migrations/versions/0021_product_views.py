"""Browse abandonment: the product views the storefront's web pixel reports for linked
customers (one row per customer and product, until the reminder job decides on them).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "product_views",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("product_shopify_id", sa.BigInteger(), nullable=False),
        sa.Column("variant_shopify_id", sa.BigInteger(), nullable=True),
        sa.Column("viewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_product_views_shop_id", "product_views", ["shop_id"])
    op.create_index("ix_product_views_customer_id", "product_views", ["customer_id"])
    op.create_index(
        "uq_product_views_customer_product", "product_views", ["customer_id", "product_shopify_id"], unique=True
    )
    op.create_index("ix_product_views_shop_viewed", "product_views", ["shop_id", "viewed_at"])


def downgrade() -> None:
    op.drop_index("ix_product_views_shop_viewed", table_name="product_views")
    op.drop_index("uq_product_views_customer_product", table_name="product_views")
    op.drop_index("ix_product_views_customer_id", table_name="product_views")
    op.drop_index("ix_product_views_shop_id", table_name="product_views")
    op.drop_table("product_views")
