"""Keeping product_search in step with products: one normalised document per product."""

from __future__ import annotations

import operator
from datetime import datetime, timedelta

from sqlalchemy import delete, func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ..db import session_scope
from ..models import Order, OrderLineItem, Product, ProductSearch, ProductVariant
from .normalize import normalize

DESCRIPTION_MAX = 1000  # characters of description worth searching
SALES_WINDOW = timedelta(days=90)

# SQLite's FTS5 tables over product_search (migration 0004). FTS5 merges its index segments
# as it goes: whenever AUTOMERGE segments share a level, they become one on the next. A
# large import (a segment per chunk) so rewrites the same postings over and over; with
# merging deferred and one merge at the end, 100,000 products import faster, and search
# reads one segment instead of a dozen.
FTS_TABLES = ("product_fts", "product_grams")
AUTOMERGE = 4  # FTS5's default
BULK_AUTOMERGE = 16  # FTS5's crisis-merge level: no table ever holds more segments a level


def defer_index_merges(session: Session) -> bool:
    """Let FTS5 segments pile up for the rest of this large import (SQLite; nothing to do on
    PostgreSQL). The setting is stored with the table, in this transaction; merge_index puts
    it back. True when deferred."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    for table in FTS_TABLES:
        _set_automerge(session, table, BULK_AUTOMERGE)
    return True


def merge_index(engine: Engine) -> None:
    """After a large import on SQLite: FTS5's own merging back on, and every segment merged
    into one (`optimize`; about 2.6 s for 100,000 products, one write transaction)."""
    with session_scope(engine) as session:
        for table in FTS_TABLES:
            _set_automerge(session, table, AUTOMERGE)
            session.connection().exec_driver_sql(f"INSERT INTO {table}({table}) VALUES ('optimize')")


def _set_automerge(session: Session, table: str, level: int) -> None:
    session.connection().exec_driver_sql(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', {level})")


def grams(text: str) -> str:
    """The distinct 1- and 2-character pieces of each word, space separated and padded
    (" 緑 茶 緑茶 "), so short query words can be looked up as whole tokens."""
    pieces: list[str] = []
    for word in text.split():
        pieces.extend(word)
        pieces.extend(map(operator.add, word, word[1:]))
    return " " + " ".join(dict.fromkeys(pieces)) + " " if pieces else ""


# What `document` reads of a product and of its variants (the bulk import selects only these).
DOCUMENT_FIELDS = (
    Product.id,
    Product.shop_id,
    Product.title,
    Product.tags,
    Product.product_type,
    Product.vendor,
    Product.description,
    Product.deleted_at,
    Product.status,
    Product.published_at,
)
VARIANT_FIELDS = (ProductVariant.product_id, ProductVariant.title, ProductVariant.sku, ProductVariant.available)


def document(product: Product, variants: list[ProductVariant]) -> dict:
    """The product's searchable fields, normalised; `doc` joins them for the index (a
    newline between fields: no query term contains one, so no match spans two fields)."""
    title = normalize(product.title)
    meta = normalize(" ".join([product.tags.replace(",", " "), product.product_type, product.vendor]))
    variant_text = normalize(
        " ".join(f"{v.title} {v.sku or ''}" for v in variants if v.title != "Default Title" or v.sku)
    )
    description = normalize((product.description or "")[:DESCRIPTION_MAX])
    return {
        "title": title,
        "meta": meta,
        "variants": variant_text,
        "description": description,
        "doc": "\n".join((title, meta, variant_text, description)),
        "grams": grams(f"{title} {meta}"),
        "searchable": product.deleted_at is None and product.status == "active" and product.published_at is not None,
        "in_stock": any(v.available for v in variants) if variants else True,
    }


def index_product(*, session: Session, product: Product) -> None:
    variants = list(session.exec(select(ProductVariant).where(ProductVariant.product_id == product.id)))
    values = document(product, variants)
    row = session.get(ProductSearch, product.id)
    if row is None:
        session.add(ProductSearch(product_id=product.id, shop_id=product.shop_id, **values))
        return
    for name, value in values.items():
        if getattr(row, name) != value:  # an unchanged doc leaves the FTS index alone
            setattr(row, name, value)
    session.add(row)


def unindex_product(*, session: Session, product: Product) -> None:
    session.execute(delete(ProductSearch).where(ProductSearch.product_id == product.id))


def refresh_best_sellers(*, session: Session, now: datetime, shop_id: int | None = None) -> int:
    """Units sold per product in the last 90 days, for ranking ties. Returns rows changed."""
    sold = (
        select(Product.id.label("pid"), func.coalesce(func.sum(OrderLineItem.quantity), 0).label("units"))
        .join(
            OrderLineItem,
            (OrderLineItem.shop_id == Product.shop_id) & (OrderLineItem.product_shopify_id == Product.shopify_id),
        )
        .join(Order, Order.id == OrderLineItem.order_id)
        .where(Order.processed_at >= now - SALES_WINDOW, Order.cancelled_at.is_(None))
        .group_by(Product.id)
    )
    if shop_id is not None:
        sold = sold.where(Product.shop_id == shop_id)
    units = {pid: int(n) for pid, n in session.exec(sold)}
    scope = [ProductSearch.shop_id == shop_id] if shop_id is not None else []
    changed = (
        session.execute(
            update(ProductSearch)
            .where(*scope, ProductSearch.recent_sales != 0, ProductSearch.product_id.not_in(units or [0]))
            .values(recent_sales=0)
        ).rowcount
        or 0
    )
    for pid, n in units.items():
        changed += (
            session.execute(
                update(ProductSearch)
                .where(ProductSearch.product_id == pid, ProductSearch.recent_sales != n)
                .values(recent_sales=n)
            ).rowcount
            or 0
        )
    return changed
