"""Tables and BENCH lines for bench/search.py (kept apart so the runner stays readable)."""

from __future__ import annotations

import math
import multiprocessing

from bench import _common as common
from bench._search_queryset import SHARES

NO_MATCH_PROBE = "ラーメン"  # a word no product has: the scan reads every row for it
SAMPLE_CLASSES = ("1 word", "script", "short", "2 words", "3 words", "4 words")


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (nan when empty)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def bench_line(target_id: str, measured: float, unit: str, op: str, value: float) -> str:
    """_common's line, with the figure written as search's tables write it."""
    shown = (
        f"{measured:.3f}"
        if unit == "ratio" and value < 1
        else f"{measured:.2f}"
        if unit == "ratio"
        else f"{measured:.1f}"
    )
    return common.bench_line(target_id, measured, unit, op, value, shown=shown)


def header(work, qs: list[tuple[str, str]]) -> None:
    print(
        f"workload ({work.name})"
        + (
            ": a SMALLER catalog than the targets' 100,000 products, fewer queries and"
            " events; these figures are not the targets' figures"
            if work.name == "quick"
            else ""
        )
    )
    counts = {label: sum(c == label for c, _ in qs) for label in SHARES}
    print(f"  {'part':<15} {'size':>8}  how")
    print(
        f"  {'catalog':<15} {work.products:>8}  products, 1-4 variants each, Japanese titles/tags"
        " (bench/_search_catalog.py), as bulk-operation JSONL on disk"
    )
    print(
        f"  {'bulk import':<15} {work.products:>8}  products streamed from the file by app.sync.bulk.Importer, one"
        " process per database measuring its own wall time and peak RSS (ru_maxrss)"
    )
    print(
        f"  {'queries':<15} {len(qs):>8}  fixed, {', '.join(f'{k} {v}' for k, v in counts.items())};"
        " one warm-up pass, then one timed pass, sequential, in-process"
    )
    print(
        f"  {'chat':<15} {work.events:>8}  text events with those queries (+{work.warmup} warm-up), {work.senders}"
        f" closed-loop senders, gunicorn -w {common.WORKERS} -k sync on the SQLite database, fake LINE"
    )
    print(
        f"  machine: {multiprocessing.cpu_count()} CPU cores shared by everything; PostgreSQL gets VACUUM ANALYZE"
        " after its import (autovacuum's job), the app itself runs ANALYZE after the first chunk and after the import",
        flush=True,
    )


def print_import(info: dict, dbs) -> None:
    print(
        f"\nbulk import: JSONL {info['bytes'] / 1e6:.1f} MB, {info['lines']} lines"
        f" ({info['lines'] - info['variants']} products + {info['variants']} variants),"
        f" generated in {info['seconds']:.1f} s"
    )
    print(
        "  peak RSS = the importer process's own ru_maxrss; VmHWM (/proc) as a check; 'before' = after its"
        " imports and connecting, before the first line"
    )
    print(
        f"  {'database':<11} {'products':>8} {'seconds':>8} {'prod/s':>7} {'peak RSS MB':>11}"
        f" {'VmHWM MB':>8} {'RSS before MB':>13}  seconds / peak RSS MB at each 10,000 products"
    )
    for db in dbs:
        m = db.imported
        marks = " ".join(f"{s:.0f}/{r:.0f}" for _, s, r in m["marks"])
        print(
            f"  {db.name:<11} {m['products']:>8} {m['seconds']:>8.1f} {m['products'] / m['seconds']:>7.0f}"
            f" {m['peak_rss_mb']:>11.1f} {m['vm_hwm_mb']:>8.1f} {m['rss_before_mb']:>13.1f}  {marks}"
        )


def _latency_row(db: str, what: str, t) -> str:
    v = t.ms
    zero = sum(not ids for ids in t.top)
    return (
        f"  {db:<11} {what:<48} {len(v):>4} {pct(v, 0.5):>7.2f} {pct(v, 0.95):>7.2f} {pct(v, 0.99):>7.2f}"
        f" {max(v):>7.2f} {zero:>5}"
    )


