"""Streaming import of a bulk-operation JSONL file: products and their variants.

Shopify flattens the nested query into one JSON object per line; a variant names its
product in `__parentId` and follows it. Lines are read one at a time and written in
chunks of CHUNK products (one transaction each), so memory stays flat however large the
catalog. A variant whose product was already written (out of order) is applied on its own.
New rows go in through db.insert_rows (COPY on PostgreSQL), known ones are updated. On
SQLite, from the second chunk the search index's segments are merged once at the end
(search.index.merge_index), not over and over as they pile up.

Reading and writing overlap: the caller's thread reads and parses the lines and prepares
each chunk's values and search documents (plain Python), while one writer thread writes the
chunk before it (the database's work, during which neither the driver nor the database
holds the GIL). At most two chunks are in memory; chunks are written in order, each in its
own transaction, and an error in the writer stops the import at the next chunk.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ..db import column_defaults, insert_rows, one_of, session_scope
from ..models import Product, ProductSearch, ProductVariant, Shop
from ..search.index import DOCUMENT_FIELDS, VARIANT_FIELDS, defer_index_merges, document, merge_index
from ..timeutil import parse_ts
from .common import money, optional_money, plain_text

log = logging.getLogger("tsunagu.sync")
CHUNK = 500


def gid_number(gid: str | None) -> int | None:
    try:
        return int(str(gid).rsplit("/", 1)[-1])
    except (TypeError, ValueError):
        return None


def product_values(node: dict, shop: Shop) -> dict:
    image = (((node.get("featuredMedia") or {}).get("preview") or {}).get("image") or {}).get("url")
    tags = node.get("tags")
    published = node.get("onlineStoreUrl") is not None  # only online-store products have one
    return {
        "handle": (node.get("handle") or "")[:255],
        "title": node.get("title") or "",
        "description": plain_text(node.get("description") or node.get("descriptionHtml")),
        "vendor": (node.get("vendor") or "")[:255],
        "product_type": (node.get("productType") or "")[:255],
        "tags": ", ".join(tags) if isinstance(tags, list) else (tags or ""),
        "status": str(node.get("status") or "ACTIVE").lower()[:16],
        "published_at": (parse_ts(node.get("publishedAt")) or parse_ts(node.get("updatedAt"))) if published else None,
        "online_store_url": node.get("onlineStoreUrl")
        or (f"https://{shop.domain}/products/{node.get('handle')}" if node.get("handle") else None),
        "image_url": image,
        "shopify_updated_at": parse_ts(node.get("updatedAt")),
        "deleted_at": None,
    }


def variant_values(node: dict, position: int) -> dict:
    quantity = node.get("inventoryQuantity")
    item = node.get("inventoryItem") if isinstance(node.get("inventoryItem"), dict) else {}
    stock = {}
    if item:  # inventory_levels/update names the item; stock decides when tracked and not oversold
        stock = {
            "inventory_item_id": gid_number(item.get("id")),
            "stock_tracked": bool(item.get("tracked")) and node.get("inventoryPolicy") != "CONTINUE",
        }
    return {
        **stock,
        "title": node.get("title") or "",
        "sku": (node.get("sku") or None) and str(node["sku"])[:255],
        "price": money(node.get("price")),
        "compare_at_price": optional_money(node.get("compareAtPrice")),
        "inventory_quantity": quantity if isinstance(quantity, int) else None,
        "available": bool(node.get("availableForSale", True)),
        "position": node.get("position") if isinstance(node.get("position"), int) else position,
    }


@dataclass
class Pending:
    node: dict
    variants: list[dict] = field(default_factory=list)


@dataclass
class Prepared:
    """A chunk's products as values, ready to write: what needs no database."""

    values: dict[int, dict]  # product number -> product_values
    variants: dict[int, dict[int, dict]]  # product number -> {variant number: variant_values}
    documents: dict[int, dict]  # product number -> search document (index.document)


def prepare(chunk: list[Pending], shop: Shop) -> Prepared:
    values, variants, documents = {}, {}, {}
    for pending in chunk:
        number = gid_number(pending.node.get("id"))
        if number is None:
            continue
        values[number] = product_values(pending.node, shop)
        variants[number] = _variant_values(pending.variants)
        rows = [SimpleNamespace(**v) for v in variants[number].values()]
        documents[number] = document(SimpleNamespace(**values[number]), rows)
    return Prepared(values, variants, documents)


