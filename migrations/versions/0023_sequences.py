"""Step sequences: sequences, their steps, one run per friend going through one (one active
run per friend and sequence, a partial unique index), and a segment trigger's last members.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 12:28:00.231165
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sequences",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("trigger", sa.String(length=24), nullable=False),
        sa.Column(
            "trigger_params",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("entry_segment_id", sa.BigInteger(), nullable=True),
        sa.Column("exit_on_purchase", sa.Boolean(), nullable=False),
        sa.Column("reentry", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("cap_wait_days", sa.Integer(), nullable=False),
        sa.Column("preset", sa.String(length=32), nullable=True),
        sa.Column("segment_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["entry_segment_id"], ["segments.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "name", name="uq_sequences_shop_name"),
    )
    with op.batch_alter_table("sequences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sequences_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index("ix_sequences_shop_trigger", ["shop_id", "trigger", "enabled"], unique=False)

    op.create_table(
        "sequence_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("sequence_id", sa.BigInteger(), nullable=False),
        sa.Column("friend_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_position", sa.Integer(), nullable=True),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["friend_id"], ["line_friends.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sequence_id"], ["sequences.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sequence_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sequence_runs_due",
            ["next_due_at"],
            unique=False,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )
        batch_op.create_index("ix_sequence_runs_friend_status", ["friend_id", "status"], unique=False)
        batch_op.create_index("ix_sequence_runs_sequence_status", ["sequence_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_sequence_runs_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index(
            "uq_sequence_runs_active",
            ["sequence_id", "friend_id"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    op.create_table(
        "sequence_segment_members",
        sa.Column("sequence_id", sa.BigInteger(), nullable=False),
        sa.Column("friend_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["friend_id"], ["line_friends.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sequence_id"], ["sequences.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("sequence_id", "friend_id"),
    )
    with op.batch_alter_table("sequence_segment_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sequence_segment_members_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "sequence_steps",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("sequence_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("delay_amount", sa.Integer(), nullable=False),
        sa.Column("delay_unit", sa.String(length=8), nullable=False),
        sa.Column("delay_from", sa.String(length=8), nullable=False),
        sa.Column("at_time", sa.String(length=5), nullable=True),
        sa.Column(
            "blocks", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("greeting", sa.Boolean(), nullable=False),
        sa.Column("condition", sa.String(length=24), nullable=True),
        sa.Column("condition_mode", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["sequence_id"], ["sequences.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sequence_id", "position", name="uq_sequence_steps_position"),
    )
    with op.batch_alter_table("sequence_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sequence_steps_sequence_id"), ["sequence_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sequence_steps_shop_id"), ["shop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sequence_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sequence_steps_shop_id"))
        batch_op.drop_index(batch_op.f("ix_sequence_steps_sequence_id"))

    op.drop_table("sequence_steps")
    with op.batch_alter_table("sequence_segment_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sequence_segment_members_shop_id"))

    op.drop_table("sequence_segment_members")
    with op.batch_alter_table("sequence_runs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_sequence_runs_active",
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )
        batch_op.drop_index(batch_op.f("ix_sequence_runs_shop_id"))
        batch_op.drop_index("ix_sequence_runs_sequence_status")
        batch_op.drop_index("ix_sequence_runs_friend_status")
        batch_op.drop_index(
            "ix_sequence_runs_due",
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    op.drop_table("sequence_runs")
    with op.batch_alter_table("sequences", schema=None) as batch_op:
        batch_op.drop_index("ix_sequences_shop_trigger")
        batch_op.drop_index(batch_op.f("ix_sequences_shop_id"))

    op.drop_table("sequences")
