"""Titles equal to or starting with what a shopper typed, from an index of their own.

Search finds its candidates in capped lookups of the trigram indexes (the first few hundred
matches they give): with more titles holding a word than that, the product titled exactly
the word, or starting with the query, could be left out, and the page filled with others
("宇治の緑茶 …" before "緑茶"). Search now also reads the titles in the range that starts
with the query from this index, so those always reach the ranking.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 04:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

NAME = "ix_product_search_shop_title"


def upgrade() -> None:
    op.create_index(NAME, "product_search", ["shop_id", "title"])


def downgrade() -> None:
    op.drop_index(NAME, table_name="product_search")