@dataclass
class Importer:
    """Feed it parsed JSONL objects; it writes in chunks and counts what it wrote."""

    engine: Engine
    shop: Shop
    seen_at: datetime
    on_progress: Callable[[int], None] = lambda done: None
    done: int = 0
    _chunk: list[Pending] = field(default_factory=list)
    _by_gid: dict[str, Pending] = field(default_factory=dict)
    _orphans: list[dict] = field(default_factory=list)
    _merges_deferred: bool = False
    _writer: ThreadPoolExecutor | None = None
    _writing: Future | None = None

    def feed(self, obj: dict) -> None:
        parent = obj.get("__parentId")
        if parent is None:
            if len(self._chunk) >= CHUNK:
                self._flush()
            pending = Pending(obj)
            self._chunk.append(pending)
            self._by_gid[obj.get("id")] = pending
        elif parent in self._by_gid:
            self._by_gid[parent].variants.append(obj)
        else:
            self._orphans.append(obj)

    def finish(self) -> int:
        self._flush()
        self._written()
        if self._merges_deferred:
            merge_index(self.engine)
            self._merges_deferred = False
        return self.done

    def feed_all(self, objects: Iterable[dict]) -> int:
        try:
            for obj in objects:
                self.feed(obj)
            return self.finish()
        finally:  # whatever happened, no chunk is still being written when this returns
            if self._writer is not None:
                self._writer.shutdown(wait=True)
                self._writer = None

    def _flush(self) -> None:
        chunk, orphans = self._chunk, self._orphans
        self._chunk, self._by_gid, self._orphans = [], {}, []
        if not chunk and not orphans:
            return
        prepared = prepare(chunk, self.shop)  # while the writer writes the chunk before
        self._written()
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-import")
        self._writing = self._writer.submit(self._write, prepared, orphans)

    def _written(self) -> None:
        """Wait for the chunk being written; its error, if any, is raised here."""
        if self._writing is not None:
            writing, self._writing = self._writing, None
            writing.result()

    def _write(self, prepared: Prepared, orphans: list[dict]) -> None:
        if prepared.values:
            with session_scope(self.engine) as session:
                if self.done and not self._merges_deferred:  # a second chunk: a large import
                    self._merges_deferred = defer_index_merges(session)
                write_chunk(session=session, shop=self.shop, prepared=prepared, seen_at=self.seen_at)
            first = self.done == 0
            self.done += len(prepared.values)
            if first:  # with no statistics the planner would re-read the shop for each chunk
                analyze(self.engine)
            self.on_progress(self.done)
        if orphans:
            with session_scope(self.engine) as session:
                write_orphan_variants(session=session, shop=self.shop, nodes=orphans)


def write_chunk(*, session: Session, shop: Shop, prepared: Prepared, seen_at: datetime) -> None:
    """Upsert up to CHUNK products with their variants and search documents, in bulk."""
    numbers = prepared.values
    # Columns, not Product objects: building 100,000 ORM objects only to read three fields
    # was a tenth of the import.
    existing = {
        p.shopify_id: p
        for p in session.exec(
            select(Product.shopify_id, Product.id, Product.shopify_updated_at).where(
                Product.shop_id == shop.id, one_of(session, Product.shopify_id, numbers)
            )
        )
    }
    new_rows, updates, fresh = [], [], []
    for number, values in numbers.items():
        current = existing.get(number)
        if current is None:
            new_rows.append({"shop_id": shop.id, "shopify_id": number, "synced_at": seen_at, **values})
        elif (
            current.shopify_updated_at
            and values["shopify_updated_at"]
            and values["shopify_updated_at"] < current.shopify_updated_at
        ):
            updates.append({"id": current.id, "synced_at": seen_at})  # ours is newer (a webhook)
            continue  # keep our variants and document too
        else:
            updates.append({"id": current.id, "synced_at": seen_at, **values})
        fresh.append(number)
    if new_rows:
        defaults = column_defaults(Product)
        insert_rows(session, Product.__table__, [{**defaults, **r} for r in new_rows])
    if updates:
        session.execute(update(Product), updates)
    ids = dict(
        session.exec(
            select(Product.shopify_id, Product.id).where(
                Product.shop_id == shop.id, one_of(session, Product.shopify_id, numbers)
            )
        ).all()
    )
    created = {ids[n] for n in numbers if n not in existing}  # no variants or document yet
    _write_variants(
        session=session,
        shop=shop,
        wanted={v: {"product_id": ids[n], **row} for n in fresh for v, row in prepared.variants[n].items()},
        products=[ids[n] for n in fresh],
        created=created,
    )
    documents = {ids[n]: prepared.documents[n] for n in fresh}
    _store_documents(session=session, shop_id=shop.id, documents=documents, created=created)


def _variant_values(nodes: list[dict]) -> dict[int, dict]:
    """A product's variants by number, in the file's order."""
    wanted = {}
    for position, node in enumerate(nodes, start=1):
        number = gid_number(node.get("id"))
        if number is not None:
            wanted[number] = variant_values(node, position)
    return wanted


def _upsert_variants(*, session: Session, shop: Shop, wanted: dict[int, dict]) -> None:
    existing = dict(
        session.exec(
            select(ProductVariant.shopify_id, ProductVariant.id).where(
                ProductVariant.shop_id == shop.id, one_of(session, ProductVariant.shopify_id, wanted)
            )
        ).all()
    )
    defaults = column_defaults(ProductVariant)
    new_rows = [{**defaults, "shop_id": shop.id, "shopify_id": n, **v} for n, v in wanted.items() if n not in existing]
    changed = [{"id": existing[n], **v} for n, v in wanted.items() if n in existing]
    insert_rows(session, ProductVariant.__table__, new_rows)
    if changed:
        session.execute(update(ProductVariant), changed)


