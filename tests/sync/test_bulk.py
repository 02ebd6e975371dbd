"""Full catalog sync: a bulk operation on (fake) Shopify, its JSONL streamed in chunks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from app import ext
from app.models import CatalogSync, Product, ProductSearch, ProductVariant
from app.search.query import search
from app.shopify import queries
from app.sync import bulk
from app.sync.bulk import Importer, parse_lines
from app.sync.catalog import advance_syncs, request_sync
from app.timeutil import utcnow
from tests.helpers import make_shop, rows


def node(pid: int, title: str, *, url: bool = True, updated: str = "2026-11-01T00:00:00Z") -> dict:
    return {
        "id": f"gid://shopify/Product/{pid}",
        "handle": f"h-{pid}",
        "title": title,
        "status": "ACTIVE",
        "vendor": "つなぐ",
        "productType": "お茶",
        "tags": ["ギフト", "送料無料"],
        "description": "香りのよいお茶",
        "onlineStoreUrl": f"https://shop.example.jp/products/h-{pid}" if url else None,
        "publishedAt": "2026-01-01T00:00:00Z",
        "updatedAt": updated,
        "featuredMedia": {"preview": {"image": {"url": f"https://cdn.shopify.com/{pid}.jpg"}}},
    }


def variant(vid: int, parent: int, title: str = "100g", price: str = "1200.00", available: bool = True) -> dict:
    return {
        "id": f"gid://shopify/ProductVariant/{vid}",
        "title": title,
        "sku": f"SKU-{vid}",
        "price": price,
        "compareAtPrice": None,
        "availableForSale": available,
        "inventoryQuantity": 5 if available else 0,
        "position": 1,
        "__parentId": f"gid://shopify/Product/{parent}",
    }


def jsonl(*objects) -> list[str]:
    return [json.dumps(o, ensure_ascii=False) for o in objects]


@pytest.fixture
def shop(db):
    return make_shop(db)


def test_products_and_variants_stream_in_chunks(app, db, shop, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", 1)
    pulled, progress = [], []
    lines = jsonl(
        node(1, "宇治 煎茶"),
        variant(11, 1),
        variant(12, 1, "200g", "2000.00"),
        node(2, "ほうじ茶"),
        variant(21, 2, available=False),
        node(3, "玄米茶"),
        variant(31, 3),
        node(4, "抹茶", url=False),
        variant(41, 4),
    )

    def source():
        for line in lines:
            pulled.append(line)
            yield line

    def on_progress(done):
        progress.append((done, len(pulled)))

    done = Importer(engine=ext.engine(app), shop=shop, seen_at=utcnow(), on_progress=on_progress).feed_all(
        parse_lines(source())
    )

    assert done == 4
    # The first chunk was written before the reader was two chunks past it (the line of
    # 玄米茶, the third product, is the sixth): it streams, two chunks in memory at most.
    assert progress[0][0] == 1 and progress[0][1] <= 6 < len(lines)
    assert [d for d, _ in progress] == [1, 2, 3, 4]
    products = {p.title: p for p in rows(db, Product)}
    assert set(products) == {"宇治 煎茶", "ほうじ茶", "玄米茶", "抹茶"}
    assert sorted(v.title for v in rows(db, ProductVariant, ProductVariant.product_id == products["宇治 煎茶"].id)) == [
        "100g",
        "200g",
    ]
    docs = {d.product_id: d for d in rows(db, ProductSearch)}
    assert docs[products["ほうじ茶"].id].in_stock is False
    assert docs[products["抹茶"].id].searchable is False  # not on the online store
    assert products["宇治 煎茶"].image_url == "https://cdn.shopify.com/1.jpg"
    assert [f.product.title for f in search(session=db, shop=shop, query="煎茶").found] == ["宇治 煎茶"]


def test_a_chunk_that_fails_to_write_stops_the_import_and_nothing_after_it_is_written(app, db, shop, monkeypatch):
    """The writer thread's error reaches the caller at the next chunk: the chunk before it
    is committed, the failed one rolled back, none after it written, and no writer thread
    is left running when feed_all raises."""
    import threading

    monkeypatch.setattr(bulk, "CHUNK", 1)
    real = bulk.write_chunk
    attempts = []

    def failing(*, session, shop, prepared, seen_at):
        attempts.append(sorted(prepared.values))
        real(session=session, shop=shop, prepared=prepared, seen_at=seen_at)
        if attempts[-1] == [2]:
            raise RuntimeError("disk full")

    monkeypatch.setattr(bulk, "write_chunk", failing)
    pulled = []

    def source():
        for line in jsonl(*(o for pid in range(1, 7) for o in (node(pid, f"番茶 {pid}"), variant(pid * 10, pid)))):
            pulled.append(line)
            yield line

    with pytest.raises(RuntimeError, match="disk full"):
        Importer(engine=ext.engine(app), shop=shop, seen_at=utcnow()).feed_all(parse_lines(source()))

    assert [p.shopify_id for p in rows(db, Product)] == [1]
    assert [d.product_id for d in rows(db, ProductSearch)] == [p.id for p in rows(db, Product)]
    assert attempts == [[1], [2]]  # the third chunk waited for the second, and was never written
    assert len(pulled) == 7  # the reader stopped at the fourth product's line
    assert not [t for t in threading.enumerate() if t.name.startswith("bulk-import")]


def test_variant_out_of_order_is_attached_to_its_earlier_product(app, db, shop, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", 1)
    lines = jsonl(node(1, "麦茶"), node(2, "そば茶"), variant(11, 1, "1L"), variant(21, 2))

    Importer(engine=ext.engine(app), shop=shop, seen_at=utcnow()).feed_all(parse_lines(lines))

    by_product = {
        p.title: [v.title for v in rows(db, ProductVariant, ProductVariant.product_id == p.id)]
        for p in rows(db, Product)
    }
    assert by_product == {"麦茶": ["1L"], "そば茶": ["100g"]}


def test_a_bulk_imported_variant_follows_its_inventory_item(app, db, shop):
    """Back-in-stock hears restocks as inventory levels, which name the inventory item: the
    bulk import keeps it (and whether stock decides) so a fresh catalog is not deaf to them."""
    from app.sync.inventory import apply_inventory_level

    tracked = {**variant(11, 1, available=False), "inventoryPolicy": "DENY"}
    tracked["inventoryItem"] = {"id": "gid://shopify/InventoryItem/77", "tracked": True}
    oversold = {**variant(12, 1, "200g"), "inventoryPolicy": "CONTINUE"}
    oversold["inventoryItem"] = {"id": "gid://shopify/InventoryItem/78", "tracked": True}
    Importer(engine=ext.engine(app), shop=shop, seen_at=utcnow()).feed_all(
        parse_lines(jsonl(node(1, "新茶"), tracked, oversold))
    )
    kept = {v.shopify_id: (v.inventory_item_id, v.stock_tracked, v.available) for v in rows(db, ProductVariant)}
    assert kept == {11: (77, True, False), 12: (78, False, True)}

    level = {"inventory_item_id": 77, "location_id": 5, "available": 4, "updated_at": "2026-11-25T09:40:00+09:00"}
    change = apply_inventory_level(session=db, shop=shop, payload=level)
    assert change is not None and (change.was_available, change.variant.available) == (False, True)


def test_a_second_import_updates_in_place_and_inserts_only_what_is_new(app, db, shop, monkeypatch):
    """New rows go in as a bulk insert (COPY on PostgreSQL), known ones are updated: a
    variant gone from Shopify is removed, documents follow, and values (aware timestamps,
    prices) come back as they went in."""
    monkeypatch.setattr(bulk, "CHUNK", 2)
    engine = ext.engine(app)
    first = jsonl(node(1, "宇治 煎茶"), variant(11, 1), variant(12, 1, "200g"), node(2, "ほうじ茶"), variant(21, 2))
    Importer(engine=engine, shop=shop, seen_at=utcnow()).feed_all(parse_lines(first))
    later = "2026-11-20T00:00:00Z"
    second = jsonl(
        node(1, "宇治 新茶", updated=later),
        variant(12, 1, "200g", "2500.00"),
        variant(13, 1, "500g"),
        node(2, "ほうじ茶", updated=later),
        variant(21, 2),
        node(3, "玄米茶"),
        variant(31, 3),
    )
    assert Importer(engine=engine, shop=shop, seen_at=utcnow()).feed_all(parse_lines(second)) == 3

    db.expire_all()
    products = {p.shopify_id: p for p in rows(db, Product)}
    assert sorted(products) == [1, 2, 3]
    prices = {v.shopify_id: v.price for v in rows(db, ProductVariant, ProductVariant.product_id == products[1].id)}
    assert prices == {12: Decimal("2500.00"), 13: Decimal("1200.00")}
    assert products[3].published_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert products[3].created_at.tzinfo is not None and products[3].synced_at is not None
    docs = {d.product_id: d for d in rows(db, ProductSearch)}
    assert sorted(docs) == sorted(p.id for p in products.values())
    assert "新茶" in docs[products[1].id].title and docs[products[3].id].recent_sales == 0
    assert [f.product.shopify_id for f in search(session=db, shop=shop, query="玄米茶").found] == [3]


def test_the_nightly_sync_of_an_unchanged_catalog_rewrites_no_search_document(app, db, shop):
    """Products are marked seen (synced_at), but a document that is already the same is not
    written again; one whose product changed is."""
    from sqlalchemy import event

    engine = ext.engine(app)
    catalog = [node(1, "宇治 煎茶"), variant(11, 1), node(2, "ほうじ茶"), variant(21, 2)]
    Importer(engine=engine, shop=shop, seen_at=utcnow()).feed_all(parse_lines(jsonl(*catalog)))
    writes: list[str] = []

    def seen(conn, cursor, statement, params, context, many):
        if "product_search" in statement and statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        later = utcnow()
        Importer(engine=engine, shop=shop, seen_at=later).feed_all(parse_lines(jsonl(*catalog)))
        assert writes == []
        db.expire_all()
        assert {p.synced_at for p in rows(db, Product)} == {later}
        renamed = [node(1, "宇治 新茶", updated="2026-11-20T00:00:00Z"), variant(11, 1), *catalog[2:]]
        Importer(engine=engine, shop=shop, seen_at=utcnow()).feed_all(parse_lines(jsonl(*renamed)))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(writes) == 1 and writes[0].lstrip().upper().startswith("UPDATE")
    db.rollback()  # a fresh snapshot (SQLite's read transaction began before the last import)
    assert [f.product.shopify_id for f in search(session=db, shop=shop, query="新茶").found] == [1]


def test_a_large_import_on_sqlite_merges_its_search_index_once_at_the_end(app, db, shop, monkeypatch):
    """From the second chunk, FTS5 stops merging segments as it goes; at the end its own
    merging is back on and the index is merged once. PostgreSQL has nothing to defer."""
    monkeypatch.setattr(bulk, "CHUNK", 2)
    engine = ext.engine(app)
    sqlite = engine.dialect.name == "sqlite"

    def automerge() -> dict[str, str | None]:
        with engine.connect() as conn:
            return {
                t: conn.exec_driver_sql(f"SELECT v FROM {t}_config WHERE k = 'automerge'").scalar()
                for t in ("product_fts", "product_grams")
            }

    during: list[dict] = []
    progress = (lambda done: during.append(automerge())) if sqlite else (lambda done: None)
    lines = jsonl(*(o for pid in range(1, 6) for o in (node(pid, f"玄米茶 {pid}号"), variant(pid * 10, pid))))
    assert Importer(engine=engine, shop=shop, seen_at=utcnow(), on_progress=progress).feed_all(parse_lines(lines)) == 5

    found = search(session=db, shop=shop, query="玄米茶").found
    assert sorted(f.product.shopify_id for f in found) == [1, 2, 3, 4, 5]
    if sqlite:
        assert during[0] == {"product_fts": None, "product_grams": None}  # one chunk: nothing deferred yet
        assert during[1] == {"product_fts": 16, "product_grams": 16}
        assert automerge() == {"product_fts": 4, "product_grams": 4}
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO product_fts(product_fts) VALUES ('integrity-check')")
            conn.exec_driver_sql("INSERT INTO product_grams(product_grams) VALUES ('integrity-check')")


def test_bad_lines_are_skipped(app, db, shop):
    lines = ["{not json", "", "[1, 2]"] + jsonl(node(1, "昆布茶"), variant(11, 1))

    done = Importer(engine=ext.engine(app), shop=shop, seen_at=utcnow()).feed_all(parse_lines(lines))

    assert done == 1 and len(rows(db, Product)) == 1


def register_bulk(fake, lines: list[str], *, polls_before_done: int = 1):
    """Make the fake Shopify run a bulk operation whose result is `lines`."""
    fake.files["/bulk/result.jsonl"] = "\n".join(lines) + "\n"
    state = {"polls": 0}

    def status(variables):
        state["polls"] += 1
        done = state["polls"] > polls_before_done
        return {
            "node": {
                "id": variables["id"],
                "status": "COMPLETED" if done else "RUNNING",
                "errorCode": None,
                "objectCount": str(len(lines)),
                "url": f"{fake.url}/bulk/result.jsonl" if done else None,
            }
        }

    fake.resolvers[queries.PRODUCTS_COUNT.strip()] = lambda v: {"productsCount": {"count": 2}}
    fake.resolvers[queries.BULK_RUN.strip()] = lambda v: {
        "bulkOperationRunQuery": {
            "bulkOperation": {"id": "gid://shopify/BulkOperation/1", "status": "CREATED"},
            "userErrors": [],
        }
    }
    fake.resolvers[queries.BULK_STATUS.strip()] = status


def installed_shop(db, app, fake):
    shop = make_shop(
        db,
        access_token_enc=ext.vault(app).encrypt("shpat_bulk"),
        access_token_expires_at=utcnow() + timedelta(hours=1),
    )
    fake.access_tokens["shpat_bulk"] = "test-shop"
    return shop


def test_full_sync_through_a_bulk_operation_removes_vanished_products(app, db, fake_shopify):
    shop = installed_shop(db, app, fake_shopify)
    from app.sync.products import upsert_product
    from tests.plugins.search import product

    with app.app_context():
        gone = upsert_product(session=db, shop=shop, payload=product("もう売っていないお茶"))
        db.commit()
    gone_id = gone.id
    register_bulk(fake_shopify, jsonl(node(1, "八女 玉露"), variant(11, 1), node(2, "知覧 煎茶"), variant(21, 2)))
    with app.app_context():
        request_sync(session=db, shop=shop, trigger="manual")
        db.commit()
        engine = ext.engine(app)
        later = utcnow() + timedelta(seconds=1)
        assert advance_syncs(engine=engine, now=later) == {"running": 1}
        assert advance_syncs(engine=engine, now=later) == {"running": 1}  # still RUNNING on Shopify
        assert advance_syncs(engine=engine, now=later) == {"completed": 1}

    [sync] = rows(db, CatalogSync)
    assert (sync.status, sync.total, sync.done, sync.removed) == ("completed", 2, 2, 1)
    titles = {p.title: p for p in rows(db, Product)}
    assert titles["もう売っていないお茶"].deleted_at is not None
    assert rows(db, ProductSearch, ProductSearch.product_id == gone_id) == []
    assert {f.product.title for f in search(session=db, shop=shop, query="お茶").found} == {"八女 玉露", "知覧 煎茶"}


def test_a_stale_bulk_row_does_not_overwrite_a_newer_webhook(app, db, fake_shopify):
    shop = installed_shop(db, app, fake_shopify)
    from app.sync.products import upsert_product
    from tests.plugins.search import product

    payload = product("新しい名前の煎茶")
    payload.update(id=7, updated_at="2026-11-20T00:00:00+09:00")
    with app.app_context():
        upsert_product(session=db, shop=shop, payload=payload)
        db.commit()
    lines = jsonl(node(7, "古い名前の煎茶", updated="2026-11-01T00:00:00Z"), variant(71, 7))

    Importer(engine=ext.engine(app), shop=shop, seen_at=utcnow()).feed_all(parse_lines(lines))

    [stored] = rows(db, Product)
    assert stored.title == "新しい名前の煎茶" and stored.synced_at is not None


def test_a_failed_bulk_operation_is_reported(app, db, fake_shopify):
    shop = installed_shop(db, app, fake_shopify)
    register_bulk(fake_shopify, [])
    fake_shopify.resolvers[queries.BULK_STATUS.strip()] = lambda v: {
        "node": {"id": v["id"], "status": "FAILED", "errorCode": "INTERNAL_SERVER_ERROR"}
    }
    with app.app_context():
        request_sync(session=db, shop=shop, trigger="manual")
        db.commit()
        engine = ext.engine(app)
        advance_syncs(engine=engine, now=utcnow())
        assert advance_syncs(engine=engine, now=utcnow()) == {"failed": 1}

    [sync] = rows(db, CatalogSync)
    assert sync.status == "failed" and "INTERNAL_SERVER_ERROR" in sync.error
    assert db.exec(select(Product)).all() == []
