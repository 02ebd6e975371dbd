"""Store questions answered from the shop's policies: the policies as Shopify publishes
them (one row per shop and type), and when a shop's policies are next to be read again.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 12:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shop_policies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("shopify_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "type", name="uq_shop_policies_shop_type"),
    )
    op.create_index("ix_shop_policies_shop_id", "shop_policies", ["shop_id"])
    # A plain ADD COLUMN: SQLite's batch mode would rebuild shops (and its foreign keys' targets).
    op.add_column("shops", sa.Column("policies_due_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_shops_policies_due_at", "shops", ["policies_due_at"])


def downgrade() -> None:
    op.drop_index("ix_shops_policies_due_at", table_name="shops")
    op.drop_column("shops", "policies_due_at")
    op.drop_index("ix_shop_policies_shop_id", table_name="shop_policies")
    op.drop_table("shop_policies")
