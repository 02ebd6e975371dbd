"""Campaign composer: the composer's blocks on a campaign, and the images merchants upload
for campaigns (bytes in the database, served from /media/<token>.<ext>).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (nullable): no table rebuild on SQLite.
    op.add_column(
        "campaigns",
        sa.Column(
            "blocks", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
    )
    op.create_table(
        "campaign_images",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=16), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("preview", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    op.create_index("ix_campaign_images_shop_id", "campaign_images", ["shop_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_campaign_images_shop_id", table_name="campaign_images")
    op.drop_table("campaign_images")
    op.drop_column("campaigns", "blocks")  # native on SQLite ≥ 3.35, no rebuild
