"""What bench/fuzz.py counts and prints: answers per phase, final statuses, the BENCH lines.

A delivery counts as a handler crash when, after the worker has drained everything, it is
still `received` (stuck), failed without a reason, or failed by an unexpected exception
(for Shopify anything but the handler's own refusal of the payload, `PayloadError: ...`;
for LINE anything but `unusable event: ...`), or when a job raised, or when a traceback
was logged anywhere. Failing cases are saved to bench/results/ for replay with --only.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

SHOPIFY_REASON = "PayloadError:"
LINE_REASON = "unusable event:"
SAMPLES = 5


@dataclasses.dataclass
class Phase:
    name: str
    endpoint: str
    sent: int = 0
    seconds: float = 0.0
    answers: Counter = dataclasses.field(default_factory=Counter)
    server_errors: list = dataclasses.field(default_factory=list)  # (case index, status)
    statuses: Counter = dataclasses.field(default_factory=Counter)
    crashes: list = dataclasses.field(default_factory=list)  # (case index or None, why)

    def record(self, case, status: int) -> None:
        """Only counts: a case is found again from its index (the run's own memory stays flat)."""
        self.sent += 1
        self.answers[status] += 1
        if status >= 500:
            self.server_errors.append((case.index, status))


def header(args, work, url: str) -> None:
    print(
        f"workload: {work.control} unbroken (control) then {work.cases} broken cases per endpoint,"
        f" the worker's jobs after every {work.batch}; seed {args.seed}"
    )
    print(f"  database: {url.split('://')[0]}; in-process Flask test client; LINE is the fake LINE on loopback")


def final_statuses(h, phases: dict[str, Phase], *, control: int) -> None:
    """Read every delivery's final status back and sort it into its phase by its case number
    (in the Shopify webhook id, "fuzz-<case>-…"; in the LINE event id, "FZ<case>…")."""
    from sqlmodel import Session, select

    from app import ext
    from app.models import LineEvent, WebhookEvent
    from bench._fuzz_line import case_of

    with Session(ext.engine(h.app)) as s:
        query = select(WebhookEvent.webhook_id, WebhookEvent.status, WebhookEvent.error, WebhookEvent.next_attempt_at)
        for webhook_id, status, error, retry_at in s.exec(query):
            index = int(webhook_id.split("-")[1])
            phase = phases["shopify-control" if index < control else "shopify-fuzz"]
            _classify(phase, index, status, error, retry_at, SHOPIFY_REASON)
        query = select(LineEvent.webhook_event_id, LineEvent.status, LineEvent.error)
        for event_id, status, error in s.exec(query):
            index = case_of(event_id)
            phase = phases["line-control" if index is not None and index < control else "line-fuzz"]
            _classify(phase, index, status, error, None, LINE_REASON)


def _classify(phase: Phase, case: int | None, status: str, error, retry_at, reason: str) -> None:
    phase.statuses[status] += 1
    if status == "received":
        phase.crashes.append((case, "left received (stuck)"))
    elif status == "failed" and not error:
        phase.crashes.append((case, "failed without a reason"))
    elif status == "failed" and not error.startswith(reason):
        phase.crashes.append((case, f"unexpected exception: {error[:200]}"))
    elif status == "failed" and retry_at is not None:
        phase.crashes.append((case, f"will be retried: {error[:200]}"))


def print_rows(h, case) -> None:
    """The rows one replayed case left (for --only)."""
    from sqlmodel import Session, select

    from app import ext
    from app.models import LineEvent, WebhookEvent

    with Session(ext.engine(h.app)) as s:
        if case.endpoint == "shopify":
            rows = s.exec(select(WebhookEvent.topic, WebhookEvent.status, WebhookEvent.error)).all()
        else:
            rows = s.exec(select(LineEvent.type, LineEvent.status, LineEvent.error)).all()
    for row in rows:
        print(f"row: {tuple(row)}")


def summary(args, phases: dict[str, Phase], h, *, rss: tuple[float, float, float], results: Path, describe) -> int:
    print(f"\n{'phase':<16} {'cases':>7} {'secs':>6} {'2xx':>7} {'4xx':>6} {'5xx':>5}  {'crashes':>7}  final statuses")
    for p in phases.values():
        two = sum(n for s, n in p.answers.items() if 200 <= s < 300)
        four = sum(n for s, n in p.answers.items() if 400 <= s < 500)
        statuses = " ".join(f"{k} {v}" for k, v in sorted(p.statuses.items()))
        print(
            f"{p.name:<16} {p.sent:>7} {p.seconds:>6.0f} {two:>7} {four:>6} {len(p.server_errors):>5}"
            f"  {len(p.crashes):>7}  {statuses}"
        )
    tracebacks = h.crashes.records
    print(f"tracebacks logged: {len(tracebacks)}; jobs that raised: {len(h.job_errors)}")
    failures = _failures(phases, tracebacks, h.job_errors, describe)
    for line in failures[:SAMPLES]:
        print(f"  failing: {line}")
    if failures:
        results.mkdir(parents=True, exist_ok=True)
        path = results / f"fuzz-{args.seed}.txt"
        path.write_text(
            f"seed {args.seed}; replay one with: python bench/fuzz.py --seed {args.seed} --only <endpoint:index>\n"
            + "\n".join(failures)
            + "\n"
        )
        print(f"  {len(failures)} failing cases written to {path}")
    setup, start, end = rss
    print(f"RSS: {setup:.0f} MB after setup, {start:.0f} MB at the start of the fuzz phases, {end:.0f} MB at the end")
    fuzz = [p for p in phases.values() if p.name.endswith("fuzz")]
    crashes = sum(len(p.crashes) for p in fuzz) + len(tracebacks) + len(h.job_errors)
    lines = [
        _bench("fuzz-shopify-5xx", len(phases["shopify-fuzz"].server_errors), "count", "==", 0),
        _bench("fuzz-line-5xx", len(phases["line-fuzz"].server_errors), "count", "==", 0),
        _bench("fuzz-handler-crashes", crashes, "count", "==", 0),
        _bench("fuzz-memory-growth", end - start, "MB", "<=", 50),
    ]
    control = [p for p in phases.values() if p.name.endswith("control")]
    print(
        "control (unbroken fixtures, same run): "
        + ", ".join(f"{p.name} 5xx {len(p.server_errors)} crashes {len(p.crashes)}" for p in control)
    )
    print("\n".join(lines))
    return 0


def _failures(phases: dict[str, Phase], tracebacks: list, job_errors: list, describe) -> list[str]:
    def said(endpoint: str, index: int | None) -> str:
        if index is None:
            return f"{endpoint}:? (case unknown: its event id was broken)"
        case = describe(endpoint, index)
        return f"{endpoint}:{index} {case.label}: {'; '.join(case.changes)[:300] or 'unbroken'}"

    out = []
    for p in phases.values():
        out += [f"{said(p.endpoint, i)} -> HTTP {status}" for i, status in p.server_errors]
        out += [f"{said(p.endpoint, i)} -> {why}" for i, why in p.crashes]
    out += [f"traceback at {where}: {what}" for where, what in tracebacks]
    out += [f"job raised: {what}" for what in job_errors]
    return out


def _bench(target_id: str, measured: float, unit: str, op: str, value: float) -> str:
    passed = measured <= value if op == "<=" else measured == value
    shown = f"{measured:.0f}" if unit == "count" else f"{measured:.1f}"
    return f"BENCH {target_id} {shown} {unit} target {op} {value:g} {'PASS' if passed else 'MISS'}"
