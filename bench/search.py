"""Product search at catalog scale: query latency, bulk import, chat round trip.

    python bench/search.py           # full: 100,000 products, 600 queries, 2,000 chat events
    python bench/search.py --quick   # same code, 10,000 products, 200 queries, 300 events

1. Bulk import: a generated Japanese catalog (bench/_search_catalog.py) written as a real
   bulk-operation JSONL file, then streamed into fresh migrated SQLite and PostgreSQL
   databases by the app's `Importer`, each in a process of its own that measures its
   wall time and peak RSS (bench/_search_import.py). Targets: <= 60 s, <= 200 MB.
2. Query latency: a fixed set of queries from the catalog's vocabulary (1-4 words, mixed
   scripts, short words, misses; bench/_search_queryset.py) through
   `app.search.query.search`, in-process, warm, sequential, next to a plain LIKE scan of
   the same table in the same run (bench/_search_timing.py). The warm-up pass is shown as
   well (info): there each shape of query first has its statement built (app/search/binds.py),
   as in a process that has just started. Targets: p95 <= 10 ms and
   scan p95 / search p95 >= 20, on each database.
3. Relevance: 240 queries of 12 kinds (exact, partial, full/half width, kana, long vowels,
   multiple words, short words, tags, SKUs, vendors, typed noise, no match) with what a
   right answer is (bench/_search_relevance.py); target: a right product in the top 3
   (nothing at all for a no-match query) for >= 95% of them, on each database.
4. Chat round trip: the SQLite database (catalog imported) behind `gunicorn -w 2`, the
   fake LINE server and seeding of bench/chat.py; signed text events carrying the queries
   (commands left out); latency from the send to the carousel's (or the miss's) arrival
   at the fake. Target: p95 <= 100 ms.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import secrets
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _chat_support as support
from bench import _common as common
from bench import _search_catalog as catalog
from bench import _search_relevance as relevance
from bench import _search_report as report
from bench import _search_timing as timing
from bench._search_chat import ChatResult, SearchChatSpec, match, run_search_chat
from bench._search_queryset import queries
from bench.chat import Line, seed
from tests.fakes.line_events import new_user_id

PG_DB = "tsunagu_bench_search"  # not bench/_common's: bench/webhooks.py may run alongside
FRIENDS = 200


@dataclasses.dataclass(frozen=True)
class Workload:
    name: str
    products: int
    queries: int
    events: int  # measured chat events
    warmup: int  # chat events sent first, not counted
    senders: int = 4  # as bench/chat.py


FULL = Workload("full", 100_000, 600, 2000, 100)
QUICK = Workload("quick", 10_000, 200, 300, 30)


@dataclasses.dataclass
class Db:
    """One database under test and what was measured on it."""

    name: str  # sqlite | postgresql
    url: str
    imported: dict | None = None
    search: timing.Timed | None = None
    scan: timing.Timed | None = None
    free_like: timing.Timed | None = None  # PostgreSQL: the scan's SQL, planner left alone
    diagnoses: list = dataclasses.field(default_factory=list)
    scan_plan: list[str] = dataclasses.field(default_factory=list)
    relevance: dict = dataclasses.field(default_factory=dict)  # kind -> (hits, queries, missed)


# -- databases and import ---------------------------------------------------------------------
def fresh_postgres() -> tuple[str | None, str]:
    """(url, "") for a fresh migrated database of our own, or (None, why)."""
    import psycopg

    try:
        with psycopg.connect(common.PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DB}")
            autovacuum = conn.execute("SHOW autovacuum").fetchone()[0]
    except psycopg.Error as exc:
        return None, f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"
    common.migrate(url)
    print(
        f"  PostgreSQL: autovacuum is {autovacuum} on this server (off: the tables being imported get no"
        " planner statistics until the VACUUM ANALYZE after the import)",
        flush=True,
    )
    return url, ""


def add_shop(url: str) -> None:
    """The shop the PostgreSQL catalog belongs to (SQLite's comes from bench/chat.py's seed)."""
    from sqlmodel import Session

    from app.db import make_engine
    from app.models import Shop
    from app.timeutil import utcnow

    engine = make_engine(url)
    with Session(engine) as s:
        s.add(Shop(domain=common.SHOP, name="ベンチ茶舗", installed_at=utcnow()))
        s.commit()
    engine.dispose()


def import_catalog(db: Db, jsonl: Path) -> None:
    """Run bench/_search_import.py in its own process; it reports its time and peak RSS.

    Through `sh -c '…; exit $?'`, not straight from here: Linux carries ru_maxrss across
    fork and execve, so a child exec'd by this (large) process would start with our peak
    as its own. The shell is small and must fork (the `exit` keeps it from exec'ing), so
    the importer's ru_maxrss is the importer's alone."""
    script = str(common.ROOT / "bench" / "_search_import.py")
    cmd = ["/bin/sh", "-c", '"$0" "$@"; exit $?', sys.executable, script, db.url, common.SHOP, str(jsonl)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=common.ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"import into {db.name} failed:\n{done.stderr[-3000:]}")
    db.imported = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"  imported into {db.name}: {db.imported['products']} products in {db.imported['seconds']:.1f} s,"
        f" peak RSS {db.imported['peak_rss_mb']:.0f} MB",
        flush=True,
    )


def vacuum_analyze(url: str) -> None:
    """What autovacuum does within a minute of a bulk load; done here so the plans don't
    depend on when it happens to run."""
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


# -- queries -------------------------------------------------------------------------------------
def measure_queries(db: Db, qs: list[tuple[str, str]]) -> None:
    """search, the forced scan (and on PostgreSQL the planner-free LIKE), then diagnosis
    of the three slowest searches."""
    from sqlmodel import Session

    from app.db import make_engine

    engine = make_engine(db.url)
    shop = timing.load_shop(engine, common.SHOP)
    texts = [q for _, q in qs]
    t0 = time.monotonic()
    db.search = timing.time_search(engine, shop, texts)
    db.scan = timing.time_scan(engine, shop.id, texts, force_seq=True)
    if db.name == "postgresql":
        db.free_like = timing.time_scan(engine, shop.id, texts, force_seq=False)
    slowest = sorted(range(len(texts)), key=lambda i: -db.search.ms[i])[:3]
    db.diagnoses = [timing.diagnose(engine, shop, texts[i]) for i in slowest]
    db.scan_plan = timing.scan_plan(engine, shop.id, report.NO_MATCH_PROBE, force_seq=True)
    db.relevance = relevance.evaluate(lambda: Session(engine), shop, relevance.cases())
    engine.dispose()
    print(f"  timed {len(texts)} queries on {db.name} in {time.monotonic() - t0:.0f} s", flush=True)


# -- chat -------------------------------------------------------------------------------------------
def chat_texts(qs: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The queries a shopper could send as text: commands ("help", "注文"…) are left out."""
    from app.line.commands import command_for

    return tuple((label, q) for label, q in qs if command_for(q) is None)


def measure_chat(work: Workload, tmp: Path, env: dict, line: Line, users: list[str], texts: tuple) -> ChatResult:
    """Fake LINE and the app (gunicorn -w 2 on the SQLite database), a warm-up run, then
    the measured run; servers are stopped whatever happens."""
    fake = support.start_fake(tmp, line.env())
    env = {**env, "LINE_API_BASE": f"http://127.0.0.1:{fake.port}", "DELIVERY_MODE": "live"}
    app = common.start_gunicorn("app", "wsgi:app", env, tmp)
    pool = multiprocessing.get_context("spawn").Pool(1)
    try:
        common.wait_ready(fake)
        common.wait_ready(app)

        def spec(n: int, seed_: int, offset: int) -> SearchChatSpec:
            return SearchChatSpec(
                support.ChatSpec(
                    app_port=app.port,
                    fake_port=fake.port,
                    secret=line.secret,
                    bot_user_id=line.bot,
                    users=tuple(users),
                    events=n,
                    senders=work.senders,
                    seed=seed_,
                ),
                texts,
                offset,
            )

        pool.apply(run_search_chat, (spec(work.warmup, 0, len(texts) // 2),))
        support.admin(fake.port, "reset", {"enforce": True, "push_limit": 2000})
        t0 = time.monotonic()
        sent = pool.apply(run_search_chat, (spec(work.events, 1, 0),))
        elapsed = time.monotonic() - t0
        time.sleep(0.5)  # replies go out before the webhook answers; only a margin
        return match(sent, support.admin(fake.port, "stats"), elapsed)
    finally:
        pool.close()
        pool.join()
        for server in (app, fake):
            if server.proc.poll() is not None:
                print(f"server {server.name} exited early; log tail:\n{server.tail()}")
            common.stop(server)
        left = app.log.read_text(errors="replace").count("LINE events left for the worker")
        print(f"  chat done; 'LINE events left for the worker' in the app log (warm-up included): {left}", flush=True)


# -- the run -----------------------------------------------------------------------------------------
def prepare(work: Workload, tmp: Path) -> tuple[Path, dict]:
    """The JSONL file on disk, and what it holds."""
    jsonl = tmp / "catalog.jsonl"
    t0 = time.monotonic()
    lines, variants = catalog.write_jsonl(jsonl, work.products)
    info = {"lines": lines, "variants": variants, "bytes": jsonl.stat().st_size, "seconds": time.monotonic() - t0}
    print(
        f"  wrote {jsonl.name}: {work.products} products + {variants} variants = {lines} lines,"
        f" {info['bytes'] / 1e6:.1f} MB in {info['seconds']:.1f} s",
        flush=True,
    )
    return jsonl, info


def run(work: Workload, tmp: Path) -> int:
    qs = queries()[: work.queries]
    report.header(work, qs)
    jsonl, info = prepare(work, tmp)
    line = Line(secrets.token_hex(16), "bench-line-token-" + secrets.token_hex(20), new_user_id())
    users = [new_user_id() for _ in range(FRIENDS)]
    sqlite = Db("sqlite", common.fresh_sqlite(tmp))
    env = common.app_env(sqlite.url)  # one ENCRYPTION_KEYS for the seed and the server
    seed(env, line, users)
    dbs = [sqlite]
    pg_url, pg_why = fresh_postgres()
    if pg_url:
        add_shop(pg_url)
        dbs.append(Db("postgresql", pg_url))
    try:
        for db in dbs:
            import_catalog(db, jsonl)
        if pg_url:
            vacuum_analyze(pg_url)
        for db in dbs:
            measure_queries(db, qs)
        chat = measure_chat(work, tmp, env, line, users, chat_texts(qs))
    except RuntimeError as exc:
        print(exc)
        return 1
    report.results(work, info, qs, dbs, chat, pg_why)
    return 0


def main(argv: list[str] | None = None) -> int:
    return common.main_with_workdir(
        argv,
        description="Product search at catalog scale (see the module docstring)",
        quick=QUICK,
        full=FULL,
        run=run,
        name="search",
    )


if __name__ == "__main__":
    sys.exit(main())
