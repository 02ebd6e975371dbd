"""Daily rollups: per shop, local day and flow (campaign, sequence, source), the counts the
dashboard and the Flows page show, kept in the same transactions as the rows they count;
two partial indexes of waiting notifications (next due per flow, held for the quota), and
ix_notifications_shop_sent widened to cover today's sent counts; line_friends by follow time.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 12:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

COUNTS = (
    "created_scheduled",
    "created_sending",
    "created_sent",
    "created_skipped",
    "created_cancelled",
    "created_failed",
    "sent",
    "clicks",
    "orders",
    "recovered",
    "blocks",
    "follows",
)


WAITING = sa.text("status = 'scheduled'")
HELD = sa.text("status = 'scheduled' AND reason = 'quota_held'")


def upgrade() -> None:
    # Today's sent counts (beside the rollups) read from the index alone: status and flow in it.
    op.drop_index("ix_notifications_shop_sent", table_name="notifications")
    op.create_index("ix_notifications_shop_sent", "notifications", ["shop_id", "sent_at", "status", "flow"])
    op.create_index("ix_line_friends_shop_followed", "line_friends", ["shop_id", "followed_at"])
    # The Flows page and Home read what waits (next due per flow, held for the quota) from
    # these instead of the whole notification history.
    op.create_index(
        "ix_notifications_waiting_flow_due",
        "notifications",
        ["shop_id", "flow", "due_at"],
        sqlite_where=WAITING,
        postgresql_where=WAITING,
    )
    op.create_index(
        "ix_notifications_quota_held",
        "notifications",
        ["shop_id", "status", "reason"],
        sqlite_where=HELD,
        postgresql_where=HELD,
    )
    op.create_table(
        "daily_rollups",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=96), nullable=False),
        sa.Column("flow", sa.String(length=32), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=True),
        sa.Column("sequence_id", sa.BigInteger(), nullable=True),
        sa.Column("source_id", sa.BigInteger(), nullable=True),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
        sa.Column("revenue", sa.Numeric(14, 2), nullable=False),
        sa.Column("recovered_revenue", sa.Numeric(14, 2), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "day", "scope", name="uq_daily_rollups_shop_day_scope"),
    )
    with op.batch_alter_table("daily_rollups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_daily_rollups_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index("ix_daily_rollups_shop_flow_day", ["shop_id", "flow", "day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("daily_rollups", schema=None) as batch_op:
        batch_op.drop_index("ix_daily_rollups_shop_flow_day")
        batch_op.drop_index(batch_op.f("ix_daily_rollups_shop_id"))
    op.drop_table("daily_rollups")
    op.drop_index("ix_notifications_quota_held", table_name="notifications")
    op.drop_index("ix_notifications_waiting_flow_due", table_name="notifications")
    op.drop_index("ix_line_friends_shop_followed", table_name="line_friends")
    op.drop_index("ix_notifications_shop_sent", table_name="notifications")
    op.create_index("ix_notifications_shop_sent", "notifications", ["shop_id", "sent_at"])
