"""Campaign A/B tests and holdouts: variants, the test share, the winner rule and the winner
on campaigns; who was held out (campaign_holdouts); tracked links of a campaign's variants.

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-02 07:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None

LINK_CAMPAIGN_FK = "fk_tracked_links_campaign_id_campaigns"
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variants", JSON, nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("test_share", sa.Integer(), nullable=False, server_default="100"))
        batch_op.add_column(sa.Column("winner_metric", sa.String(length=16), nullable=False, server_default="clicks"))
        batch_op.add_column(sa.Column("winner_after_hours", sa.Integer(), nullable=False, server_default="24"))
        batch_op.add_column(sa.Column("winner", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("holdout_share", sa.Integer(), nullable=False, server_default="0"))

    op.create_table(
        "campaign_holdouts",
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("friend_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["friend_id"], ["line_friends.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("campaign_id", "friend_id"),
    )
    with op.batch_alter_table("campaign_holdouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_holdouts_friend_id"), ["friend_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_holdouts_shop_id"), ["shop_id"], unique=False)

    with op.batch_alter_table("tracked_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("variant", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_tracked_links_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_foreign_key(LINK_CAMPAIGN_FK, "campaigns", ["campaign_id"], ["id"], ondelete="CASCADE")


def downgrade() -> None:
    with op.batch_alter_table("tracked_links", schema=None) as batch_op:
        batch_op.drop_constraint(LINK_CAMPAIGN_FK, type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_tracked_links_campaign_id"))
        batch_op.drop_column("variant")
        batch_op.drop_column("campaign_id")

    with op.batch_alter_table("campaign_holdouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_holdouts_shop_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_holdouts_friend_id"))
    op.drop_table("campaign_holdouts")

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        for column in ("holdout_share", "winner", "winner_after_hours", "winner_metric", "test_share", "variants"):
            batch_op.drop_column(column)
