"""Browse abandonment: the product views the storefront's web pixel reports for linked
customers (one open row per customer and product; handled once by the reminder job).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

OPEN = sa.text("handled_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "product_views",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("product_shopify_id", sa.BigInteger(), nullable=False),
        sa.Column("variant_shopify_id", sa.BigInteger(), nullable=True),
        sa.Column("viewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_product_views_shop_id", "product_views", ["shop_id"])
    op.create_index("ix_product_views_customer_id", "product_views", ["customer_id"])
    op.create_index(
        "uq_product_views_open_customer_product",
        "product_views",
        ["customer_id", "product_shopify_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index(
        "ix_product_views_open", "product_views", ["shop_id", "viewed_at"], sqlite_where=OPEN, postgresql_where=OPEN
    )


def downgrade() -> None:
    op.drop_index("ix_product_views_open", table_name="product_views")
    op.drop_index("uq_product_views_open_customer_product", table_name="product_views")
    op.drop_index("ix_product_views_customer_id", table_name="product_views")
    op.drop_index("ix_product_views_shop_id", table_name="product_views")
    op.drop_table("product_views")
