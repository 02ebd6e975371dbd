"""The outbox under load on PostgreSQL: messages per second and the due-row claim query.

    python bench/dispatch.py           # full size: 100,000 messages per phase, 1,000,000 rows
    python bench/dispatch.py --quick   # same code: 8,000 messages, 100,000 rows, under a minute

Phases, each against a lean fake of LINE's push endpoint in its own process
(bench/_fake_push.py: checks the token and the retry key, answers 200 / 409 like LINE):

1. baseline: one process pushes N messages straight through `LineClient.push` (same
   thread count and pacing as the dispatcher, no database): the bare cost of sending;
2. one worker process runs the real `send_notifications` job until N due rows are sent;
3. fresh rows, two worker processes side by side (LINE_RATE_SHARE=0.5 each, as a
   deployment with two sending workers is configured);
4. the claim query (stale `sending` + due `scheduled`, FOR UPDATE SKIP LOCKED LIMIT 200)
   timed on a table topped up to M rows of history, with EXPLAIN.

Each process's CPU is its own `process_time()`; wall time is from the common start signal
to the last process's end. Every phase checks that LINE accepted each row's retry key
once and that every row ended `sent`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text

from app.flows.registry import Flow
from bench import _common as common

TOKEN = "bench-line-token-0123456789abcdef"
FLOW = Flow.ORDER_CONFIRMATION
MESSAGE = '[{"type": "text", "text": "ご注文ありがとうございます。発送までしばらくお待ちください。"}]'
CLAIM_SAMPLES = 200


@dataclasses.dataclass(frozen=True)
class Workload:
    messages: int  # per dispatch phase
    rows: int  # notifications in the table for the claim query
    due_in_table: int = 2_000  # due rows present while the claim query is timed
    scheduled_in_table: int = 20_000  # waiting rows (due later)


FULL = Workload(messages=100_000, rows=1_000_000)
QUICK = Workload(messages=8_000, rows=100_000)


@dataclasses.dataclass
class Phase:
    name: str
    workers: int
    messages: int
    wall_s: float
    cpu_s: float  # all sending processes together
    fake_cpu_s: float
    outcomes: dict
    checks: str

    @property
    def rate(self) -> float:
        return self.messages / self.wall_s if self.wall_s else 0.0

    @property
    def wall_ms_per_msg_per_worker(self) -> float:
        return 1000 * self.wall_s * self.workers / self.messages

    @property
    def cpu_ms_per_msg(self) -> float:
        return 1000 * self.cpu_s / self.messages


# -- the database -------------------------------------------------------------------------
def seed(url: str, env: dict[str, str], friends: int) -> int:
    """A shop, its connected channel (token encrypted with the app's key), `friends` linked
    friends each with a customer. Returns the shop id."""
    from cryptography.fernet import Fernet

    token = Fernet(env["ENCRYPTION_KEYS"].encode()).encrypt(TOKEN.encode()).decode()
    secret = Fernet(env["ENCRYPTION_KEYS"].encode()).encrypt(b"bench-channel-secret").decode()
    engine = create_engine(url)
    with engine.begin() as conn:
        shop = conn.execute(
            text(
                "INSERT INTO shops (domain, name, timezone, currency, locale, scopes, installed_at, is_demo,"
                " settings, created_at, updated_at) VALUES (:d, 'ベンチ商店', 'Asia/Tokyo', 'JPY', 'ja', '',"
                " now(), false, '{}', now(), now()) RETURNING id"
            ),
            {"d": common.SHOP},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO line_channels (shop_id, bot_user_id, basic_id, display_name, channel_secret_enc,"
                " access_token_enc, connected_at, webhook_ok_at, created_at, updated_at)"
                " VALUES (:s, 'U' || md5('bot'), '@bench', 'ベンチ商店', :secret, :token, now(), now(), now(), now())"
            ),
            {"s": shop, "secret": secret, "token": token},
        )
        conn.execute(
            text(
                "INSERT INTO customers (shop_id, shopify_id, tags, orders_count, total_spent, created_at, updated_at)"
                " SELECT :s, 9000000000 + i, '', 1, 0, now(), now() FROM generate_series(1, :n) i"
            ),
            {"s": shop, "n": friends},
        )
        conn.execute(
            text(
                "INSERT INTO line_friends (shop_id, channel_id, line_user_id, display_name, language, followed_at,"
                " is_blocked, customer_id, linked_at, link_method, created_at, updated_at)"
                " SELECT :s, (SELECT id FROM line_channels WHERE shop_id = :s), 'U' || md5(c.id::text), 'ベンチ',"
                " 'ja', now(), false, c.id, now(), 'chat', now(), now() FROM customers c WHERE c.shop_id = :s"
            ),
            {"s": shop},
        )
    engine.dispose()
    return shop


_INSERT = (
    "INSERT INTO notifications (id, shop_id, friend_id, customer_id, flow, step, dedupe_key, marketing,"
    " due_at, status, reason, attempts, messages, context, sent_at, created_at, updated_at)"
    " SELECT gen_random_uuid(), :s, f.id, f.customer_id, :flow, 0, :prefix || g.i, false, {due}, {status},"
    " {reason}, {attempts}, CAST(:messages AS jsonb), '{{}}', {sent}, {created}, {created}"
    " FROM generate_series(1, :n) g(i)"
    " JOIN line_friends f ON f.shop_id = :s AND f.id = (SELECT min(id) FROM line_friends WHERE shop_id = :s)"
    " + (g.i - 1) % :friends"
)


def add_due(url: str, shop: int, n: int, prefix: str, friends: int) -> None:
    """n due transactional notifications (one per friend), as order webhooks leave them."""
    sql = _INSERT.format(
        due="now() - interval '1 minute'",
        status="'scheduled'",
        reason="NULL",
        attempts="0",
        sent="NULL",
        created="now() - interval '1 minute'",
    )
    _run(url, sql, s=shop, n=n, prefix=prefix, friends=friends)


def add_history(url: str, shop: int, n: int, friends: int, due: int, scheduled: int) -> None:
    """Top the table up with n rows: sent and cancelled history over the past 90 days, some
    waiting for a later time, and `due` rows due now (what the claim query should find)."""
    history = n - due - scheduled
    cancelled = history // 10
    spread = "now() - (g.i % 7776000) * interval '1 second'"  # 90 days of history
    parts = [
        (history - cancelled, "hist-sent-", spread, "'sent'", "NULL", "1", spread),
        (cancelled, "hist-cancel-", spread, "'cancelled'", "'order_cancelled'", "0", "NULL"),
        (scheduled, "hist-later-", "now() + (g.i % 604800) * interval '1 second'", "'scheduled'", "NULL", "0", "NULL"),
        (due, "hist-due-", "now() - (g.i % 600) * interval '1 second'", "'scheduled'", "NULL", "0", "NULL"),
    ]
    for count, prefix, due_at, status, reason, attempts, sent in parts:
        sql = _INSERT.format(due=due_at, status=status, reason=reason, attempts=attempts, sent=sent, created=due_at)
        _run(url, sql, s=shop, n=count, prefix=prefix, friends=friends)
    _run(url, "ANALYZE notifications")


def _run(url: str, sql: str, **params) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        if ":messages" in sql:
            params.update(messages=MESSAGE, flow=FLOW)
        conn.execute(text(sql), params)
    engine.dispose()


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = dict(conn.execute(text("SELECT status, count(*) FROM notifications GROUP BY status")).all())
    engine.dispose()
    return found


# -- processes ------------------------------------------------------------------------------
def start_fake(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, str(common.ROOT / "bench" / "_fake_push.py"), str(port), TOKEN],
        stdout=subprocess.PIPE,
        text=True,
        cwd=common.ROOT,
    )
    if proc.stdout.readline().strip() != "ready":
        raise RuntimeError("the fake LINE did not start")
    return proc


def fake_call(port: int, verb: str) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/_{verb}", method="POST" if verb == "reset" else "GET")
    with urllib.request.urlopen(req, timeout=30) as answer:
        return json.loads(answer.read())


def run_processes(args_list: list[list[str]], env: dict[str, str]) -> list[dict]:
    """Start every process, wait until each has built its app, then start them together."""
    procs = [
        subprocess.Popen(
            [sys.executable, str(common.ROOT / "bench" / "_dispatch_worker.py"), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=common.ROOT,
        )
        for args in args_list
    ]
    try:
        for p in procs:
            if p.stdout.readline().strip() != "ready":
                raise RuntimeError("a worker did not start")
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        results = []
        for p in procs:
            line = p.stdout.readline()
            p.wait(timeout=60)
            results.append(json.loads(line))
        return results
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def measure(name: str, args_list: list[list[str]], env: dict, port: int, messages: int, check) -> Phase:
    fake_call(port, "reset")
    fake_cpu0 = fake_call(port, "stats")["cpu_s"]
    results = run_processes(args_list, env)
    stats = fake_call(port, "stats")
    wall = max(r["end"] for r in results) - min(r["start"] for r in results)
    outcomes: dict[str, int] = {}
    for r in results:
        for k, v in r["outcomes"].items():
            outcomes[k] = outcomes.get(k, 0) + v
    phase = Phase(
        name,
        len(args_list),
        messages,
        wall,
        sum(r["cpu_s"] for r in results),
        stats["cpu_s"] - fake_cpu0,
        outcomes,
        check(stats, outcomes),
    )
    print(f"  {name}: {phase.rate:,.0f} msg/s, {wall:.1f} s, outcomes {outcomes}; {phase.checks}", flush=True)
    return phase


def delivery_check(url: str, expected_sent: int, messages: int):
    def check(stats: dict, outcomes: dict) -> str:
        found = counts(url)
        problems = []
        if stats["accepted"] != messages or stats["distinct_keys"] != messages:
            problems.append(f"LINE accepted {stats['accepted']} ({stats['distinct_keys']} keys), expected {messages}")
        if stats["conflicts"] or stats["rejected"]:
            problems.append(f"{stats['conflicts']} 409s, {stats['rejected']} rejected")
        if found.get("sent", 0) != expected_sent or set(found) - {"sent"}:
            problems.append(f"rows by status {found}, expected {expected_sent} sent")
        if stats["max_per_recipient"] > 1:
            problems.append(f"a friend got {stats['max_per_recipient']} messages")
        return "checks: " + ("; ".join(problems) if problems else "every row sent, each key accepted once")

    return check


def bare_check(messages: int):
    def check(stats: dict, outcomes: dict) -> str:
        ok = stats["accepted"] == messages == outcomes.get("sent", 0)
        return "checks: " + ("every push accepted" if ok else f"accepted {stats['accepted']} of {messages}")

    return check


# -- the claim query ------------------------------------------------------------------------
def time_claim(url: str, samples: int) -> tuple[list[float], list[float], list[str], int]:
    """Time claim()'s two SELECTs (stale `sending`, then due `scheduled`) as the worker runs
    them, through the app's engine and statements, in a transaction rolled back each time."""
    from app.db import make_engine
    from app.flows import dispatcher
    from app.timeutil import utcnow

    engine = make_engine(url)
    times, due_times, found = [], [], 0
    with engine.connect() as conn:
        for i in range(samples + 5):
            now = utcnow()
            stale, due = dispatcher.stale_query(dispatcher.BATCH), dispatcher.due_query(now, dispatcher.BATCH)
            with conn.begin() as tx:
                t0 = time.perf_counter()
                n = len(conn.execute(stale).all())
                t1 = time.perf_counter()
                n += len(conn.execute(due).all())
                t2 = time.perf_counter()
                tx.rollback()
            if i >= 5:  # warm-up: the first executions plan, psycopg prepares from the 5th
                times.append(1000 * (t2 - t0))
                due_times.append(1000 * (t2 - t1))
                found = n
        plans = []
        for statement in (stale, due):
            compiled = statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
            with conn.begin() as tx:
                plans += [r[0] for r in conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}")]
                tx.rollback()
    engine.dispose()
    return times, due_times, plans, found


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.999999) - 1))]