def print_latency(qs, dbs) -> None:
    print(f"\nquery latency, ms ({len(qs)} queries; top 10 + 1 asked, as the chat does)")
    print(f"  {'database':<11} {'what':<48} {'n':>4} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'zero':>5}")
    for db in dbs:
        index = "FTS5 trigram" if db.name == "sqlite" else "pg_trgm GIN"
        print(_latency_row(db.name, f"search() ({index} + ranking)", db.search))
        if db.search.first:
            print(_latency_row(db.name, "search(), first pass (info: caches cold)", db.search.first))
        forced = ", seq scan forced" if db.name == "postgresql" else ""
        print(_latency_row(db.name, f"LIKE scan, LIMIT 11{forced} (baseline)", db.scan))
        if db.free_like:
            print(_latency_row(db.name, "same LIKE, planner free (info only)", db.free_like))
    for db in dbs:
        print(f"  {db.name}: scan / search = {ratio(db, 0.95):.2f}x at p95, {ratio(db, 0.5):.2f}x at the median")
    for db in dbs:
        print(f"  {db.name} baseline plan for {NO_MATCH_PROBE!r}: {' | '.join(line.strip() for line in db.scan_plan)}")


def ratio(db, q: float) -> float:
    return pct(db.scan.ms, q) / pct(db.search.ms, q)


def print_classes(qs, dbs) -> None:
    print("\nby query class, p50 / p95 ms")
    heads = [f"{db.name} {what}" for db in dbs for what in ("search", "scan")]
    print(f"  {'class':<10} {'n':>4}" + "".join(f" {h:>22}" for h in heads))
    for label in SHARES:
        idx = [i for i, (c, _) in enumerate(qs) if c == label]
        cells = []
        for db in dbs:
            for t in (db.search, db.scan):
                v = [t.ms[i] for i in idx]
                cells.append(f"{pct(v, 0.5):.1f} / {pct(v, 0.95):.1f}")
        print(f"  {label:<10} {len(idx):>4}" + "".join(f" {c:>22}" for c in cells))


def print_sanity(qs, dbs) -> None:
    print("\nresults")
    for db in dbs:
        zero = sum(not ids for ids in db.search.top)
        missed = [qs[i][1] for i, ids in enumerate(db.search.top) if not ids and db.scan.top[i]]
        no_match = sum(not ids for (c, _), ids in zip(qs, db.search.top, strict=False) if c == "no match")
        found = [q for (c, q), ids in zip(qs, db.search.top, strict=False) if c == "no match" and ids]
        print(
            f"  {db.name}: {zero} of {len(qs)} queries found nothing ({no_match} of the"
            f" {sum(c == 'no match' for c, _ in qs)} 'no match' ones"
            + (f"; found something: {found[:5]}" if found else "")
            + ");"
            f" search found nothing where the scan found something: {len(missed)}"
            + (f" e.g. {missed[:5]}" if missed else "")
        )
    if len(dbs) == 2:
        a, b = dbs[0].search.top, dbs[1].search.top
        same = sum(x == y for x, y in zip(a, b, strict=False))
        as_set = sum(set(x) == set(y) for x, y in zip(a, b, strict=False))
        differ = [qs[i][1] for i in range(len(qs)) if set(a[i]) != set(b[i])]
        print(
            f"  SQLite vs PostgreSQL top 10 (Shopify ids): same order {same}/{len(qs)},"
            f" same set {as_set}/{len(qs)}" + (f"; different sets e.g. {differ[:5]}" if differ else "")
        )
    shown = {}
    for i, (label, _q) in enumerate(qs):
        if label in SAMPLE_CLASSES and label not in shown and dbs[0].search.titles[i]:
            shown[label] = i
    print(f"  top 3 on {dbs[0].name} for one query of each class:")
    for label, i in shown.items():
        print(f"    {label:<8} {qs[i][1]!r}: {' / '.join(dbs[0].search.titles[i])}")


