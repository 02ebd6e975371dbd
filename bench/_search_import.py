"""The bulk import, alone in its own process, measuring itself (run by bench/search.py).

    python bench/_search_import.py DATABASE_URL SHOP_DOMAIN FILE.jsonl

A process of its own so its peak RSS (`ru_maxrss`) is the import's and nothing else's:
no catalog generator, no query timings, no earlier import in the same address space.
The file is streamed line by line into the app's `Importer` exactly as the catalog sync
streams Shopify's download, so a flat peak RSS shows the import never holds the whole
file. Prints one JSON object on stdout.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _rss_mb() -> float:
    """Peak resident set size so far; Linux reports ru_maxrss in KB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _hwm_mb() -> float:
    """The kernel's VmHWM for this address space: a cross-check of ru_maxrss (which Linux
    carries over from the parent across fork and execve, see bench/search.py)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(url: str, domain: str, path: str) -> dict:
    from sqlmodel import Session, select

    from app.db import make_engine
    from app.models import Shop
    from app.sync.bulk import Importer, parse_lines
    from app.timeutil import utcnow

    engine = make_engine(url)
    with Session(engine) as s:
        shop = s.exec(select(Shop).where(Shop.domain == domain)).one()
        s.expunge(shop)
    before = _rss_mb()  # interpreter, SQLAlchemy and the app's modules, before any line
    marks: list[tuple[int, float, float]] = []
    started = time.perf_counter()

    def progress(done: int) -> None:
        if done % 10_000 == 0:
            marks.append((done, time.perf_counter() - started, _rss_mb()))

    with open(path, encoding="utf-8") as lines:
        done = Importer(engine=engine, shop=shop, seen_at=utcnow(), on_progress=progress).feed_all(parse_lines(lines))
    wall = time.perf_counter() - started
    engine.dispose()
    return {
        "products": done,
        "seconds": wall,
        "peak_rss_mb": _rss_mb(),
        "vm_hwm_mb": _hwm_mb(),
        "rss_before_mb": before,
        "marks": marks,
    }


if __name__ == "__main__":
    print(json.dumps(run(*sys.argv[1:4])))
