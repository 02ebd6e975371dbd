"""Webhook intake under load: the app on SQLite and PostgreSQL next to a bare Flask endpoint.

    python bench/webhooks.py           # full size: 30 s per phase and server
    python bench/webhooks.py --quick   # same code, ~4 s per phase, under a minute

Every server is `gunicorn -w 2 -k sync` on loopback, all started at once; rounds are
interleaved across servers so drift on a noisy machine hits each one alike. A separate
generator process posts signed, unique `orders/create` webhooks, first open loop at a
fixed 200 req/s (latency from the scheduled send time), then closed loop at saturation.
Around each saturated phase it reads /proc: the CPU per answered request of the web workers,
PostgreSQL's processes and the generator, the profile behind the throughput ratios.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask, jsonify, request

from app import ext
from bench import _common as common
from bench import _cpu as cpu
from bench._load import PhaseResult, PhaseSpec, run_phase

bare_app = Flask("bare")


@bare_app.post("/webhooks/shopify")
def bare_receive():
    """The baseline: read the body, answer like the app does; no HMAC, no database."""
    request.get_data(cache=False)
    return jsonify(status="received"), 200


@dataclasses.dataclass(frozen=True)
class Workload:
    rounds: int
    round_s: float  # per phase and round; rounds x round_s = seconds per phase
    warmup_s: float
    rate: float = 200.0
    fixed_threads: int = 32  # enough that a 150 ms stall does not delay the schedule
    sat_conns: int = 8
    max_rate: int = 4000  # requests pre-built per second of saturation
    drain_s: float = 20.0  # how long the worker runs handlers afterwards (not a target)


FULL = Workload(rounds=3, round_s=10.0, warmup_s=2.0)
QUICK = Workload(rounds=2, round_s=2.0, warmup_s=1.0, drain_s=3.0)
PHASES = ("warm-up", "fixed", "saturate")


@dataclasses.dataclass
class Target:
    """One server under test and everything measured against it."""

    name: str
    url: str | None  # database; None for the bare endpoint
    server: common.Server | None = None
    results: dict[str, list[PhaseResult]] = dataclasses.field(default_factory=lambda: {p: [] for p in PHASES})
    cpu: list[dict[str, float]] = dataclasses.field(default_factory=list)  # per saturated round

    def ok_ids(self) -> list[str]:
        return [i for rs in self.results.values() for r in rs for i in r.ok_ids]


def prepare(tmp: Path) -> tuple[list[Target], str]:
    """Fresh, migrated databases; the PostgreSQL target is left out when it does not answer."""
    targets = [Target("bare", None), Target("app-sqlite", common.fresh_sqlite(tmp))]
    pg_url, why = common.fresh_postgres()
    if pg_url:
        targets.append(Target("app-postgresql", pg_url))
    return targets, why


def start_all(targets: list[Target], tmp: Path) -> None:
    for t in targets:
        if t.url is None:
            t.server = common.start_gunicorn(t.name, "bench.webhooks:bare_app", common.app_env("sqlite://"), tmp)
        else:
            t.server = common.start_gunicorn(t.name, "wsgi:app", common.app_env(t.url), tmp)
    for t in targets:
        common.wait_ready(t.server)


class Generator:
    """The load generator's process (spawned, so it shares nothing with the servers)."""

    def __init__(self, work: Workload) -> None:
        self.work = work
        self.pool = multiprocessing.get_context("spawn").Pool(1)
        self.next_id = 5_000_000_000_000
        self.calls = 0

    def run(self, target: Target, phase: str) -> PhaseResult:
        w, self.calls = self.work, self.calls + 1
        seconds = w.warmup_s if phase == "warm-up" else w.round_s
        spec = PhaseSpec(
            port=target.server.port,
            shop=common.SHOP,
            secret=common.SECRET,
            prefix=f"bench-{target.name}-{phase}-{self.calls}",
            first_id=self.next_id,
            mode="fixed" if phase == "fixed" else "saturate",
            seconds=seconds,
            rate=w.rate,
            conns=w.fixed_threads if phase == "fixed" else w.sat_conns,
            capacity=int(seconds * w.max_rate),
        )
        self.next_id += max(spec.capacity, int(seconds * w.rate)) + 1
        result = self.pool.apply(run_phase, (spec,))
        target.results[phase].append(result)
        return result

    def close(self) -> None:
        self.pool.close()
        self.pool.join()


def measure(targets: list[Target], work: Workload) -> None:
    """Warm each server up, then interleave rounds: every server does each phase per round.

    Interleaving (and rotating the order) spreads slow drift and background work, such as
    PostgreSQL's checkpoints after a burst of inserts, over all servers alike.
    """
    gen = Generator(work)
    try:
        for t in targets:
            gen.run(t, "warm-up")
        for r in range(work.rounds):
            for t in targets[r % len(targets) :] + targets[: r % len(targets)]:  # rotate who goes first
                for phase in ("fixed", "saturate"):
                    res = _counting_cpu(t, gen, phase)
                    print(
                        f"  round {r + 1}/{work.rounds} {t.name:<15} {phase:<9}"
                        f" {_ok_rate(res):8.1f} ok/s  p99 {_pct(res.latencies, 0.99):7.1f} ms",
                        flush=True,
                    )
    finally:
        gen.close()


