"""Admin pages at scale: server time of each page and its JSON API calls.

    python bench/admin.py           # full: 100,000 customers, 1,000,000 notifications
    python bench/admin.py --quick   # same code, 3,000 customers, 30,000 notifications, 10 requests
    python bench/admin.py --backend sqlite|postgresql   # one database (each reports as it ends)

One shop (the demo store: loopback requests get it without a session token, which is the
`embedded` decorator's other branch) is seeded on SQLite and on PostgreSQL (database
tsunagu_bench_admin, migrated with app.schema.upgrade) by bench/_admin_seed.py. Each target
is requested in-process through the Flask test client: one warm-up, then 20 timed requests;
median and p95. Baselines in the same run: a trivial API call through the same auth, and a
bare Flask app, show the floor. Targets are data; one that answers 404 is "not present".
Target: p95 <= 200 ms for every page and API call.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.fernet import Fernet  # noqa: E402
from flask import Flask  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from app import create_app, ext  # noqa: E402
from app.config import Settings  # noqa: E402
from app.flows.registry import Flow  # noqa: E402
from app.models import Shop  # noqa: E402
from app.schema import upgrade  # noqa: E402
from app.timeutil import utcnow  # noqa: E402
from app.tracking.rollup_rebuild import rebuild  # noqa: E402
from bench import _admin_seed as seed  # noqa: E402

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "tsunagu_bench_admin"
TARGET_MS = 200.0
REQUESTS = 20
LOCAL = {"environ_base": {"REMOTE_ADDR": "127.0.0.1"}, "headers": {"Host": "localhost"}}


def _next(first: str, key: str = "next_cursor"):
    """A URL built from the first page's answer (its next cursor)."""

    def build(client) -> str | None:
        cursor = client.get(first, **LOCAL).get_json().get(key)
        return f"{first}{'&' if '?' in first else '?'}cursor={cursor}" if cursor else None

    return build


def _days_ago(days: int) -> str:
    return (utcnow() - timedelta(days=days)).date().isoformat()


TARGETS = [  # (name, url or a function of the client giving one)
    ("baseline-auth", "/api/catalog/sync"),
    *[(f"home-{d}d", f"/?period={d}") for d in (7, 30, 90)],
    *[(f"dashboard-api-{d}d", f"/api/dashboard?period={d}") for d in (7, 30, 90)],
    ("flows", "/flows"),
    ("flows-api", "/api/flows"),
    ("customers", "/customers"),
    ("customers-api", "/api/customers"),
    ("customers-api-name", "/api/customers?q=佐藤"),
    ("customers-api-email", "/api/customers?q=user77777@example.jp"),
    ("customers-api-next", _next("/api/customers")),
    ("messages", "/messages"),
    ("messages-api", "/api/messages"),
    ("messages-api-flow", f"/api/messages?flow={Flow.REPURCHASE}"),
    ("messages-api-status", "/api/messages?status=failed"),
    ("messages-api-range", lambda c: f"/api/messages?from={_days_ago(40)}&to={_days_ago(30)}"),
    ("messages-api-next", _next("/api/messages")),
    ("keywords", "/keywords"),
    ("keywords-api", "/api/keyword-rules"),
    ("settings", "/settings"),
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
    for name, target in TARGETS:
        url = target(client) if callable(target) else target
        if url is None:
            results.append((name, None, 0.0, 0.0))
            continue
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


def run_backend(name: str, url: str, customers: int, notifications: int) -> list:
    upgrade(url)
    app = create_app(_settings(url))
    start = time.perf_counter()
    sizes = seed.seed(ext.engine(app), customers=customers, notifications=notifications)
    seeded = time.perf_counter() - start
    start = time.perf_counter()
    with Session(ext.engine(app)) as s:  # the seed writes raw rows: recount the rollups once
        written = rebuild(session=s, shop_ids=list(s.exec(select(Shop.id))))
        s.commit()
    recounted = time.perf_counter() - start
    if name == "postgresql":
        with ext.engine(app).begin() as conn:
            conn.exec_driver_sql("analyze")
    print(
        f"[{name}] seeded in {seeded:.1f} s: "
        + ", ".join(f"{table} {n:,}" for table, n in sizes.items())
        + f"; rollups rebuilt in {recounted:.1f} s ({written:,} rows)",
        flush=True,
    )
    results = measure(app)
    ext.engine(app).dispose()
    return [(name, *row) for row in results]


def report(rows: list) -> None:
    print(f"\n{'backend':<11} {'target':<22} {'status':>6} {'median ms':>10} {'p95 ms':>8}")
    for backend, name, status, median, p95 in rows:
        shown = "not present" if status in (None, 404) else status
        print(f"{backend:<11} {name:<22} {shown!s:>6} {median:>10.1f} {p95:>8.1f}")
    print()
    for backend, name, status, _median, p95 in rows:
        if name.startswith("baseline") or status in (None, 404):
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
    print(
        f"workload: 1 shop, {customers:,} customers, {notifications:,} notifications over 90 days, "
        f"{REQUESTS} requests per target after a warm-up"
    )
    if args.backend in ("both", "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            report(run_backend("sqlite", f"sqlite:///{tmp}/admin.db", customers, notifications))
    pg = _pg_url() if args.backend in ("both", "postgresql") else None
    if pg:
        report(run_backend("postgresql", pg, customers, notifications))


if __name__ == "__main__":
    main()
