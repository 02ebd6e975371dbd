"""Admin pages at scale: server time of each page and its JSON API calls.

    python bench/admin.py           # full: 100,000 customers, 1,000,000 notifications
    python bench/admin.py --quick   # same code, 3,000 customers, 30,000 notifications, 10 requests
    python bench/admin.py --backend sqlite|postgresql   # one database (each reports as it ends)

Both databases run one after the other, each in a process of its own (as `--backend`).

One shop (the demo store: loopback requests get it without a session token, which is the
`embedded` decorator's other branch) is seeded on SQLite and on PostgreSQL (database
tsunagu_bench_admin, migrated with app.schema.upgrade) by bench/_admin_seed.py (customers,
friends, the outbox, clicks, orders) and, in proportion to its friends, by
bench/_admin_seed_marketing.py (sources, segments, ~100 campaigns) and
bench/_admin_seed_engagement.py (sequences, rich menus, back in stock, Shopify Flow, privacy).

Targets are every page and GET API a merchant's browser loads in the admin, plus the reads
pages make by POST (segment counts, the forecast, the timeline, the composer's preview);
not the actions that change things, nor the simulator (a dev tool) or the Shopify segment
calls (they wait on Shopify). An object's page takes the biggest one's id (the campaign
sent to the most friends, the sequence most friends entered, the default rich menu). Each
target is requested in-process through the Flask test client: one warm-up, then 20 timed
requests; median and p95. Baselines in the same run: a trivial API call through the same
auth, and a bare Flask app, show the floor. A target whose id cannot be found is "no id".
Target: status 200 and p95 <= 200 ms for every page and API call.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.fernet import Fernet  # noqa: E402
from flask import Flask  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from app import create_app, ext, heap  # noqa: E402
from app.config import Settings  # noqa: E402
from app.flows.registry import Flow  # noqa: E402
from app.models import Shop  # noqa: E402
from app.schema import upgrade  # noqa: E402
from app.timeutil import utcnow  # noqa: E402
from app.tracking.rollup_rebuild import rebuild  # noqa: E402
from bench import _admin_seed as seed  # noqa: E402
from bench import _admin_seed_engagement as seed_engagement  # noqa: E402
from bench import _admin_seed_marketing as seed_marketing  # noqa: E402

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "tsunagu_bench_admin"
TARGET_MS = 200.0
REQUESTS = 20
# Tables the seeders write ids into (PostgreSQL's sequences are moved past them afterwards).
ID_TABLES = (
    "customers",
    "line_friends",
    "tracked_links",
    "orders",
    "friend_sources",
    "segments",
    "campaigns",
    "sequences",
    "sequence_runs",
    "products",
    "product_variants",
)
LOCAL = {"environ_base": {"REMOTE_ADDR": "127.0.0.1"}, "headers": {"Host": "localhost"}}


def _next(first: str, key: str = "next_cursor"):
    """A URL built from the first page's answer (its next cursor)."""

    def build(client) -> str | None:
        cursor = client.get(first, **LOCAL).get_json().get(key)
        return f"{first}{'&' if '?' in first else '?'}cursor={cursor}" if cursor else None

    return build


def _days_ago(days: int) -> str:
    return (utcnow() - timedelta(days=days)).date().isoformat()


def _biggest(listing: str, key: str, size: str) -> Callable:
    """The id of the listed object with the largest `size` (the campaign sent to the most
    friends, the sequence most friends entered), read from the list API as the page does."""

    def pick(client) -> int | None:
        rows = client.get(listing, **LOCAL).get_json().get(key) or []
        return max(rows, key=lambda row: row.get(size) or 0)["id"] if rows else None

    return pick


def _with(pick: Callable, path: str) -> Callable:
    """A URL naming the picked object: path has one {} for its id."""

    def build(client) -> str | None:
        found = pick(client)
        return None if found is None else path.format(found)

    return build


def _default_menu(client) -> int | None:
    menus = client.get("/api/rich-menus", **LOCAL).get_json().get("menus") or []
    return next((m["id"] for m in menus if m["is_default"]), None)


def _draft(client) -> int | None:
    """The newest draft (a sent campaign's editor and forecast redirect to its results)."""
    rows = client.get("/api/campaigns", **LOCAL).get_json().get("campaigns") or []
    return next((c["id"] for c in rows if c["status"] == "draft"), None)


def _first(listing: str, key: str) -> Callable:
    def pick(client) -> int | None:
        rows = client.get(listing, **LOCAL).get_json().get(key) or []
        return rows[0]["id"] if rows else None

    return pick


CAMPAIGN = _biggest("/api/campaigns", "campaigns", "recipients")
SEQUENCE = _biggest("/api/sequences", "sequences", "entered")
SOURCE = _first("/api/sources", "sources")
SEGMENT = _first("/api/segments", "segments")
VIP = {
    "match": "all",
    "groups": [{"match": "all", "conditions": [{"field": "total_spent", "op": "gte", "value": 20000}]}],
}
STEPS = [{"delay_amount": d, "delay_unit": "days", "delay_from": "previous", "at_time": "10:00"} for d in (0, 2, 4, 6)]