def _write_variants(
    *, session: Session, shop: Shop, wanted: dict[int, dict], products: list[int], created: set[int]
) -> None:
    """The products' variants become exactly `wanted` (others are gone from Shopify).
    Products in `created` were inserted in this transaction: they have no variants to remove."""
    known = [p for p in products if p not in created]
    if known:
        session.execute(
            delete(ProductVariant).where(
                one_of(session, ProductVariant.product_id, known), ~one_of(session, ProductVariant.shopify_id, wanted)
            )
        )
    _upsert_variants(session=session, shop=shop, wanted=wanted)


def _store_documents(*, session: Session, shop_id: int, documents: dict[int, dict], created: set[int]) -> None:
    """Product id -> its search document, stored (products in `created`, inserted in this
    transaction, have no document yet). A stored document that is already the same is left
    alone: the nightly sync of an unchanged catalog rewrites no index entry (on SQLite each
    rewrite is a delete and an insert in both FTS5 tables, a statement per row)."""
    known = [p for p in documents if p not in created]
    fields = list(next(iter(documents.values()), {}))
    stored = (
        {
            row.product_id: row
            for row in session.exec(
                select(ProductSearch.product_id, *(getattr(ProductSearch, f) for f in fields)).where(
                    one_of(session, ProductSearch.product_id, known)
                )
            )
        }
        if known
        else {}
    )
    defaults = column_defaults(ProductSearch)
    insert_rows(
        session,
        ProductSearch.__table__,
        [{**defaults, "product_id": p, "shop_id": shop_id, **d} for p, d in documents.items() if p not in stored],
    )
    changed = [
        {"product_id": p, **documents[p]}
        for p, row in stored.items()
        if any(getattr(row, f) != documents[p][f] for f in fields)
    ]
    if changed:
        session.execute(update(ProductSearch), changed)


def write_orphan_variants(*, session: Session, shop: Shop, nodes: list[dict]) -> None:
    """Variants whose product was written in an earlier chunk: added, none removed; the
    products' documents are made again from what is stored."""
    parents = {gid_number(n.get("__parentId")) for n in nodes}
    ids = {
        p.shopify_id: p.id
        for p in session.exec(
            select(Product).where(
                Product.shop_id == shop.id, one_of(session, Product.shopify_id, (p for p in parents if p))
            )
        )
    }
    by_product: dict[int, list[dict]] = {}
    for node in nodes:
        product_id = ids.get(gid_number(node.get("__parentId")))
        if product_id is not None:
            by_product.setdefault(product_id, []).append(node)
    wanted = {n: {"product_id": p, **v} for p, group in by_product.items() for n, v in _variant_values(group).items()}
    _upsert_variants(session=session, shop=shop, wanted=wanted)
    if by_product:
        # Only the fields search.index.document reads, as rows (it reads them by attribute).
        ids_ = list(by_product)
        products = session.exec(select(*DOCUMENT_FIELDS).where(one_of(session, Product.id, ids_)))
        variants: dict[int, list] = {}
        for v in session.exec(select(*VARIANT_FIELDS).where(one_of(session, ProductVariant.product_id, ids_))):
            variants.setdefault(v.product_id, []).append(v)
        documents = {p.id: document(p, variants.get(p.id, [])) for p in products}
        _store_documents(session=session, shop_id=shop.id, documents=documents, created=set())


def parse_lines(lines: Iterable[str | bytes]) -> Iterable[dict]:
    for line in lines:
        if line and line.strip():
            try:
                obj = json.loads(line)
            except ValueError:
                log.warning("bulk JSONL line skipped: not JSON")
                continue
            if isinstance(obj, dict):
                yield obj


def analyze(engine: Engine) -> None:
    """Fresh planner statistics for the catalog tables (after the first chunk of a large
    import, and after the import): the right indexes get used from then on."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE products, product_variants, product_search")
        else:
            conn.exec_driver_sql("ANALYZE products")
            conn.exec_driver_sql("ANALYZE product_variants")
            conn.exec_driver_sql("ANALYZE product_search")
        conn.commit()


def remove_vanished(*, session: Session, shop: Shop, seen_at: datetime, now: datetime) -> int:
    """Products the sync did not see (and no webhook touched since it began) are gone."""
    gone = [
        p.id
        for p in session.exec(
            select(Product).where(
                Product.shop_id == shop.id,
                Product.deleted_at.is_(None),
                (Product.synced_at.is_(None)) | (Product.synced_at < seen_at),
                Product.updated_at < seen_at,
            )
        )
    ]
    if gone:
        session.execute(update(Product).where(Product.id.in_(gone)).values(deleted_at=now, status="deleted"))
        session.execute(delete(ProductVariant).where(ProductVariant.product_id.in_(gone)))
        session.execute(delete(ProductSearch).where(ProductSearch.product_id.in_(gone)))
    return len(gone)
