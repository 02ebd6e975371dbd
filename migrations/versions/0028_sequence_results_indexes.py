"""Reading a sequence's results through indexes: link clicks by their message, and (on
PostgreSQL) notifications by a dedupe-key prefix (`seq:{id}:%`).

Link clicks had no index on notification_id: the results join a sequence's messages to
their clicks, and on SQLite each message scanned every click (357 s for that one query on
the admin bench's full-size seed, 250,000 sequence messages and 90,000 clicks).

A sequence's results find its messages by the key prefix `seq:{sequence}:`. On SQLite the
app asks for that prefix as a range of keys (binary collation), which the unique
(shop_id, dedupe_key) index answers. On PostgreSQL the column's collation may order keys
other than byte by byte, so the unique index cannot answer a prefix: every notification
of the table was read (a sequential scan, four per results page). This index compares
keys byte by byte (text_pattern_ops), so `LIKE 'seq:12:%'` is an index range. PostgreSQL
only: SQLite needs nothing more, and would pay a second index on every notification.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 08:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

NAME = "ix_notifications_key_prefix"
CLICKS = "ix_link_clicks_notification_id"


def upgrade() -> None:
    op.create_index(CLICKS, "link_clicks", ["notification_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX {NAME} ON notifications (shop_id, dedupe_key text_pattern_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {NAME}")
    op.drop_index(CLICKS, table_name="link_clicks")
