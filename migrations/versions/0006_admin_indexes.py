"""Indexes for the admin: what a shop sent in a period (dashboard), the message log's
filters, a customer's last messages, customer and friend name search.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 00:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


INDEXES = [
    ("notifications", "ix_notifications_shop_sent", ["shop_id", "sent_at"]),
    ("notifications", "ix_notifications_shop_status_created", ["shop_id", "status", "created_at"]),
    ("notifications", "ix_notifications_shop_flow_created", ["shop_id", "flow", "created_at"]),
    ("notifications", "ix_notifications_customer_created", ["customer_id", "created_at"]),
    ("customers", "ix_customers_shop_last_name", ["shop_id", "last_name"]),
    ("customers", "ix_customers_shop_first_name", ["shop_id", "first_name"]),
    ("line_friends", "ix_line_friends_shop_display_name", ["shop_id", "display_name"]),
]


def upgrade() -> None:
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
