"""LINE down or slow: do Shopify's webhooks and LINE's own still get their answers in time?

    python bench/line_outage.py                    # full: 50 Shopify webhooks, 4 LINE rounds, SQLite + PostgreSQL
    python bench/line_outage.py --quick            # 50 Shopify webhooks, 2 LINE rounds, SQLite only
    python bench/line_outage.py --app-root /tmp/x  # the same scenario against another checkout (before/after)

Each case runs the real app under gunicorn (2 gthread workers × 8 threads) against a fake
LINE in this process (bench/_outage.py): LINE webhooks (follow, "連携", a search word) and
50 concurrent signed Shopify webhooks 0.2 s later, timed from the sender; then LINE
recovers, the worker runs, and nothing may be lost or sent twice. LINE healthy is the
baseline of the same run. Targets: every Shopify webhook 200 within 1 s, every LINE
webhook 200 within 2 s (LINE's limit), every event processed once LINE is back.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as common
from bench import _outage as outage

CASES = {"healthy": None, "503-after-5s": (503, 5.0), "500": (500, 0.0)}


PG_DB = "tsunagu_bench_outage"  # its own database: other benchmarks may be running


def _databases(quick: bool) -> list[str]:
    if quick:
        return ["sqlite"]
    url, why = common.fresh_postgres(PG_DB, migrated=False)
    if url is None:
        print(f"# PostgreSQL skipped: {why}")
        return ["sqlite"]
    return ["sqlite", "postgresql"]


def _fresh(name: str, tmp: Path, case: str) -> str:
    """An empty database per case; the scenario migrates it with the app's own migrations."""
    if name == "sqlite":
        return f"sqlite:///{tmp / f'{case}.db'}"
    url, why = common.fresh_postgres(PG_DB, migrated=False)
    if url is None:
        raise RuntimeError(why)
    return url


def _lost(r: outage.Result) -> int:
    """Events or deliveries not finished once LINE is back and the worker ran."""
    unfinished = sum(n for status, n in r.webhooks.items() if status != "processed")
    unfinished += sum(n for status, n in r.line_events.items() if status != "processed")
    return unfinished + r.profiles_missing


def _twice(r: outage.Result) -> int:
    return sum(n for times, n in r.deliveries_per_event.items() if times > 1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--app-root", type=Path, default=common.ROOT, help="the checkout whose app runs")
    args = parser.parse_args()
    outage.clean_environment()
    rounds = 2 if args.quick else 4
    rows, bench_lines = [], []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for db_name in _databases(args.quick):
            for case, mode in CASES.items():
                url = _fresh(db_name, tmp, case)
                scenario = outage.Scenario(url, tmp, root=args.app_root.resolve(), outage=mode, line_rounds=rounds)
                r = outage.run(scenario)
                rows.append((db_name, case, r))
                if mode is not None:
                    bench_lines += _targets(db_name, case, r)
    _table(rows)
    for line in bench_lines:
        print(line)
    return 0 if all(line.endswith("PASS") for line in bench_lines) else 1


def _table(rows) -> None:
    head = f"{'db':10} {'LINE':13} {'shopify p50/p100 ms':>20} {'non-200':>8} {'line p50/p100 ms':>18} "
    head += f"{'follow/link/search max ms':>27} {'non-200':>8} {'lost':>5} {'twice':>6} {'links':>6}"
    print(head)
    for db_name, case, r in rows:
        shopify_bad = sum(n for status, n in r.shopify_status.items() if status != 200)
        line_bad = sum(n for status, n in r.line_status.items() if status != 200)
        kinds = "/".join(f"{max(r.line_ms.get(k, [0])):.0f}" for k in ("follow", "link", "search"))
        print(
            f"{db_name:10} {case:13} "
            f"{outage.percentile(r.shopify_ms, 50):>9.0f}/{max(r.shopify_ms):<10.0f} {shopify_bad:>8} "
            f"{outage.percentile(r.line_all_ms, 50):>8.0f}/{max(r.line_all_ms):<9.0f} {kinds:>27} {line_bad:>8} "
            f"{_lost(r):>5} {_twice(r):>6} {r.links_sent:>6}"
        )
        if r.server_errors:
            print(f"#   {len(r.server_errors)} tracebacks in the app's log")


def _targets(db_name: str, case: str, r: outage.Result) -> list[str]:
    shopify_ok = r.shopify_status.get(200, 0) == len(r.shopify_ms)
    line_ok = r.line_status.get(200, 0) == len(r.line_all_ms)
    lines = [
        _bench(f"outage-shopify-webhook-p100-{db_name}-{case}", max(r.shopify_ms), "ms", "<=", 1000, shopify_ok),
        _bench(f"outage-line-webhook-p100-{db_name}-{case}", max(r.line_all_ms), "ms", "<=", 2000, line_ok),
        _bench(f"outage-lost-after-recovery-{db_name}-{case}", _lost(r), "events", "<=", 0),
        _bench(f"outage-sent-twice-{db_name}-{case}", _twice(r), "events", "<=", 0),
    ]
    return lines


def _bench(target: str, value: float, unit: str, op: str, limit: float, also: bool = True) -> str:
    ok = value <= limit and also
    shown = f"{value:.0f}" if isinstance(value, float) else str(value)
    return f"BENCH {target} {shown} {unit} target {op} {limit} {'PASS' if ok else 'MISS'}"


if __name__ == "__main__":
    sys.exit(main())
