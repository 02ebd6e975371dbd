"""Step sequences at scale: p95 of the worker's due-step query (`advance.due_query`) on
SQLite and PostgreSQL, then new friends enrolled through LINE follow webhooks.

    python bench/sequences.py           # full: 100,000 friends in 10 sequences, 1,000,000 runs;
                                        # 10,000 follows in 60 s
    python bench/sequences.py --quick   # same code: 5,000 friends, 50,000 runs; 1,000 follows
                                        # in 6 s; under a minute
    python bench/sequences.py --pg URL  # PostgreSQL's server (or TEST_DATABASE_URL); it gets a
                                        # database of its own, tsunagu_bench_sequences

One shop, built with bulk inserts on the migrated schema (the real indexes): friends, 10
sequences, and one run per friend and sequence: most finished or exited long ago (past
steps), the rest active with their next step spread over the next 30 days and a few
hundred due now. The query the job runs (status active, due by now, oldest first, 200,
FOR UPDATE SKIP LOCKED on PostgreSQL) is timed `--runs` times after a warm-up, inside a
transaction rolled back each time (as the job's would be, without its writes); its plan is
printed. Target: p95 <= 50 ms on each database.

Part 2 (bench/_sequences_enroll.py): a fresh database per engine, the shop's welcome
sequence switched on, and new friends' follow webhooks posted open loop through the real
route at 10,000 a minute to the app under gunicorn, with a fake LINE answering the profile
and the greeting reply; then the worker's jobs until done, and a count: every friend must
have exactly one active run. Targets: webhook answer p95 <= 100 ms (from the scheduled send
time), every friend enrolled.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, text  # noqa: E402

import app.models  # noqa: E402, F401  (registers the tables)
from app.models import LineFriend, Sequence, SequenceRun, Shop  # noqa: E402
from app.sequences.advance import due_query  # noqa: E402
from bench import _sequences_enroll as enrolling  # noqa: E402
from bench._common import fresh_postgres, fresh_sqlite  # noqa: E402

TARGET_MS = 50.0
ENROLL_TARGET_MS = 100.0
PG_DB = "tsunagu_bench_sequences"
PG_ENROLL_DB = "tsunagu_bench_sequences_enroll"
SEQUENCES = 10
CHUNK = 20_000
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def seed(url: str, friends: int, due_now: int) -> dict[str, int]:
    engine = create_engine(url)
    rng = random.Random(13)
    with engine.begin() as conn:
        shop = conn.execute(
            insert(Shop.__table__).returning(Shop.__table__.c.id),
            [
                {
                    "domain": "bench-seq.myshopify.com",
                    "name": "bench",
                    "settings": {},
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            ],
        ).scalar_one()
        for start in range(0, friends, CHUNK):
            conn.execute(
                insert(LineFriend.__table__),
                [
                    {
                        "shop_id": shop,
                        "line_user_id": f"U{i:032d}",
                        "is_blocked": False,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for i in range(start, min(friends, start + CHUNK))
                ],
            )
        first_friend = conn.execute(text("SELECT min(id) FROM line_friends")).scalar_one()
        sequence_ids = [
            conn.execute(
                insert(Sequence.__table__).returning(Sequence.__table__.c.id),
                [
                    {
                        "shop_id": shop,
                        "name": f"seq {n}",
                        "trigger": "friend_added",
                        "trigger_params": {},
                        "enabled": True,
                        "exit_on_purchase": True,
                        "reentry": False,
                        "cap_wait_days": 3,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                ],
            ).scalar_one()
            for n in range(SEQUENCES)
        ]
    counts = {"active": 0, "done": 0, "exited": 0, "due": 0}
    rows = []
    due_left = due_now
    with engine.begin() as conn:
        for friend in range(first_friend, first_friend + friends):
            for sequence in sequence_ids:
                entered = NOW - timedelta(days=rng.uniform(0, 365))
                roll = rng.random()
                row = {
                    "shop_id": shop,
                    "sequence_id": sequence,
                    "friend_id": friend,
                    "entered_at": entered,
                    "created_at": entered,
                    "updated_at": entered,
                    "reason": None,
                    "next_position": None,
                    "next_due_at": None,
                    "last_due_at": entered,
                    "finished_at": None,
                }
                if due_left and roll < 0.3:
                    row.update(
                        status="active", next_position=2, next_due_at=NOW - timedelta(minutes=rng.uniform(0, 60))
                    )
                    due_left -= 1
                    counts["due"] += 1
                elif roll < 0.3:
                    row.update(
                        status="active", next_position=2, next_due_at=NOW + timedelta(minutes=rng.uniform(1, 43_200))
                    )
                elif roll < 0.9:
                    row.update(status="done", finished_at=entered + timedelta(days=3))
                else:
                    row.update(status="exited", reason="purchased", finished_at=entered + timedelta(days=1))
                counts[row["status"]] += 1
                rows.append(row)
                if len(rows) >= CHUNK:
                    conn.execute(insert(SequenceRun.__table__), rows)
                    rows = []
        if rows:
            conn.execute(insert(SequenceRun.__table__), rows)
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE sequence_runs"))
        else:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return counts


def time_query(url: str, runs: int) -> tuple[list[float], list[str], int]:
    engine = create_engine(url)
    query = due_query(NOW, 200).with_only_columns(SequenceRun.id)
    compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
    times, found = [], 0
    with engine.connect() as conn:
        for i in range(runs + 3):
            with conn.begin() as tx:
                t0 = time.perf_counter()
                got = conn.execute(query).all()
                elapsed = (time.perf_counter() - t0) * 1000
                tx.rollback()
            if i >= 3:  # warm-up
                times.append(elapsed)
                found = len(got)
        explain = "EXPLAIN ANALYZE " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        with conn.begin() as tx:
            plan = [" ".join(str(c) for c in row) for row in conn.execute(text(explain + str(compiled)))]
            tx.rollback()
    engine.dispose()
    return times, plan, found


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run_one(label: str, url: str, friends: int, due_now: int, runs: int) -> tuple[float, bool]:
    t0 = time.perf_counter()
    counts = seed(url, friends, due_now)
    total = sum(counts[k] for k in ("active", "done", "exited"))
    print(
        f"{label}: seeded {friends:,} friends x {SEQUENCES} sequences = {total:,} runs"
        f" in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    times, plan, found = time_query(url, runs)
    indexed = any("ix_sequence_runs_due" in line for line in plan)
    print(
        f"  {'database':<11}{'friends':>10}{'runs':>12}{'active':>10}{'due now':>9}"
        f"{'median ms':>11}{'p95 ms':>9}{'rows':>6}"
    )
    print(
        f"  {label:<11}{friends:>10,}{total:>12,}{counts['active']:>10,}{counts['due']:>9,}"
        f"{statistics.median(times):>11.2f}{pct(times, 0.95):>9.2f}{found:>6}"
    )
    print("  plan: " + " | ".join(plan))
    print(f"  uses ix_sequence_runs_due: {'yes' if indexed else 'NO'}", flush=True)
    return pct(times, 0.95), indexed and found > 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a twentieth of the data, under a minute")
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"), help="a PostgreSQL URL (its server)")
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args()
    friends = 5_000 if args.quick else 100_000
    runs = args.runs or (20 if args.quick else 50)
    due_now = 200 if args.quick else 500
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        p95, valid = run_one("SQLite", fresh_sqlite(Path(tmp)), friends, due_now, runs)
        lines.append(("sequences-due-p95-sqlite", p95, valid))
    if args.pg:
        url, why = fresh_postgres(PG_DB)
        if url is None:
            print(f"PostgreSQL did not answer ({why})")
            lines.append(("sequences-due-p95-postgresql", 0.0, False))
        else:
            p95, valid = run_one("PostgreSQL", url, friends, due_now, runs)
            lines.append(("sequences-due-p95-postgresql", p95, valid))
    else:
        print("PostgreSQL not given (--pg or TEST_DATABASE_URL): SQLite only")
    worst = max(p for _n, p, _v in lines)
    all_valid = all(v for _n, _p, v in lines)
    for name, p95, _valid in lines:
        print(f"  {name}: p95 {p95:.2f} ms")
    verdict = "PASS" if all_valid and worst <= TARGET_MS else "MISS"
    due_line = f"BENCH sequences-due-p95 {worst:.1f} ms target <= {TARGET_MS:g} {verdict}"
    print(due_line, flush=True)
    enroll_lines = enroll_part(args.quick, args.pg)
    print(due_line)
    for line in enroll_lines:
        print(line)
    return 0


def enroll_part(quick: bool, pg: str | None) -> list[str]:
    """Part 2 on SQLite, and on PostgreSQL when given; its two BENCH lines (the worst database)."""
    friends, seconds = (1_000, 6.0) if quick else (10_000, 60.0)
    print(f"\nenrolling {friends:,} new friends: follow webhooks at {friends / seconds * 60:,.0f}/min", flush=True)
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-seq-enroll-") as tmp:
        outcomes.append(enrolling.measure("SQLite", fresh_sqlite(Path(tmp)), friends, seconds, Path(tmp)))
        if pg:
            url, why = fresh_postgres(PG_ENROLL_DB)
            if url is None:
                print(f"PostgreSQL did not answer ({why}): SQLite only")
            else:
                outcomes.append(enrolling.measure("PostgreSQL", url, friends, seconds, Path(tmp)))
    print_enroll(outcomes)
    p95 = max(pct(o.latencies_ms, 0.95) for o in outcomes)
    ok = all(o.failed == 0 for o in outcomes) and p95 <= ENROLL_TARGET_MS
    enrolled = min(o.enrolled for o in outcomes)
    return [
        f"BENCH sequences-enroll-webhook-p95 {p95:.1f} ms target <= {ENROLL_TARGET_MS:g} {'PASS' if ok else 'MISS'}",
        f"BENCH sequences-enrolled {enrolled} friends target >= {friends}"
        f" {'PASS' if enrolled >= friends and all(o.counts['friends'] == friends for o in outcomes) else 'MISS'}",
    ]


def print_enroll(outcomes: list) -> None:
    print(
        f"  {'database':<11}{'follows':>8}{'secs':>6}{'req/s':>7}{'200s':>7}{'failed':>7}"
        f"{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'max ms':>9}{'replies ok':>11}"
    )
    for o in outcomes:
        lat = o.latencies_ms
        print(
            f"  {o.database:<11}{o.friends:>8,}{o.load.elapsed:>6.1f}{o.load.sent / o.load.elapsed:>7.0f}"
            f"{len(o.load.ok_ids):>7,}{o.failed:>7}{pct(lat, 0.5):>8.1f}{pct(lat, 0.95):>8.1f}"
            f"{pct(lat, 0.99):>8.1f}{max(lat):>9.1f}{o.replies['accepted']:>11,}"
        )
    print(
        f"  {'database':<11}{'friends':>8}{'runs':>7}{'active':>8}{'exactly 1':>10}{'past day 0':>11}"
        f"{'ev done':>8}{'ev left':>8}{'ev failed':>10}{'worker s':>9}"
    )
    for o in outcomes:
        c = o.counts
        print(
            f"  {o.database:<11}{c['friends']:>8,}{c['runs']:>7,}{c['active_runs']:>8,}{c['one_active_run']:>10,}"
            f"{c['past_greeting']:>11,}{c['events_processed']:>8,}{c['events_received'] + c['events_unanswered']:>8,}"
            f"{c['events_failed']:>10,}{o.worker_s:>9.1f}"
        )
        print(f"    worker jobs: {', '.join(f'{k} {v}' for k, v in sorted(o.worker.items())) or 'nothing left'}")
        print(f"    fake LINE: replies accepted {o.replies['accepted']}, refused {o.replies['refused']}")
        for sample in o.load.error_samples:
            print(f"    error sample: {sample}")


if __name__ == "__main__":
    sys.exit(main())
