"""Push campaigns: a recipient's own coupon code per campaign (campaign_codes, unique per
campaign and friend, stored before the push that carries it), and each chunk's progress
through its friends (`pushed`) and those left out at send time (`skipped`).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 07:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_codes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("friend_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["friend_id"], ["line_friends.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "friend_id", name="uq_campaign_codes_campaign_friend"),
    )
    with op.batch_alter_table("campaign_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_codes_friend_id"), ["friend_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_codes_shop_id"), ["shop_id"], unique=False)
    with op.batch_alter_table("campaign_chunks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pushed", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("skipped", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("campaign_chunks", schema=None) as batch_op:
        batch_op.drop_column("skipped")
        batch_op.drop_column("pushed")
    with op.batch_alter_table("campaign_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_codes_shop_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_codes_friend_id"))
    op.drop_table("campaign_codes")
