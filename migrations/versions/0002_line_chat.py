"""LINE: chat events, link nonces, dry-run captures; customers get a tag-sync due time.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 20:27:28.554011
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_nonces",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("login_nonce", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("customer_shopify_id", sa.BigInteger(), nullable=False),
        sa.Column("return_to", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nonce"),
    )
    with op.batch_alter_table("link_nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_nonces_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "line_dry_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("retry_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column(
            "body", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["line_channels.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("line_dry_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_line_dry_runs_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "line_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("webhook_event_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("source_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("line_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_redelivery", sa.Boolean(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "body", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["channel_id"], ["line_channels.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel_id", "webhook_event_id", name="uq_line_events_channel_event"),
    )
    with op.batch_alter_table("line_events", schema=None) as batch_op:
        batch_op.create_index("ix_line_events_channel_message", ["channel_id", "message_id"], unique=False)
        batch_op.create_index("ix_line_events_due", ["status", "received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_line_events_shop_id"), ["shop_id"], unique=False)

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("line_tag_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("line_tag_error", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_customers_line_tag_due_at"), ["line_tag_due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_line_tag_due_at"))
        batch_op.drop_column("line_tag_error")
        batch_op.drop_column("line_tag_due_at")

    with op.batch_alter_table("line_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_line_events_shop_id"))
        batch_op.drop_index("ix_line_events_due")
        batch_op.drop_index("ix_line_events_channel_message")

    op.drop_table("line_events")
    with op.batch_alter_table("line_dry_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_line_dry_runs_shop_id"))

    op.drop_table("line_dry_runs")
    with op.batch_alter_table("link_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_nonces_shop_id"))

    op.drop_table("link_nonces")
