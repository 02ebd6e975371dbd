"""Product search: the normalised index, the merchant's keyword rules and synonyms, what
shoppers searched for, and catalog syncs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Text
from sqlmodel import Field, SQLModel

from .base import created, pk, shop_fk, updated, when
from .types import JSONType


class ProductSearch(SQLModel, table=True):
    """One row per product: its searchable text, normalised (see app/search/normalize.py).

    SQLite indexes `title`/`doc` with an FTS5 trigram table (product_fts) and `grams`
    with a word-tokenised one (product_grams), kept in step by triggers; PostgreSQL with
    pg_trgm GIN indexes and a GIN index on the grams array. Migrations 0003-0004 make them.
    """

    __tablename__ = "product_search"
    __table_args__ = (
        Index("ix_product_search_shop_rank", "shop_id", "searchable", "recent_sales"),
        # titles equal to or starting with the query, as a range (app/search/query.py)
        Index("ix_product_search_shop_title", "shop_id", "title"),
    )

    product_id: int = Field(foreign_key="products.id", ondelete="CASCADE", primary_key=True, sa_type=BigInteger)
    shop_id: int = shop_fk()
    title: str = Field(default="", sa_type=Text)
    meta: str = Field(default="", sa_type=Text)  # tags, product type, vendor
    variants: str = Field(default="", sa_type=Text)  # variant titles and SKUs
    description: str = Field(default="", sa_type=Text)
    doc: str = Field(default="", sa_type=Text)  # all of the above, for the index
    # " a b ab …": the 1- and 2-character grams of title and meta, for short words
    grams: str = Field(default="", sa_type=Text)
    searchable: bool = False  # active, published to the online store, not deleted
    in_stock: bool = True
    recent_sales: int = 0  # units sold in the last 90 days: breaks ties


class KeywordRule(SQLModel, table=True):
    """When a shopper's words match, answer with chosen products, a collection or a text."""

    __tablename__ = "keyword_rules"
    __table_args__ = (Index("ix_keyword_rules_shop_position", "shop_id", "position"),)

    id: int | None = pk()
    shop_id: int = shop_fk()
    position: int = 0
    keywords: list = Field(default_factory=list, sa_type=JSONType)
    match: str = Field(default="contains", max_length=16)  # exact | contains
    answer: str = Field(default="text", max_length=16)  # products | collection | text
    product_ids: list = Field(default_factory=list, sa_type=JSONType)  # Shopify product ids, in order
    collection_handle: str | None = Field(default=None, max_length=255)
    collection_title: str | None = Field(default=None, max_length=255)
    text: str | None = Field(default=None, sa_type=Text)
    enabled: bool = True
    created_at: datetime = created()
    updated_at: datetime = updated()


class SynonymGroup(SQLModel, table=True):
    """Words a shopper may use for the same thing ("tシャツ, ティーシャツ, tee")."""

    __tablename__ = "synonym_groups"

    id: int | None = pk()
    shop_id: int = shop_fk()
    terms: list = Field(default_factory=list, sa_type=JSONType)
    created_at: datetime = created()


class SearchLog(SQLModel, table=True):
    """One chat search: what was asked (normalised), what answered, how many results."""

    __tablename__ = "search_logs"
    __table_args__ = (Index("ix_search_logs_shop_created", "shop_id", "created_at"),)

    id: int | None = pk()
    shop_id: int = shop_fk()
    query: str = Field(max_length=200)
    shown: str = Field(default="", max_length=200)  # as the shopper typed it
    rule_id: int | None = Field(default=None, foreign_key="keyword_rules.id", ondelete="SET NULL", sa_type=BigInteger)
    results: int = 0
    # Who typed it, so an erasure request can take their words with them; cleared after
    # the chat retention period, when the search stays only as an anonymous count.
    friend_id: int | None = Field(
        default=None, foreign_key="line_friends.id", ondelete="SET NULL", index=True, sa_type=BigInteger
    )
    created_at: datetime = created()


class CatalogSync(SQLModel, table=True):
    """A full catalog sync through a bulk operation, with its progress for the admin."""

    __tablename__ = "catalog_syncs"
    __table_args__ = (Index("ix_catalog_syncs_shop_started", "shop_id", "started_at"),)

    id: int | None = pk()
    shop_id: int = shop_fk()
    trigger: str = Field(default="manual", max_length=16)  # install | manual | nightly | demo
    status: str = Field(default="pending", max_length=16)  # pending | running | importing | completed | failed
    bulk_operation_id: str | None = Field(default=None, max_length=128)
    total: int | None = None
    done: int = 0
    removed: int = 0
    error: str | None = Field(default=None, sa_type=Text)
    started_at: datetime = created()
    finished_at: datetime | None = when()
    updated_at: datetime = updated()