# (name, url or a function of the client giving one[, JSON body: POSTed]). The POSTs are the
# reads a page makes by POST (counts, the forecast, the timeline, the preview), not actions.
TARGETS = [
    ("baseline-auth", "/api/catalog/sync"),
    *[(f"home-{d}d", f"/?period={d}") for d in (7, 30, 90)],
    *[(f"dashboard-api-{d}d", f"/api/dashboard?period={d}") for d in (7, 30, 90)],
    ("flows", "/flows"),
    ("flows-api", "/api/flows"),
    ("flow-api", f"/api/flows/{Flow.ABANDONED_CHECKOUT}"),
    ("back-in-stock", "/api/back-in-stock"),
    ("customers", "/customers"),
    ("customers-api", "/api/customers"),
    ("customers-api-name", "/api/customers?q=佐藤"),
    ("customers-api-email", "/api/customers?q=user77777@example.jp"),
    ("customers-api-next", _next("/api/customers")),
    ("customer", "/customers/1"),
    ("customer-api", "/api/customers/1"),
    ("line-friends-api", "/api/line-friends?q=花子"),
    ("messages", "/messages"),
    ("messages-api", "/api/messages"),
    ("messages-api-flow", f"/api/messages?flow={Flow.REPURCHASE}"),
    ("messages-api-status", "/api/messages?status=failed"),
    ("messages-api-range", lambda c: f"/api/messages?from={_days_ago(40)}&to={_days_ago(30)}"),
    ("messages-api-next", _next("/api/messages")),
    ("campaigns", "/campaigns"),
    ("campaigns-api", "/api/campaigns"),
    ("campaign-new", "/campaigns/new"),
    ("campaign-edit", _with(_draft, "/campaigns/{}")),
    ("campaign-api", _with(CAMPAIGN, "/api/campaigns/{}")),
    ("campaign-forecast", _with(_draft, "/campaigns/{}/forecast")),
    ("campaign-forecast-api", _with(_draft, "/api/campaigns/{}/forecast"), {}),
    ("campaign-progress", _with(CAMPAIGN, "/api/campaigns/{}/progress")),
    ("campaign-results", _with(CAMPAIGN, "/campaigns/{}/results")),
    ("campaign-results-api", _with(CAMPAIGN, "/api/campaigns/{}/results")),
    ("campaign-products", "/api/campaign-products?q=Tシャツ"),
    ("campaign-friends", "/api/campaign-friends?q=花子"),
    ("campaign-preview", "/api/campaigns/preview", {"blocks": [{"type": "text", "text": "週末セールのお知らせ"}]}),
    ("audiences", "/audiences"),
    ("audience-new", "/audiences/new"),
    ("audience-edit", _with(SEGMENT, "/audiences/{}")),
    ("segments-api", "/api/segments"),
    ("segment-api", _with(SEGMENT, "/api/segments/{}")),
    ("segment-count", _with(SEGMENT, "/api/segments/{}/count"), {}),
    ("audience-count", "/api/audiences/count", {"definition": VIP}),
    ("sequences", "/sequences"),
    ("sequences-api", "/api/sequences"),
    ("sequence-new", "/sequences/new"),
    ("sequence-editor", _with(SEQUENCE, "/sequences/{}")),
    ("sequence-api", _with(SEQUENCE, "/api/sequences/{}")),
    ("sequence-timeline", "/api/sequences/timeline", {"steps": STEPS}),
    *[(f"sources-{d}d", f"/sources?period={d}") for d in (7, 30, 90)],
    *[(f"sources-api-{d}d", f"/api/sources?period={d}") for d in (7, 30, 90)],
    ("source-qr", _with(SOURCE, "/api/sources/{}/qr.png")),
    ("rich-menus", "/rich-menus"),
    ("rich-menus-api", "/api/rich-menus"),
    ("rich-menu-api", _with(_default_menu, "/api/rich-menus/{}")),
    ("rich-menu-results", _with(_default_menu, "/api/rich-menus/{}/results")),
    ("rich-menu-results-90d", _with(_default_menu, "/api/rich-menus/{}/results?days=90")),
    ("shopify-flow", "/shopify-flow"),
    ("keywords", "/keywords"),
    ("keywords-api", "/api/keyword-rules"),
    ("store-questions-api", "/api/store-questions"),
    ("privacy", "/privacy"),
    ("privacy-export", "/privacy/requests/1.json"),
    ("settings", "/settings"),
    ("followers-import-api", "/api/line/followers/import"),
    ("openapi", "/api/openapi.json"),
]


def _settings(url: str) -> Settings:
    return Settings(
        env="development",
        database_url=url,
        secret_key="s" * 40,
        encryption_keys=(Fernet.generate_key().decode(),),
        app_url="http://localhost",
        shopify_api_key="",
        shopify_api_secret="",
    )


def _time(call) -> tuple[int, float, float]:
    status = call().status_code  # warm-up
    took = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        call()
        took.append((time.perf_counter() - start) * 1000)
    took.sort()
    return status, statistics.median(took), took[int(0.95 * (len(took) - 1) + 0.5)]