# -- report -------------------------------------------------------------------------------------
def bench_line(target_id: str, measured: float, unit: str, op: str, value: float, valid: bool = True) -> str:
    """_common's line; a figure from an invalid run (`valid` False) cannot PASS."""
    return common.bench_line(
        target_id, measured, unit, op, value, shown=f"{measured:.1f}", met=None if valid else False
    )


def print_table(phases: list[Phase], base: Phase) -> None:
    print(
        f"\n{'phase':<26} {'procs':>5} {'messages':>9} {'wall s':>7} {'msg/s':>8} {'wall ms/msg/proc':>17}"
        f" {'CPU ms/msg':>11} {'vs bare':>8} {'fake CPU ms/msg':>16}"
    )
    for p in [base, *phases]:
        ratio = p.wall_ms_per_msg_per_worker / base.wall_ms_per_msg_per_worker
        print(
            f"{p.name:<26} {p.workers:>5} {p.messages:>9,} {p.wall_s:>7.1f} {p.rate:>8,.0f}"
            f" {p.wall_ms_per_msg_per_worker:>17.3f} {p.cpu_ms_per_msg:>11.3f} {ratio:>7.2f}x"
            f" {1000 * p.fake_cpu_s / p.messages:>16.3f}"
        )
    one = phases[0]
    wall = one.wall_ms_per_msg_per_worker - base.wall_ms_per_msg_per_worker
    print(
        f"outbox overhead (one worker vs bare client): {wall:+.3f}"
        f" ms wall and {one.cpu_ms_per_msg - base.cpu_ms_per_msg:+.3f} ms CPU per message"
        f" ({one.cpu_ms_per_msg / base.cpu_ms_per_msg:.2f}x the bare client's CPU)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller workload, under a minute")
    work = QUICK if parser.parse_args().quick else FULL
    url, why = common.fresh_postgres()
    if url is None:
        print(f"PostgreSQL at 127.0.0.1:5432 did not answer ({why})")
        for target in ("dispatch-1-worker-rate", "dispatch-2-workers-rate"):
            print(f"BENCH {target} 0 msg/s target >= 1000 MISS")
        print("BENCH dispatch-due-query-p95 0 ms target <= 50 MISS")
        return
    from app.config import Settings
    from app.flows import dispatcher

    port = common.free_port()
    env = common.app_env(url)
    env.update(LINE_API_BASE=f"http://127.0.0.1:{port}", DELIVERY_MODE="live", LOG_LEVEL="WARNING")
    n = work.messages
    print(
        f"workload ({'quick' if work is QUICK else 'full'}): {n:,} due {FLOW} notifications per"
        f" dispatch phase ({n:,} linked friends, one each), batch {dispatcher.BATCH}, {Settings().line_push_threads}"
        f" push threads per process; claim query on {work.rows:,} rows ({work.due_in_table:,} due,"
        f" {work.scheduled_in_table:,} due later, the rest sent/cancelled history)"
    )
    print(
        f"  PostgreSQL {url.rsplit('/', 1)[-1]} on 127.0.0.1; fake LINE push on 127.0.0.1:{port} (own process);"
        f" {os.cpu_count()} CPU cores shared by the fake, the workers and PostgreSQL"
    )
    fake = start_fake(port)
    try:
        t0 = time.perf_counter()
        shop = seed(url, env, n)
        add_due(url, shop, n, "one-", n)
        print(f"  seeded in {time.perf_counter() - t0:.1f} s", flush=True)
        base = measure("bare LineClient.push", [["bare", str(n)]], env, port, n, bare_check(n))
        one = measure("outbox, 1 worker", [["outbox"]], env, port, n, delivery_check(url, n, n))
        add_due(url, shop, n, "two-", n)
        two_env = {**env, "LINE_RATE_SHARE": "0.5"}
        two = measure("outbox, 2 workers", [["outbox"], ["outbox"]], two_env, port, n, delivery_check(url, 2 * n, n))
        t0 = time.perf_counter()
        add_history(url, shop, work.rows - 2 * n, n, work.due_in_table, work.scheduled_in_table)
        total = sum(counts(url).values())
        print(f"  table topped up to {total:,} rows in {time.perf_counter() - t0:.1f} s", flush=True)
        times, due_times, plans, found = time_claim(url, CLAIM_SAMPLES)
    finally:
        fake.kill()
        fake.wait()
    print_table([one, two], base)
    print(
        f"\nclaim query on {total:,} rows ({found} rows returned per claim), {len(times)} samples:"
        f" stale+due median {statistics.median(times):.2f} ms, p95 {pct(times, 0.95):.2f} ms;"
        f" due SELECT alone median {statistics.median(due_times):.2f} ms, p95 {pct(due_times, 0.95):.2f} ms"
    )
    print("EXPLAIN ANALYZE (stale, then due):")
    print("\n".join("  " + line for line in plans))
    indexed = sum("ix_notifications_due" in line for line in plans) >= 2
    print(f"uses ix_notifications_due for both SELECTs: {'yes' if indexed else 'NO'}")
    valid = [p.checks.endswith("each key accepted once") for p in (one, two)]
    print(bench_line("dispatch-1-worker-rate", one.rate, "msg/s", ">=", 1000, valid[0]))
    print(bench_line("dispatch-2-workers-rate", two.rate, "msg/s", ">=", 1000, valid[1]))
    print(bench_line("dispatch-due-query-p95", pct(times, 0.95), "ms", "<=", 50, indexed and found > 0))


if __name__ == "__main__":
    main()
