"""The friend sources page at scale: server time of the page and its JSON API.

    python bench/sources.py           # full: 1,000,000 visits, 100,000 friends, 10 sources
    python bench/sources.py --quick   # same code, 100,000 visits, 10,000 friends, 10 requests

One shop (the demo domain: loopback requests get it without a session token) on SQLite and
on PostgreSQL (database tsunagu_bench_sources, migrated with app.schema.upgrade). Visits are
spread over 120 days, a fifth of them made someone a friend; half the friends have a
source, a third of those are linked to customers with orders credited to LINE; blocks
over 120 days. Each target: one warm-up, then the timed requests through the Flask test
client; median and p95. Target: p95 <= 200 ms (issue 13's sources page).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, insert  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from app import create_app, ext  # noqa: E402
from app.formatting import zone  # noqa: E402
from app.schema import upgrade  # noqa: E402
from app.timeutil import utcnow  # noqa: E402
from bench.admin import PG_ADMIN_URL, _settings  # noqa: E402

PG_DB = "tsunagu_bench_sources"
TARGET_MS = 200.0
TIMEZONE = "Asia/Tokyo"
SOURCES = 10
DAYS = 120
CHUNK = 20_000
LOCAL = {"environ_base": {"REMOTE_ADDR": "127.0.0.1"}, "headers": {"Host": "localhost"}}
TARGETS = [
    ("page-7d", "/sources?period=7"),
    ("page-30d", "/sources?period=30"),
    ("page-90d", "/sources?period=90"),
    ("api-30d", "/api/sources?period=30"),
]


def _bulk(engine: Engine, table: str, rows) -> int:
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


def seed(engine: Engine, *, visits: int, friends: int) -> dict[str, int]:
    rnd, now = random.Random(13), utcnow()
    with engine.begin() as conn:
        shop_id = conn.execute(
            insert(SQLModel.metadata.tables["shops"])
            .values(
                domain="tsunagu-demo.myshopify.com",
                timezone=TIMEZONE,
                name="ベンチ",
                is_demo=True,
                installed_at=now,
                created_at=now,
                updated_at=now,
            )
            .returning(SQLModel.metadata.tables["shops"].c.id)
        ).scalar_one()
    sizes = {
        "friend_sources": _bulk(
            engine,
            "friend_sources",
            (
                {
                    "id": 1 + s,
                    "shop_id": shop_id,
                    "name": f"経路{s + 1}",
                    "slug": f"src-{s + 1}",
                    "cost_yen": 10_000 * (s + 1),
                    "created_at": now,
                    "updated_at": now,
                }
                for s in range(SOURCES)
            ),
        )
    }
    customers = friends // 6
    sizes["customers"] = _bulk(
        engine,
        "customers",
        (
            {
                "id": 1 + i,
                "shop_id": shop_id,
                "shopify_id": 10_000_000 + i,
                "tags": "",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(customers)
        ),
    )

    def friend(i: int) -> dict:
        sourced = i % 2 == 0
        linked = sourced and i % 6 == 0 and i // 6 < customers
        return {
            "id": 1 + i,
            "shop_id": shop_id,
            "line_user_id": f"U{i:032x}",
            "is_blocked": i % 20 == 0,
            "followed_at": now - timedelta(days=rnd.random() * DAYS),
            "customer_id": 1 + i // 6 if linked else None,
            "linked_at": now - timedelta(days=rnd.random() * DAYS) if linked else None,
            "source_id": 1 + i % SOURCES if sourced else None,
            "source_at": now - timedelta(days=rnd.random() * DAYS) if sourced else None,
            "created_at": now,
            "updated_at": now,
        }

    sizes["line_friends"] = _bulk(engine, "line_friends", (friend(i) for i in range(friends)))

    tz = zone(TIMEZONE)
    days: dict[tuple[int, object], list[int]] = {}

    def visit(k: int) -> dict:
        at = now - timedelta(days=rnd.random() * DAYS)
        new = k % 5 == 0
        source_id = 1 + rnd.randrange(SOURCES)
        counts = days.setdefault((source_id, at.astimezone(tz).date()), [0, 0])
        counts[0] += 1
        counts[1] += int(new)
        return {
            "shop_id": shop_id,
            "source_id": source_id,
            "visited_at": at,
            "ip_hash": f"{rnd.getrandbits(64):016x}" * 4,
            "route": "login",
            "outcome": "new" if new else "existing",
            "resolved_at": at + timedelta(seconds=20),
            "line_friend_id": 1 + rnd.randrange(friends),
            "greeted_at": at + timedelta(seconds=21),
        }

    sizes["friend_source_visits"] = _bulk(engine, "friend_source_visits", (visit(k) for k in range(visits)))
    sizes["friend_source_days"] = _bulk(
        engine,
        "friend_source_days",
        (
            {"shop_id": shop_id, "source_id": source_id, "day": day, "visits": v, "new_friends": n}
            for (source_id, day), (v, n) in days.items()
        ),
    )
    sizes["friend_blocks"] = _bulk(
        engine,
        "friend_blocks",
        (
            {"shop_id": shop_id, "friend_id": 1 + i, "blocked_at": now - timedelta(days=rnd.random() * DAYS)}
            for i in range(0, friends, 20)
        ),
    )
    orders = customers * 2
    sizes["orders"] = _bulk(
        engine,
        "orders",
        (
            {
                "id": 1 + k,
                "shop_id": shop_id,
                "shopify_id": 50_000_000 + k,
                "customer_shopify_id": 10_000_000 + k % customers,
                "currency": "JPY",
                "created_at": now,
                "updated_at": now,
            }
            for k in range(orders)
        ),
    )
    sizes["attributions"] = _bulk(
        engine,
        "attributions",
        (
            {
                "shop_id": shop_id,
                "order_id": 1 + k,
                "kind": "click",
                "revenue": Decimal(3000 + k % 20 * 500),
                "currency": "JPY",
                "ordered_at": now - timedelta(days=rnd.random() * DAYS),
                "created_at": now,
            }
            for k in range(0, orders, 2)
        ),
    )
    return sizes


def _pg_url() -> str | None:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"drop database if exists {PG_DB} with (force)")
            conn.execute(f"create database {PG_DB}")
    except Exception as exc:  # no server: SQLite only
        print(f"PostgreSQL not available ({exc.__class__.__name__}); SQLite only")
        return None
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"


def _time(call, requests: int) -> tuple[int, float, float]:
    status = call().status_code  # warm-up
    took = []
    for _ in range(requests):
        start = time.perf_counter()
        call()
        took.append((time.perf_counter() - start) * 1000)
    took.sort()
    return status, statistics.median(took), took[int(0.95 * (len(took) - 1) + 0.5)]


def run_backend(name: str, url: str, visits: int, friends: int, requests: int) -> list:
    upgrade(url)
    app = create_app(_settings(url))
    start = time.perf_counter()
    sizes = seed(ext.engine(app), visits=visits, friends=friends)
    if name == "postgresql":
        with ext.engine(app).begin() as conn:
            conn.exec_driver_sql("analyze")
    print(
        f"[{name}] seeded in {time.perf_counter() - start:.1f} s: " + ", ".join(f"{t} {n:,}" for t, n in sizes.items()),
        flush=True,
    )
    client = app.test_client()
    rows = [(name, target, *_time(lambda u=url_: client.get(u, **LOCAL), requests)) for target, url_ in TARGETS]
    ext.engine(app).dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 visits, 10,000 friends, 10 requests")
    args = parser.parse_args()
    visits, friends, requests = (100_000, 10_000, 10) if args.quick else (1_000_000, 100_000, 20)
    print(
        f"workload: 1 shop, {SOURCES} sources, {visits:,} visits over {DAYS} days, {friends:,} friends, "
        f"{requests} requests per target after a warm-up"
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += run_backend("sqlite", f"sqlite:///{tmp}/sources.db", visits, friends, requests)
    pg = _pg_url()
    if pg:
        rows += run_backend("postgresql", pg, visits, friends, requests)
    print(f"\n{'backend':<11} {'target':<10} {'status':>6} {'median ms':>10} {'p95 ms':>8}")
    for backend, target, status, median, p95 in rows:
        print(f"{backend:<11} {target:<10} {status:>6} {median:>10.1f} {p95:>8.1f}")
    print()
    worst = max(rows, key=lambda r: r[4])
    for backend, target, status, _median, p95 in rows:
        verdict = "PASS" if status == 200 and p95 <= TARGET_MS else "MISS"
        print(f"BENCH sources-page-{target}-{backend}-p95 {p95:.1f} ms target <= {TARGET_MS:.0f} {verdict}")
    verdict = "PASS" if all(r[2] == 200 and r[4] <= TARGET_MS for r in rows) else "MISS"
    print(f"BENCH sources-page-p95 {worst[4]:.1f} ms target <= {TARGET_MS:.0f} {verdict}")


if __name__ == "__main__":
    main()
