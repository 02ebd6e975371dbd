"""Audience live count at scale: p95 of `app.audiences.service.count` on SQLite and PostgreSQL.

    python bench/audiences.py             # full: 700,000 friends, 300,000 linked, 1,000,000 orders
    python bench/audiences.py --quick     # same code, a twentieth of the data, 10 counts
    python bench/audiences.py --pg URL    # PostgreSQL too (or TEST_DATABASE_URL; its server gets
                                          # a database of its own, tsunagu_bench_audiences)

One shop, built with bulk inserts on the migrated schema (the real indexes): friends (a
share blocked or opted out, languages, follow dates over three years), customers with tags,
spending and prefectures, orders over two years with line items of 2,000 products,
marketing and transactional messages over 90 days, and clicks on tracked links.

Each definition is counted once to warm up, then `--runs` times (20; 10 with --quick); median
and p95. Baselines in the same run: a plain count of the shop's friends, and the reachable
friends (the empty definition: not blocked, not opted out). Target: the five mixed
conditions' count p95 <= 500 ms on each database.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, func, insert, select  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import app.models  # noqa: E402, F401  (registers the tables)
from app.audiences.service import contains, count  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.models import LineFriend, Shop  # noqa: E402
from app.schema import upgrade  # noqa: E402

TARGET_MS = 500.0
PG_DB = "tsunagu_bench_audiences"
CHUNK = 20_000
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
TYPES = ("緑茶", "ほうじ茶", "抹茶", "紅茶", "茶器", "和菓子", "ギフト", "定期便")
VENDORS = ("静岡茶園", "宇治の里", "八女製茶", "美濃焼", "京菓子司")
CUSTOMER_TAGS = ("VIP", "リピーター", "メルマガ登録", "newsletter", "ギフト購入", "")
LANGUAGES = ("ja",) * 8 + ("en", "zh-Hant")
PREFECTURES = tuple(f"JP-{n:02d}" for n in range(1, 48))

FIVE_MIXED = {  # the benchmark's definition: five conditions of different kinds
    "match": "all",
    "groups": [
        {
            "match": "all",
            "conditions": [
                {"field": "total_spent", "op": "gte", "value": "30000"},
                {"field": "last_order", "op": "within", "days": 90},
                {"field": "prefecture", "op": "in", "values": ["JP-13", "JP-14", "JP-27"]},
                {"field": "bought", "by": "product_type", "values": ["緑茶"], "op": "bought", "days": 365},
                {"field": "received_marketing", "op": "not_within", "days": 7},
            ],
        }
    ],
}
DEFINITIONS = [
    ("baseline-all-friends", None),
    ("baseline-reachable", {"match": "all", "groups": []}),
    ("five-mixed", FIVE_MIXED),
    (
        "five-mixed-or",  # friend-side and store-side conditions across two groups, OR'd
        {
            "match": "any",
            "groups": [
                {
                    "match": "all",
                    "conditions": [
                        {"field": "linked", "value": False},
                        {"field": "friend_since", "op": "within", "days": 30},
                        {"field": "language", "op": "in", "values": ["ja"]},
                    ],
                },
                {
                    "match": "all",
                    "conditions": [
                        {"field": "clicked", "op": "within", "days": 30},
                        {"field": "customer_tag", "op": "any", "values": ["VIP"]},
                    ],
                },
            ],
        },
    ),
]


def _copy(engine, table: str, rows) -> int:
    """PostgreSQL: COPY, the fast way in (no SQL text per row, no type processing)."""
    from psycopg.types.json import Jsonb

    total, rows = 0, iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    columns = list(first)
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in itertools.chain([first], rows):
                copy.write_row([Jsonb(v) if isinstance(v, dict | list) else v for v in row.values()])
                total += 1
        raw.commit()
    finally:
        raw.close()
    return total


def _bulk(engine, table: str, rows) -> int:
    if engine.dialect.name == "postgresql":
        return _copy(engine, table, rows)
    total, batch, target = 0, [], SQLModel.metadata.tables[table]
    with engine.begin() as conn:
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK:
                conn.execute(insert(target), batch)
                total, batch = total + len(batch), []
        if batch:
            conn.execute(insert(target), batch)
            total += len(batch)
    return total


def build(engine, *, friends: int, linked: int, orders: int) -> tuple[int, dict[str, int]]:
    """The shop and its rows; ids are given explicitly so rows can refer to each other."""
    rnd = random.Random(7)
    with Session(engine) as session:
        shop = Shop(domain="bench-audiences.myshopify.com", name="ベンチ", installed_at=NOW)
        session.add(shop)
        session.commit()
        shop_id = shop.id
    customers = linked + linked // 15  # every linked friend has a customer; some customers no friend
    products = 2_000
    sizes = {
        "products": _bulk(
            engine,
            "products",
            (
                {
                    "id": 1 + i,
                    "shop_id": shop_id,
                    "shopify_id": 7_000_000 + i,
                    "handle": f"p{i}",
                    "title": f"商品{i}",
                    "description": "",
                    "vendor": VENDORS[i % len(VENDORS)],
                    "product_type": TYPES[i % len(TYPES)],
                    "tags": "新茶, ギフト" if i % 7 == 0 else "定番",
                    "status": "active",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for i in range(products)
            ),
        ),
        "customers": _bulk(
            engine,
            "customers",
            (
                {
                    "id": 1 + i,
                    "shop_id": shop_id,
                    "shopify_id": 10_000_000 + i,
                    "tags": ", ".join(sorted({rnd.choice(CUSTOMER_TAGS), rnd.choice(CUSTOMER_TAGS)} - {""})),
                    "orders_count": 0,
                    "total_spent": Decimal(int(rnd.paretovariate(1.2) * 4000)),
                    "province_code": rnd.choice(PREFECTURES[:20] + ("JP-13",) * 10),
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for i in range(customers)
            ),
        ),
        "line_friends": _bulk(
            engine,
            "line_friends",
            (
                {
                    "id": 1 + i,
                    "shop_id": shop_id,
                    "line_user_id": f"U{i:032x}",
                    "display_name": "友だち",
                    "language": rnd.choice(LANGUAGES),
                    "customer_id": 1 + i if i < linked else None,
                    "linked_at": NOW if i < linked else None,
                    "followed_at": NOW - timedelta(days=rnd.random() * 1100),
                    "is_blocked": rnd.random() < 0.08,
                    "marketing_opt_out_at": NOW if rnd.random() < 0.03 else None,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for i in range(friends)
            ),
        ),
    }

    def order_rows():
        for i in range(orders):
            # Skewed: a few customers order often, most rarely.
            customer = min(int(rnd.paretovariate(1.0) * customers / 50), customers - 1)
            yield {
                "id": 1 + i,
                "shop_id": shop_id,
                "shopify_id": 20_000_000 + i,
                "customer_shopify_id": 10_000_000 + customer if i % 11 else 10_000_000 + rnd.randrange(customers),
                "name": f"#{1000 + i}",
                "currency": "JPY",
                "subtotal_price": Decimal(3000),
                "total_price": Decimal(3300),
                "discount_codes": [],
                "processed_at": NOW - timedelta(days=rnd.random() * 730),
                "cancelled_at": NOW if i % 40 == 0 else None,
                "created_at": NOW,
                "updated_at": NOW,
            }

    sizes["orders"] = _bulk(engine, "orders", order_rows())
    sizes["order_line_items"] = _bulk(
        engine,
        "order_line_items",
        (
            {
                "shop_id": shop_id,
                "order_id": 1 + i,
                "shopify_id": 40_000_000 + i * 3 + k,
                "product_shopify_id": 7_000_000 + rnd.randrange(products),
                "title": "商品",
                "quantity": 1,
                "price": Decimal(1500),
            }
            for i in range(orders)
            for k in range(1 + (i % 3 == 0))
        ),
    )
    sizes.update(_messages(engine, rnd, shop_id=shop_id, friends=friends, linked=linked))
    return shop_id, sizes


def _messages(engine, rnd, *, shop_id: int, friends: int, linked: int) -> dict[str, int]:
    """Messages over the last 90 days; a link in every tenth, a third of those clicked."""
    clicked: list[tuple[uuid.UUID, int | None, datetime]] = []

    def rows():
        for i in range(friends):
            nid, at = uuid.UUID(int=rnd.getrandbits(128)), NOW - timedelta(days=rnd.random() * 90)
            friend = 1 + rnd.randrange(friends)
            if i % 30 == 0:
                clicked.append((nid, friend if friend <= linked else None, at + timedelta(minutes=5)))
            yield {
                "id": nid,
                "shop_id": shop_id,
                "friend_id": friend,
                "customer_id": friend if friend <= linked else None,
                "flow": "abandoned_checkout" if i % 3 else "order_confirmation",
                "step": 0,
                "dedupe_key": f"bench-{i}",
                "marketing": bool(i % 3),
                "due_at": at,
                "status": "sent",
                "attempts": 1,
                "messages": [],
                "context": {},
                "sent_at": at,
                "created_at": at,
                "updated_at": at,
            }

    sizes = {"notifications": _bulk(engine, "notifications", rows())}
    sizes["tracked_links"] = _bulk(
        engine,
        "tracked_links",
        (
            {
                "id": 1 + i,
                "shop_id": shop_id,
                "token": f"t{i:020d}",
                "notification_id": nid,
                "customer_id": customer,
                "flow": "abandoned_checkout",
                "target": "https://bench.example/",
                "clicks": 1,
                "created_at": at,
            }
            for i, (nid, customer, at) in enumerate(clicked)
        ),
    )
    sizes["link_clicks"] = _bulk(
        engine,
        "link_clicks",
        (
            {
                "shop_id": shop_id,
                "link_id": 1 + i,
                "notification_id": nid,
                "customer_id": customer,
                "flow": "abandoned_checkout",
                "clicked_at": at,
            }
            for i, (nid, customer, at) in enumerate(clicked)
        ),
    )
    return sizes


def _time(call, runs: int) -> tuple[float, float, object]:
    answer = call()  # warm-up
    took = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        took.append((time.perf_counter() - start) * 1000)
    took.sort()
    return statistics.median(took), took[int(0.95 * (len(took) - 1) + 0.5)], answer


def measure(engine, shop_id: int, runs: int) -> list[tuple[str, float, float, str]]:
    results = []
    with Session(engine) as session:
        shop = session.get(Shop, shop_id)
        for name, definition in DEFINITIONS:
            if definition is None:
                plain = select(func.count()).select_from(LineFriend).where(LineFriend.shop_id == shop_id)
                median, p95, answer = _time(lambda q=plain: session.execute(q).scalar_one(), runs)
                shown = f"{answer:,} friends"
            else:
                median, p95, size = _time(
                    lambda d=definition: count(session=session, shop=shop, definition=d, now=NOW), runs
                )
                shown = f"{size.linked:,} linked + {size.unlinked:,} unlinked"
            results.append((name, median, p95, shown))
        # One friend at a time, as step sequences and rich menus ask: 20 friends across the shop.
        ids = session.execute(select(LineFriend.id).where(LineFriend.shop_id == shop_id)).scalars().all()
        sample = ids[:: max(1, len(ids) // 20)][:20]
        took = []
        for friend_id in sample:
            start = time.perf_counter()
            contains(session=session, shop=shop, definition=FIVE_MIXED, friend_id=friend_id, now=NOW)
            took.append((time.perf_counter() - start) * 1000)
        took.sort()
        p95 = took[int(0.95 * (len(took) - 1) + 0.5)]
        results.append(("contains-five-mixed", statistics.median(took), p95, f"{len(sample)} friends"))
    return results


def _loader(url: str):
    """The engine that builds the data: on SQLite without waiting for the disk (a bench file)."""
    engine = make_engine(url)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _fast(dbapi_conn, _record):
            dbapi_conn.execute("PRAGMA synchronous=OFF")
            dbapi_conn.execute("PRAGMA cache_size=-1000000")  # 1 GB: index pages stay in memory

    return engine


def run_backend(backend: str, url: str, args) -> list:
    upgrade(url)
    loader = _loader(url)
    start = time.perf_counter()
    shop_id, sizes = build(loader, friends=args.friends, linked=args.linked, orders=args.orders)
    loader.dispose()
    engine = make_engine(url)
    # Statistics, and on PostgreSQL the visibility map a live database has from autovacuum:
    # without it, freshly copied tables answer no index-only scan without reading the heap.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("vacuum analyze" if engine.dialect.name == "postgresql" else "analyze")
    print(
        f"[{backend}] built in {time.perf_counter() - start:.1f} s: "
        + ", ".join(f"{table} {n:,}" for table, n in sizes.items()),
        flush=True,
    )
    rows = [(backend, *row) for row in measure(engine, shop_id, args.runs)]
    engine.dispose()
    for _backend, name, median, p95, shown in rows:  # as soon as measured: a later failure keeps them
        print(f"[{backend}] {name}: median {median:.1f} ms, p95 {p95:.1f} ms ({shown})", flush=True)
    return rows


def _pg_url(given: str | None) -> str | None:
    """A fresh database of our own on the server `given` names (never the given database itself)."""
    if not given:
        return None
    base = given.replace("postgresql+psycopg://", "postgresql://")
    admin = base.rsplit("/", 1)[0] + "/postgres"
    engine = create_engine(admin.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"drop database if exists {PG_DB} with (force)")
        conn.exec_driver_sql(f"create database {PG_DB}")
    engine.dispose()
    return base.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{PG_DB}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a twentieth of the data, 10 counts")
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"), help="a PostgreSQL URL (its server)")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    scale = 20 if args.quick else 1
    args.friends, args.linked, args.orders = 700_000 // scale, 300_000 // scale, 1_000_000 // scale
    args.runs = args.runs or (10 if args.quick else 20)
    print(
        f"workload: 1 shop, {args.friends:,} friends ({args.linked:,} linked), {args.orders:,} orders, "
        f"{args.runs} counts per definition after a warm-up"
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_sqlite:
            rows += run_backend("sqlite", f"sqlite:///{tmp}/audiences.db", args)
        pg = _pg_url(args.pg)
        if pg:
            rows += run_backend("postgresql", pg, args)
        else:
            print("PostgreSQL not given (--pg or TEST_DATABASE_URL): SQLite only")
    print(f"\n{'backend':<11} {'definition':<22} {'median ms':>10} {'p95 ms':>8}  size")
    for backend, name, median, p95, shown in rows:
        print(f"{backend:<11} {name:<22} {median:>10.1f} {p95:>8.1f}  {shown}")
    print()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for backend, name, _median, p95, _shown in rows:
        if name == "five-mixed":
            verdict = "PASS" if p95 <= TARGET_MS else "MISS"
            print(f"BENCH segment-count-p95-{backend} {p95:.1f} ms target <= {TARGET_MS:.0f} {verdict}")


if __name__ == "__main__":
    main()