def _counting_cpu(t: Target, gen: Generator, phase: str) -> PhaseResult:
    """Run a phase; around a saturated one, read what each process group spent (/proc)."""
    if phase != "saturate" or not cpu.available():
        return gen.run(t, phase)
    parts = {
        "web workers": lambda procs: cpu.tree_seconds(t.server.proc.pid, procs),
        "PostgreSQL": lambda procs: cpu.named_seconds("postgres", procs),
    }
    before = cpu.snapshot(parts)
    res = gen.run(t, phase)
    t.cpu.append({**cpu.delta(before, cpu.snapshot(parts)), "generator": res.cpu_s, "ok": len(res.ok_ids)})
    return res


def print_cpu(targets: list[Target]) -> None:
    """The profile behind the ratios: CPU per answered request, by process group."""
    if not all(t.cpu for t in targets):
        return
    print(
        "\nCPU per answered request while saturated (ms; /proc, all rounds; 'other' is the machine's"
        " busy time not in these groups: the kernel's network work, this script, other processes)"
    )
    print(f"{'server':<15} {'web':>6} {'postgres':>8} {'generator':>9} {'other':>6} {'machine':>7} {'busy':>5}")
    for t in targets:
        c = cpu.add(t.cpu)
        ms = {k: 1000 * v / c["ok"] for k, v in c.items() if k != "ok"}
        other = ms["machine busy"] - ms["web workers"] - ms["PostgreSQL"] - ms["generator"]
        print(
            f"{t.name:<15} {ms['web workers']:>6.3f} {ms['PostgreSQL']:>8.3f} {ms['generator']:>9.3f} {other:>6.3f}"
            f" {ms['machine busy']:>7.3f} {100 * c['machine busy'] / c['machine all']:>4.0f}%"
        )


def _ok_rate(r: PhaseResult) -> float:
    return len(r.ok_ids) / r.elapsed if r.elapsed else 0.0


def _pct(latencies: list[float], q: float) -> float:
    """Nearest-rank percentile in milliseconds (nan when nothing was measured)."""
    if not latencies:
        return float("nan")
    ordered = sorted(latencies)
    return 1000 * ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.999999) - 1))]


@dataclasses.dataclass
class Summary:
    """One (server, phase) row: totals over rounds, median ok/s, pooled percentiles."""

    seconds: float
    requests: int
    ok: int
    non200: int
    errors: int
    ok_other: int
    rate: float
    per_round: list[float]
    p50: float
    p99: float
    ran_out: bool


def summarize(results: list[PhaseResult]) -> Summary:
    latencies = [x for r in results for x in r.latencies]
    rates = [_ok_rate(r) for r in results]
    return Summary(
        seconds=sum(r.elapsed for r in results),
        requests=sum(r.sent for r in results),
        ok=sum(len(r.ok_ids) for r in results),
        non200=sum(r.non200 for r in results),
        errors=sum(r.errors for r in results),
        ok_other=sum(r.ok_other for r in results),
        rate=statistics.median(rates) if rates else 0.0,
        per_round=rates,
        p50=_pct(latencies, 0.5),
        p99=_pct(latencies, 0.99),
        ran_out=any(r.ran_out for r in results),
    )


def print_table(targets: list[Target], work: Workload) -> dict[tuple[str, str], Summary]:
    print(
        f"\n{'server':<15} {'phase':<10} {'secs':>5} {'requests':>8} {'200':>7} {'non-200':>7} {'errors':>6}"
        f" {'ok req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  ok req/s per round"
    )
    table = {}
    for t in targets:
        for phase in PHASES:
            s = table[t.name, phase] = summarize(t.results[phase])
            label = f"{work.rate:.0f}/s" if phase == "fixed" else phase
            rounds = " ".join(f"{x:.0f}" for x in s.per_round) + (" (ran out of requests)" if s.ran_out else "")
            print(
                f"{t.name:<15} {label:<10} {s.seconds:>5.1f} {s.requests:>8} {s.ok:>7} {s.non200:>7} {s.errors:>6}"
                f" {s.rate:>9.1f} {s.p50:>8.1f} {s.p99:>8.1f}  {rounds}"
            )
            for r in t.results[phase]:
                for sample in r.error_samples:
                    print(f"{'':<15} error sample: {sample}")
            if s.ok_other:
                print(f'{"":<15} {s.ok_other} answers were 200 without status "received"')
    return table


def bench_line(target_id: str, measured: float, unit: str, op: str, value: float) -> str:
    """_common's line, with the figure written as this bench's table writes it."""
    shown = f"{measured:.0f}" if unit == "count" else f"{measured:.2f}" if unit == "ratio" else f"{measured:.1f}"
    return common.bench_line(target_id, measured, unit, op, value, shown=shown)


