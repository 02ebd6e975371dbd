"""Product search: the normalised index (FTS5 trigram on SQLite, pg_trgm on PostgreSQL),
keyword rules, synonyms, search logs, catalog syncs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 21:02:23.722030
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


SQLITE_FTS = [
    # External-content FTS5 table over product_search.doc, trigram-tokenised: substring
    # search with no word boundaries, which is what Japanese text needs.
    "CREATE VIRTUAL TABLE product_fts USING fts5(doc, content='product_search', "
    "content_rowid='product_id', tokenize='trigram')",
    "CREATE TRIGGER product_fts_insert AFTER INSERT ON product_search BEGIN "
    "INSERT INTO product_fts(rowid, doc) VALUES (new.product_id, new.doc); END",
    "CREATE TRIGGER product_fts_delete AFTER DELETE ON product_search BEGIN "
    "INSERT INTO product_fts(product_fts, rowid, doc) VALUES ('delete', old.product_id, old.doc); END",
    "CREATE TRIGGER product_fts_update AFTER UPDATE OF doc ON product_search BEGIN "
    "INSERT INTO product_fts(product_fts, rowid, doc) VALUES ('delete', old.product_id, old.doc); "
    "INSERT INTO product_fts(rowid, doc) VALUES (new.product_id, new.doc); END",
]
POSTGRES_TRGM = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_product_search_doc_trgm ON product_search USING gin (doc gin_trgm_ops)",
]


def _hand_made_up() -> None:
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_FTS if dialect == "sqlite" else POSTGRES_TRGM:
        op.execute(statement)


def _hand_made_down() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("product_fts_insert", "product_fts_delete", "product_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS product_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_product_search_doc_trgm")


def upgrade() -> None:
    op.create_table(
        "catalog_syncs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("trigger", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("bulk_operation_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("catalog_syncs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_syncs_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index("ix_catalog_syncs_shop_started", ["shop_id", "started_at"], unique=False)

    op.create_table(
        "keyword_rules",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "keywords", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("match", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column(
            "product_ids", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("collection_handle", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("collection_title", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("keyword_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_keyword_rules_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index("ix_keyword_rules_shop_position", ["shop_id", "position"], unique=False)

    op.create_table(
        "synonym_groups",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "terms", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("synonym_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_synonym_groups_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "product_search",
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("meta", sa.Text(), nullable=False),
        sa.Column("variants", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.Column("searchable", sa.Boolean(), nullable=False),
        sa.Column("in_stock", sa.Boolean(), nullable=False),
        sa.Column("recent_sales", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("product_id"),
    )
    with op.batch_alter_table("product_search", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_search_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index("ix_product_search_shop_rank", ["shop_id", "searchable", "recent_sales"], unique=False)

    op.create_table(
        "search_logs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("query", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("shown", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("rule_id", sa.BigInteger(), nullable=True),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["rule_id"], ["keyword_rules.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("search_logs", schema=None) as batch_op:
        batch_op.create_index("ix_search_logs_shop_created", ["shop_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_logs_shop_id"), ["shop_id"], unique=False)

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True))
    _hand_made_up()


def downgrade() -> None:
    _hand_made_down()
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("synced_at")

    with op.batch_alter_table("search_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_logs_shop_id"))
        batch_op.drop_index("ix_search_logs_shop_created")

    op.drop_table("search_logs")
    with op.batch_alter_table("product_search", schema=None) as batch_op:
        batch_op.drop_index("ix_product_search_shop_rank")
        batch_op.drop_index(batch_op.f("ix_product_search_shop_id"))

    op.drop_table("product_search")
    with op.batch_alter_table("synonym_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_synonym_groups_shop_id"))

    op.drop_table("synonym_groups")
    with op.batch_alter_table("keyword_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_keyword_rules_shop_position")
        batch_op.drop_index(batch_op.f("ix_keyword_rules_shop_id"))

    op.drop_table("keyword_rules")
    with op.batch_alter_table("catalog_syncs", schema=None) as batch_op:
        batch_op.drop_index("ix_catalog_syncs_shop_started")
        batch_op.drop_index(batch_op.f("ix_catalog_syncs_shop_id"))

    op.drop_table("catalog_syncs")
