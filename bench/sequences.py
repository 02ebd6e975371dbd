"""Step sequences at scale: p95 of the worker's due-step query (`advance.due_query`) on
SQLite and PostgreSQL.

    python bench/sequences.py           # full: 100,000 friends in 10 sequences, 1,000,000 runs
    python bench/sequences.py --quick   # same code: 5,000 friends, 50,000 runs, under a minute
    python bench/sequences.py --pg URL  # PostgreSQL's server (or TEST_DATABASE_URL); it gets a
                                        # database of its own, tsunagu_bench_sequences

One shop, built with bulk inserts on the migrated schema (the real indexes): friends, 10
sequences, and one run per friend and sequence: most finished or exited long ago (past
steps), the rest active with their next step spread over the next 30 days and a few
hundred due now. The query the job runs (status active, due by now, oldest first, 200,
FOR UPDATE SKIP LOCKED on PostgreSQL) is timed `--runs` times after a warm-up, inside a
transaction rolled back each time (as the job's would be, without its writes); its plan is
printed. Target: p95 <= 50 ms on each database.
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
from bench._common import fresh_postgres, fresh_sqlite  # noqa: E402

TARGET_MS = 50.0
PG_DB = "tsunagu_bench_sequences"
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
    print(f"BENCH sequences-due-p95 {worst:.1f} ms target <= {TARGET_MS:g} {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