def report(targets: list[Target], table: dict, pg_why: str) -> None:
    """Row checks, then one BENCH line per target and database."""
    bare = table["bare", "saturate"].rate
    lines = []
    for t in targets[1:]:
        db = t.name.removeprefix("app-")
        rows = common.check_rows(t.url, t.ok_ids())
        print(
            f"{t.name}: {rows.answered} answered 200, {rows.rows} webhook_events rows, {rows.orders} orders;"
            f" missing {rows.missing}, without a 200 {rows.unanswered}, duplicate {rows.duplicates}"
        )
        ratio = table[t.name, "saturate"].rate / bare if bare else 0.0
        lines += [
            bench_line(f"webhooks-{db}-throughput-ratio", ratio, "ratio", ">=", 0.5),
            bench_line(f"webhooks-{db}-p99-at-200rps", table[t.name, "fixed"].p99, "ms", "<=", 100),
            bench_line(f"webhooks-{db}-rows-mismatch", rows.mismatch, "count", "==", 0),
        ]
    if pg_why:
        print(f"PostgreSQL at 127.0.0.1:5432 did not answer ({pg_why}); no PostgreSQL results.")
    print("\n".join(lines))


def drain(url: str, seconds: float) -> tuple[int, float]:
    """Not a target, but the other half of the story: one worker process running the
    handlers for what the intake recorded (orders/create with its customer and items)."""
    from app import create_app
    from app.config import Settings
    from app.shopify.processing import process_due_events
    from app.timeutil import utcnow

    app = create_app(Settings.from_env(common.app_env(url)))
    engine, done, started = ext.engine(app), 0, time.perf_counter()
    with app.app_context():
        while time.perf_counter() - started < seconds:
            handled = sum(process_due_events(engine=engine, now=utcnow(), limit=50).values())
            if not handled:
                break
            done += handled
    engine.dispose()
    return done, time.perf_counter() - started


def report_drain(targets: list[Target], work: Workload) -> None:
    for t in targets[1:]:
        done, secs = drain(t.url, work.drain_s)
        rate = done / secs if secs else 0.0
        print(f"{t.name}: one worker ran {done} queued webhooks in {secs:.1f} s = {rate:.0f} events/s (not a target)")


def print_header(work: Workload) -> None:
    name = "quick" if work is QUICK else "full"
    print(
        f"workload ({name}): per server a {work.warmup_s:g} s closed-loop warm-up, then {work.rounds}"
        f" interleaved rounds x {work.round_s:g} s of each phase = {work.rounds * work.round_s:g} s per phase"
    )
    print(
        f"  fixed: open loop at {work.rate:g} req/s = {work.rate * work.round_s:.0f} requests a round"
        f" ({work.fixed_threads} sender threads; latency from the scheduled send time)"
    )
    print(f"  saturate: {work.sat_conns} connections, closed loop, as fast as answers come")
    print(
        f"  servers: gunicorn -w {common.WORKERS} -k sync on 127.0.0.1, all up at once (sync workers close"
        " the connection after each answer: one TCP connect per request)"
    )
    print(
        f"  note: only {multiprocessing.cpu_count()} CPU cores, shared by the generator, the servers and"
        " PostgreSQL; 'ok req/s' is the median over rounds of 200s per second, p50/p99 pool all rounds"
    )


def print_wal(targets: list[Target]) -> None:
    """SQLite's WAL file while the servers still run (the last one to close removes it): a
    WAL that is never checkpointed in full is never started over, and only grows."""
    for t in targets:
        if t.url and t.url.startswith("sqlite:///"):
            wal = Path(t.url.removeprefix("sqlite:///") + "-wal")
            size = wal.stat().st_size / 1e6 if wal.exists() else 0.0
            print(f"  {t.name}: SQLite's WAL file after the last round, servers still up: {size:.1f} MB", flush=True)


def run(work: Workload, tmp: Path) -> int:
    """Prepare, load and report; servers are stopped whatever happens."""
    targets, pg_why = prepare(tmp)
    print_header(work)
    try:
        start_all(targets, tmp)
        measure(targets, work)
        print_wal(targets)
    except RuntimeError as exc:
        print(exc)
        return 1
    finally:
        for t in (t for t in targets if t.server):
            if t.server.proc.poll() is not None:
                print(f"server {t.name} exited early; log tail:\n{t.server.tail()}")
            common.stop(t.server)
    table = print_table(targets, work)
    print_cpu(targets)
    report_drain(targets, work)
    report(targets, table, pg_why)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Webhook intake under load (see the module docstring)")
    parser.add_argument("--quick", action="store_true", help="small workload, whole run under a minute")
    work = QUICK if parser.parse_args(argv).quick else FULL
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-") as tmp:
        status = run(work, Path(tmp))
    print(f"elapsed {time.monotonic() - started:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
