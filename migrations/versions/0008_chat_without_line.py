"""Chat that does not wait on LINE: a friend whose profile LINE could not give in time is
due for the worker (`profile_due_at`), and a reply LINE could not take in time is kept on
its event (`pending_reply`) until the worker sends it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("line_friends", schema=None) as batch_op:
        batch_op.add_column(sa.Column("profile_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_line_friends_profile_due", ["profile_due_at"], unique=False)
    with op.batch_alter_table("line_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "pending_reply",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("line_events", schema=None) as batch_op:
        batch_op.drop_column("pending_reply")
    with op.batch_alter_table("line_friends", schema=None) as batch_op:
        batch_op.drop_index("ix_line_friends_profile_due")
        batch_op.drop_column("profile_due_at")
