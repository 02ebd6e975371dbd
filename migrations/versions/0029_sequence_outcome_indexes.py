"""A sequence's results from indexes alone: its messages' steps and statuses, and the
clicks, orders and blocks of the sequence flow.

The results page counted a sequence's messages by (step, status, reason) through the
(shop_id, dedupe_key) index, reading each message's table row (its JSON messages too) for
those columns, then read every message of the sequence three times more to join its clicks,
attributions and blocks by message id: 91,545 messages, 4 reads each, about 200 ms on
SQLite at the admin bench's size.

- `ix_notifications_sequence_steps`, partial (sequence messages only, so no other flow's
  insert pays): the key prefix with step, status and reason, answered from the index. On
  PostgreSQL the key compares byte by byte (text_pattern_ops, as 0028) with the counted
  columns included; SQLite's binary collation needs nothing more. Made by hand (migrations/env.py).
- (shop_id, flow, notification_id) on link_clicks, attributions and friend_blocks: an
  outcome carries its message's flow (tracked_urls, attribution, blocks), so a sequence's
  outcomes are found from the outcome side, each message then read by its id. Outcomes are
  few next to messages (clicks are a few in a hundred sends).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 23:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

STEPS = "ix_notifications_sequence_steps"
OUTCOMES = ("link_clicks", "attributions", "friend_blocks")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE INDEX {STEPS} ON notifications (shop_id, dedupe_key text_pattern_ops) "
            "INCLUDE (step, status, reason) WHERE flow = 'sequence'"
        )
    else:
        op.execute(
            f"CREATE INDEX {STEPS} ON notifications (shop_id, dedupe_key, step, status, reason, flow) "
            "WHERE flow = 'sequence'"
        )
    for table in OUTCOMES:
        op.create_index(f"ix_{table}_shop_flow_notification", table, ["shop_id", "flow", "notification_id"])


def downgrade() -> None:
    for table in OUTCOMES:
        op.drop_index(f"ix_{table}_shop_flow_notification", table_name=table)
    op.execute(f"DROP INDEX IF EXISTS {STEPS}")
