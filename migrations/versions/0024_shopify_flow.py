"""Shopify Flow: action runs (once per action_run_id), the triggers each shop uses (from
Flow's lifecycle callback), and the outbox of flowTriggerReceive calls.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 12:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

BIGPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "shopify_flow_runs",
        sa.Column("id", BIGPK, nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("action_run_id", STR(length=128), nullable=False),
        sa.Column("handle", STR(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("outcome", STR(length=64), nullable=False),
        sa.Column("notification_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "action_run_id", name="uq_shopify_flow_runs_shop_run"),
    )
    op.create_index("ix_shopify_flow_runs_shop_id", "shopify_flow_runs", ["shop_id"])
    op.create_table(
        "shopify_flow_triggers",
        sa.Column("id", BIGPK, nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("handle", STR(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "handle", name="uq_shopify_flow_triggers_shop_handle"),
    )
    op.create_index("ix_shopify_flow_triggers_shop_id", "shopify_flow_triggers", ["shop_id"])
    op.create_table(
        "shopify_flow_trigger_calls",
        sa.Column("id", BIGPK, nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("handle", STR(length=64), nullable=False),
        sa.Column("dedupe_key", STR(length=255), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", STR(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "dedupe_key", name="uq_shopify_flow_trigger_calls_shop_key"),
    )
    op.create_index("ix_shopify_flow_trigger_calls_shop_id", "shopify_flow_trigger_calls", ["shop_id"])
    op.create_index("ix_shopify_flow_trigger_calls_due", "shopify_flow_trigger_calls", ["status", "next_at"])


def downgrade() -> None:
    op.drop_index("ix_shopify_flow_trigger_calls_due", table_name="shopify_flow_trigger_calls")
    op.drop_index("ix_shopify_flow_trigger_calls_shop_id", table_name="shopify_flow_trigger_calls")
    op.drop_table("shopify_flow_trigger_calls")
    op.drop_index("ix_shopify_flow_triggers_shop_id", table_name="shopify_flow_triggers")
    op.drop_table("shopify_flow_triggers")
    op.drop_index("ix_shopify_flow_runs_shop_id", table_name="shopify_flow_runs")
    op.drop_table("shopify_flow_runs")
