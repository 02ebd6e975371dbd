"""Campaign results: LINE's opens and clicks per campaign variant (its aggregation unit),
and the campaign's external marketing activity in Shopify.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

BIG_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "campaign_insights",
        sa.Column("id", BIG_PK, nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("variant", sa.Integer(), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("opened", sa.Integer(), nullable=True),
        sa.Column("clicked", sa.Integer(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "variant", name="uq_campaign_insights_campaign_variant"),
    )
    op.create_index("ix_campaign_insights_shop_id", "campaign_insights", ["shop_id"], unique=False)
    op.create_table(
        "campaign_marketing",
        sa.Column("id", BIG_PK, nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("activity_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("reported", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id"),
    )
    op.create_index("ix_campaign_marketing_shop_id", "campaign_marketing", ["shop_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_campaign_marketing_shop_id", table_name="campaign_marketing")
    op.drop_table("campaign_marketing")
    op.drop_index("ix_campaign_insights_shop_id", table_name="campaign_insights")
    op.drop_table("campaign_insights")