def measure(app) -> list[tuple[str, int | None, float, float]]:
    client, results = app.test_client(), []
    bare = Flask("bare")
    bare.add_url_rule("/", "ok", lambda: "ok")
    bare_client = bare.test_client()
    results.append(("baseline-bare-flask", *_time(lambda: bare_client.get("/"))))
    for name, target, *body in TARGETS:
        url = target(client) if callable(target) else target
        if url is None:
            results.append((name, None, 0.0, 0.0))
        elif body:
            results.append((name, *_time(lambda u=url, b=body[0]: client.post(u, json=b, **LOCAL))))
        else:
            results.append((name, *_time(lambda u=url: client.get(u, **LOCAL))))
    return results


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


def _seed(engine, *, customers: int, notifications: int) -> dict[str, int]:
    """The base seed (customers, friends, the outbox, clicks, orders), then the marketing
    half in proportion to its friends."""
    sizes = seed.seed(engine, customers=customers, notifications=notifications)
    with Session(engine) as s:
        shop_id = s.exec(select(Shop.id)).one()
    rnd, now, friends = random.Random(11), utcnow(), customers // 2
    sizes |= seed_marketing.seed(engine, rnd, shop_id=shop_id, friends=friends, now=now)
    seed_marketing.fix_id_sequences(engine, ID_TABLES)  # the menus' links are inserted by the app
    sizes |= seed_engagement.seed(engine, rnd, shop_id=shop_id, friends=friends, now=now)
    seed_marketing.fix_id_sequences(engine, ID_TABLES)
    return sizes


def run_backend(name: str, url: str, customers: int, notifications: int) -> list:
    upgrade(url)
    app = create_app(_settings(url))
    start = time.perf_counter()
    with app.app_context():  # the menus' links are signed with the app's secret
        sizes = _seed(ext.engine(app), customers=customers, notifications=notifications)
    seeded = time.perf_counter() - start
    start = time.perf_counter()
    with Session(ext.engine(app)) as s:  # the seed writes raw rows: recount the rollups once
        written = rebuild(session=s, shop_ids=list(s.exec(select(Shop.id))))
        s.commit()
    recounted = time.perf_counter() - start
    if name == "postgresql":  # what autovacuum does after a bulk load (as bench/search.py): planner
        # statistics and the visibility map, without which no index-only scan skips the table
        with ext.engine(app).execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            conn.exec_driver_sql("vacuum analyze")
    print(
        f"[{name}] seeded in {seeded:.1f} s: "
        + ", ".join(f"{table} {n:,}" for table, n in sizes.items())
        + f"; rollups rebuilt in {recounted:.1f} s ({written:,} rows)",
        flush=True,
    )
    heap.settle()  # as wsgi.py does in every server process once the app is loaded
    results = measure(app)
    ext.engine(app).dispose()
    return [(name, *row) for row in results]


def report(rows: list) -> None:
    print(f"\n{'backend':<11} {'target':<22} {'status':>6} {'median ms':>10} {'p95 ms':>8}")
    for backend, name, status, median, p95 in rows:
        shown = "no id" if status is None else status
        print(f"{backend:<11} {name:<22} {shown!s:>6} {median:>10.1f} {p95:>8.1f}")
    print()
    for backend, name, status, _median, p95 in rows:
        if name.startswith("baseline"):
            continue
        verdict = "PASS" if status == 200 and p95 <= TARGET_MS else "MISS"
        print(f"BENCH admin-{name}-{backend}-p95 {p95:.1f} ms target <= {TARGET_MS:.0f} {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3,000 customers, 30,000 notifications, 10 requests")
    parser.add_argument(
        "--backend",
        choices=("both", "sqlite", "postgresql"),
        default="both",
        help="one database only (two runs can then go side by side); each reports as it ends",
    )
    args = parser.parse_args()
    global REQUESTS
    customers, notifications = (3_000, 30_000) if args.quick else (100_000, 1_000_000)
    REQUESTS = 10 if args.quick else REQUESTS
    if args.backend == "both":
        # Each database in a process of its own, as a server serves one: after a run the
        # process holds the seeder's and the first app's leftovers, which cost the second
        # database's forecast 160 -> 189 ms median in one process, not in two.
        for backend in ("sqlite", "postgresql"):
            child = [sys.executable, __file__, "--backend", backend, *(["--quick"] if args.quick else [])]
            if subprocess.run(child, check=False).returncode != 0:
                sys.exit(f"bench/admin.py --backend {backend} failed")
        return
    print(
        f"workload: 1 shop, {customers:,} customers, {notifications:,} notifications over 90 days, "
        f"{REQUESTS} requests per target after a warm-up"
    )
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            report(run_backend("sqlite", f"sqlite:///{tmp}/admin.db", customers, notifications))
    pg = _pg_url() if args.backend == "postgresql" else None
    if pg:
        report(run_backend("postgresql", pg, customers, notifications))


if __name__ == "__main__":
    main()
