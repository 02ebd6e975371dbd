"""Privacy: raw bodies and chat texts are trimmed after their retention period
(body_trimmed_at, and the indexes the retention job walks); a search remembers who typed
it so an erasure request reaches it.

Only tables nothing references are rebuilt by SQLite's batch mode here (a rebuilt parent
table would take its children's rows with it, foreign keys being on).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TRIMMED = ("webhook_events", "line_events")
SEARCH_FRIEND_FK = "fk_search_logs_friend_id_line_friends"


def upgrade() -> None:
    for table in TRIMMED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("body_trimmed_at", sa.DateTime(timezone=True), nullable=True))
            batch_op.create_index(f"ix_{table}_trim", ["body_trimmed_at", "received_at"], unique=False)

    with op.batch_alter_table("line_dry_runs", schema=None) as batch_op:
        batch_op.create_index("ix_line_dry_runs_created", ["created_at"], unique=False)

    with op.batch_alter_table("search_logs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("friend_id", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_search_logs_friend_id", ["friend_id"], unique=False)
        batch_op.create_foreign_key(SEARCH_FRIEND_FK, "line_friends", ["friend_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("search_logs", schema=None) as batch_op:
        batch_op.drop_constraint(SEARCH_FRIEND_FK, type_="foreignkey")
        batch_op.drop_index("ix_search_logs_friend_id")
        batch_op.drop_column("friend_id")

    with op.batch_alter_table("line_dry_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_line_dry_runs_created")

    for table in reversed(TRIMMED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_trim")
            batch_op.drop_column("body_trimmed_at")
