"""Back-in-stock: the waiting-requests index in the restock's full order and covering it.

A restock reads the oldest waiting requests of one variant, ordered by (created_at, id),
with each request's friend. The old index ended at created_at: PostgreSQL sorted every
waiting request of the variant (50,000 → a sort spilled to disk) before the LIMIT, and
both databases read each request's row for its friend_id. Ending in (id, friend_id) lets
both walk the index in order, stop at the LIMIT and never touch the table.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

TABLE = "back_in_stock_requests"
NAME = "ix_back_in_stock_waiting"


def upgrade() -> None:
    op.drop_index(NAME, table_name=TABLE)
    op.create_index(NAME, TABLE, ["shop_id", "variant_shopify_id", "status", "created_at", "id", "friend_id"])


def downgrade() -> None:
    op.drop_index(NAME, table_name=TABLE)
    op.create_index(NAME, TABLE, ["shop_id", "variant_shopify_id", "status", "created_at"])
