"""Search: a title column in the trigram index and a gram index for 1-2 character words;
notifications: an index for counting a friend's recent messages (the marketing caps).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 23:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD_TRIGGERS = ("product_fts_insert", "product_fts_delete", "product_fts_update")
SQLITE_FTS = [
    # External-content FTS5 tables over product_search (kept in step by triggers):
    # product_fts, trigram-tokenised, for substrings of 3+ characters with no word
    # boundaries (what Japanese needs), with the title as its own column so title
    # matches can be found first; product_grams for the 1-2 character words of titles,
    # tags, types and vendors ("茶", "靴下"), which trigrams cannot find.
    "CREATE VIRTUAL TABLE product_fts USING fts5(title, doc, content='product_search', "
    "content_rowid='product_id', tokenize='trigram')",
    "CREATE VIRTUAL TABLE product_grams USING fts5(grams, content='product_search', "
    "content_rowid='product_id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER product_fts_insert AFTER INSERT ON product_search BEGIN "
    "INSERT INTO product_fts(rowid, title, doc) VALUES (new.product_id, new.title, new.doc); "
    "INSERT INTO product_grams(rowid, grams) VALUES (new.product_id, new.grams); END",
    "CREATE TRIGGER product_fts_delete AFTER DELETE ON product_search BEGIN "
    "INSERT INTO product_fts(product_fts, rowid, title, doc) VALUES ('delete', old.product_id, old.title, old.doc); "
    "INSERT INTO product_grams(product_grams, rowid, grams) VALUES ('delete', old.product_id, old.grams); END",
    "CREATE TRIGGER product_fts_update AFTER UPDATE OF title, doc, grams ON product_search BEGIN "
    "INSERT INTO product_fts(product_fts, rowid, title, doc) VALUES ('delete', old.product_id, old.title, old.doc); "
    "INSERT INTO product_grams(product_grams, rowid, grams) VALUES ('delete', old.product_id, old.grams); "
    "INSERT INTO product_fts(rowid, title, doc) VALUES (new.product_id, new.title, new.doc); "
    "INSERT INTO product_grams(rowid, grams) VALUES (new.product_id, new.grams); END",
    # Index what is already there.
    "INSERT INTO product_fts(product_fts) VALUES ('rebuild')",
    "INSERT INTO product_grams(product_grams) VALUES ('rebuild')",
]
SQLITE_FTS_BEFORE = [
    "CREATE VIRTUAL TABLE product_fts USING fts5(doc, content='product_search', "
    "content_rowid='product_id', tokenize='trigram')",
    "CREATE TRIGGER product_fts_insert AFTER INSERT ON product_search BEGIN "
    "INSERT INTO product_fts(rowid, doc) VALUES (new.product_id, new.doc); END",
    "CREATE TRIGGER product_fts_delete AFTER DELETE ON product_search BEGIN "
    "INSERT INTO product_fts(product_fts, rowid, doc) VALUES ('delete', old.product_id, old.doc); END",
    "CREATE TRIGGER product_fts_update AFTER UPDATE OF doc ON product_search BEGIN "
    "INSERT INTO product_fts(product_fts, rowid, doc) VALUES ('delete', old.product_id, old.doc); "
    "INSERT INTO product_fts(rowid, doc) VALUES (new.product_id, new.doc); END",
    "INSERT INTO product_fts(product_fts) VALUES ('rebuild')",
]
POSTGRES_INDEXES = {
    "ix_product_search_title_trgm": "ON product_search USING gin (title gin_trgm_ops)",
    "ix_product_search_grams": "ON product_search USING gin (string_to_array(grams, ' '))",
}


def _grams(text: str) -> str:
    """The distinct 1- and 2-character pieces of each word, space separated and padded.

    A frozen copy of app.search.index.grams as this migration was written: a migration
    never imports app code, so a later change there cannot change what this one did.
    """
    found: dict[str, None] = {}
    for word in text.split():
        for size in (1, 2):
            for start in range(len(word) - size + 1):
                found.setdefault(word[start : start + size], None)
    return " " + " ".join(found) + " " if found else ""


def _fill_grams() -> None:
    """Grams of the products already indexed (new ones get them from the app)."""
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT product_id, title, meta FROM product_search")).all()
    update = sa.text("UPDATE product_search SET grams = :grams WHERE product_id = :id")
    for start in range(0, len(rows), 1000):
        conn.execute(
            update, [{"id": r.product_id, "grams": _grams(f"{r.title} {r.meta}")} for r in rows[start : start + 1000]]
        )


def _drop_fts() -> None:
    for name in OLD_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS product_fts")
    op.execute("DROP TABLE IF EXISTS product_grams")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _drop_fts()  # its triggers name product_search's columns: out of the way first
    with op.batch_alter_table("product_search") as batch:
        batch.add_column(sa.Column("grams", sa.Text(), nullable=False, server_default=""))
    _fill_grams()
    for statement in SQLITE_FTS if sqlite else [f"CREATE INDEX {n} {d}" for n, d in POSTGRES_INDEXES.items()]:
        op.execute(statement)
    with op.batch_alter_table("notifications") as batch:
        batch.create_index("ix_notifications_friend_sent", ["friend_id", "sent_at"], unique=False)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("ix_notifications_friend_sent")
    if sqlite:
        _drop_fts()
    else:
        for name in POSTGRES_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    with op.batch_alter_table("product_search") as batch:
        batch.drop_column("grams")
    if sqlite:
        for statement in SQLITE_FTS_BEFORE:
            op.execute(statement)
