"""Follower import: one resumable import of the LINE account's followers per shop, and the
friends it created (their source, and whether their profile has been fetched).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "follower_imports",
        _id(),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("next_start", sa.Text(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("profiles", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id"),
    )
    with op.batch_alter_table("follower_imports", schema=None) as batch_op:
        batch_op.create_index("ix_follower_imports_status", ["status", "retry_at"], unique=False)

    op.create_table(
        "imported_followers",
        _id(),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("import_id", sa.BigInteger(), nullable=False),
        sa.Column("friend_id", sa.BigInteger(), nullable=False),
        sa.Column("profile_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("profile_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["friend_id"], ["line_friends.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["import_id"], ["follower_imports.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("friend_id", name="uq_imported_followers_friend"),
    )
    with op.batch_alter_table("imported_followers", schema=None) as batch_op:
        batch_op.create_index("ix_imported_followers_profile", ["import_id", "profile_status"], unique=False)
        batch_op.create_index(batch_op.f("ix_imported_followers_shop_id"), ["shop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("imported_followers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imported_followers_shop_id"))
        batch_op.drop_index("ix_imported_followers_profile")
    op.drop_table("imported_followers")
    with op.batch_alter_table("follower_imports", schema=None) as batch_op:
        batch_op.drop_index("ix_follower_imports_status")
    op.drop_table("follower_imports")