def print_diagnoses(qs, dbs) -> None:
    print("\nslowest searches, re-run once with per-statement times, and the plan of the slowest statement")
    cls = {q: c for c, q in qs}
    for db in dbs:
        for d in db.diagnoses:
            steps = "; ".join(f"{ms:.1f} ms {sql[:28]}" for ms, sql in d.statements)
            print(f"  {db.name} {d.query!r} ({cls.get(d.query)}): {d.total_ms:.1f} ms = {steps}")
        if db.diagnoses:
            for line in db.diagnoses[0].plan:
                print(f"      {line}")


def top3(db) -> float:
    hits = sum(h for h, _, _ in db.relevance.values())
    return hits / max(1, sum(n for _, n, _ in db.relevance.values()))


def print_relevance(dbs) -> None:
    print("\nrelevance (bench/_search_relevance.py): a right product in the top 3; a no-match query: nothing at all")
    print(f"  {'kind':<11} {'n':>4}" + "".join(f" {db.name + ' top 3':>18}" for db in dbs) + "  missed (first db)")
    for kind in dbs[0].relevance:
        n = dbs[0].relevance[kind][1]
        cells = "".join(f" {db.relevance[kind][0] / n:>18.2f}" for db in dbs)
        print(f"  {kind:<11} {n:>4}{cells}  {dbs[0].relevance[kind][2]}")
    total = sum(n for _, n, _ in dbs[0].relevance.values())
    print(f"  {'all':<11} {total:>4}" + "".join(f" {top3(db):>18.3f}" for db in dbs))


def print_chat(c, products: int) -> None:
    n = len(c.webhook) + c.errors
    print(f"\nchat round trip (SQLite, {products} products): {n} events in {c.elapsed:.1f} s = {n / c.elapsed:.0f}/s")
    print(f"  {'measure':<30} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    rows = [("webhook answered 200", c.webhook), ("send -> reply at fake", c.roundtrip)]
    rows += [(f"  {label}", c.by_class[label]) for label in SHARES if label in c.by_class]
    for name, v in rows:
        print(
            f"  {name:<30} {len(v):>5} {pct(v, 0.5):>8.1f} {pct(v, 0.95):>8.1f} {pct(v, 0.99):>8.1f}"
            f" {max(v, default=float('nan')):>8.1f}"
        )
    kinds = c.reply_types
    print(f"  webhook answers slower than LINE's 2 s timeout: {sum(ms > 2000 for ms in c.webhook)}")
    print(
        f"  replies by first message: {kinds.get('flex', 0)} carousels (flex), {kinds.get('text', 0)} texts"
        " (a miss, or the note before close matches / description-only matches)"
        + "".join(f", {v} {k}" for k, v in kinds.items() if k not in ("flex", "text"))
        + f"; errors {c.errors}, no reply {c.no_reply}, refused by the fake {c.rejected}"
    )
    for sample in c.samples:
        print(f"  error sample: {sample}")


def results(work, info, qs, dbs, chat, pg_why: str) -> None:
    print_import(info, dbs)
    print_latency(qs, dbs)
    print_classes(qs, dbs)
    print_sanity(qs, dbs)
    print_diagnoses(qs, dbs)
    print_relevance(dbs)
    print_chat(chat, work.products)
    if pg_why:
        print(f"\nPostgreSQL at 127.0.0.1:5432 did not answer ({pg_why}); no PostgreSQL results.")
    print()
    for db in dbs:
        print(bench_line(f"search-{db.name}-p95", pct(db.search.ms, 0.95), "ms", "<=", 10))
    for db in dbs:
        print(bench_line(f"search-{db.name}-vs-scan", ratio(db, 0.95), "ratio", ">=", 20))
    # the lower of the databases' rates: each must reach the target
    print(bench_line("search-relevance-top3", min(top3(db) for db in dbs), "ratio", ">=", 0.95))
    for db in dbs:
        print(bench_line(f"bulk-import-{db.name}-seconds", db.imported["seconds"], "s", "<=", 60))
        print(bench_line(f"bulk-import-{db.name}-rss", db.imported["peak_rss_mb"], "MB", "<=", 200))
    lost = chat.errors + chat.no_reply + chat.rejected  # a lost event is slower than any target
    print(bench_line("search-chat-p95", pct(chat.roundtrip + [float("inf")] * lost, 0.95), "ms", "<=", 100))
