"""Timing `app.search.query.search` against a plain LIKE scan, in-process, on one database.

Both are timed the same way: one warm-up pass over every query (caches, pools, SQLite's
page cache, PostgreSQL's shared buffers), then one timed pass, sequential, one query at a
time. `search` gets a fresh Session per query, as a request does (its first statement
checks a pooled connection out and begins); the scan runs on one connection.

The scan is the naive way to do it: one `doc LIKE '%word%'` per normalised word, AND-ed,
`LIMIT 11`, no ranking. On PostgreSQL the planner would answer that LIKE from the very
pg_trgm index under test, so the baseline's connection turns index and bitmap scans off
(a true sequential scan); the same SQL with the planner left alone is timed too, as
information. `diagnose` re-runs the slowest queries with per-statement timings and the
plan of the ranking statement, to say where the time goes.
"""

from __future__ import annotations

import dataclasses
import time

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.models import Shop
from app.search.normalize import terms
from app.search.query import search


@dataclasses.dataclass
class Timed:
    ms: list[float]  # per query, in query order
    top: list[list[int]]  # search: Shopify ids of the top 10; scan: product ids (<= 11)
    titles: list[list[str]] = dataclasses.field(default_factory=list)  # search: top 3 titles
    first: Timed | None = None  # search: the warm-up pass (each shape's statement built on first use)


def load_shop(engine: Engine, domain: str) -> Shop:
    with Session(engine) as s:
        shop = s.exec(select(Shop).where(Shop.domain == domain)).one()
        s.expunge(shop)
    return shop


def time_search(engine: Engine, shop: Shop, qs: list[str]) -> Timed:
    """Warm-up pass, then the timed pass; results kept from the timed pass. The warm-up's
    times are kept too (`first`): there every statement whose shape had not been seen yet
    was built and compiled (app/search/binds.py), as in a process that has just started."""
    first = Timed([], [])
    for q in qs:
        with Session(engine) as s:
            t0 = time.perf_counter()
            found = search(session=s, shop=shop, query=q).found
            first.ms.append(1000 * (time.perf_counter() - t0))
            first.top.append([f.product.shopify_id for f in found])
    out = Timed([], [], [], first)
    for q in qs:
        with Session(engine) as s:
            t0 = time.perf_counter()
            found = search(session=s, shop=shop, query=q).found
            out.ms.append(1000 * (time.perf_counter() - t0))
            out.top.append([f.product.shopify_id for f in found])
            out.titles.append([f.product.title for f in found[:3]])
    return out


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def scan_statement(q: str, shop_id: int) -> tuple[str, dict] | None:
    """The plain scan for one query (SQL, parameters), or None when it has no words."""
    words = terms(q)
    if not words:
        return None
    likes = " AND ".join(f"doc LIKE :w{i} ESCAPE '\\'" for i in range(len(words)))
    sql = f"SELECT product_id FROM product_search WHERE shop_id = :s AND searchable AND {likes} LIMIT 11"
    return sql, {"s": shop_id, **{f"w{i}": _like(w) for i, w in enumerate(words)}}


def _no_index(conn) -> None:
    """This connection's planner may not use an index: the scan stays a scan on PostgreSQL."""
    for knob in ("indexscan", "bitmapscan", "indexonlyscan"):
        conn.exec_driver_sql(f"SET enable_{knob} = off")


def time_scan(engine: Engine, shop_id: int, qs: list[str], *, force_seq: bool) -> Timed:
    statements = [scan_statement(q, shop_id) for q in qs]
    statements = [(text(st[0]), st[1]) if st else None for st in statements]
    out = Timed([], [])
    with engine.connect() as conn:
        if force_seq and engine.dialect.name == "postgresql":
            _no_index(conn)
        for st in statements:  # warm-up
            if st is not None:
                conn.execute(*st).all()
        for st in statements:
            t0 = time.perf_counter()
            ids = [r[0] for r in conn.execute(*st)] if st is not None else []
            out.ms.append(1000 * (time.perf_counter() - t0))
            out.top.append(ids)
        conn.rollback()
    return out


def scan_plan(engine: Engine, shop_id: int, q: str, *, force_seq: bool) -> list[str]:
    """The plan of one scan statement, to show what the baseline really does."""
    sql, params = scan_statement(q, shop_id)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return [r[-1] for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql), params)]
        if force_seq:
            _no_index(conn)
        return [r[0] for r in conn.execute(text("EXPLAIN (ANALYZE, COSTS OFF) " + sql), params)]


# -- diagnosis of the slowest queries ------------------------------------------------------------
@dataclasses.dataclass
class Diagnosis:
    query: str
    total_ms: float
    statements: list[tuple[float, str]]  # (ms, first words of the SQL)
    plan: list[str]  # of the slowest statement


class _Recorder:
    """Times every statement an engine runs while attached (for diagnosis only)."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.rows, self._t0 = engine, [], 0.0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._t0 = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.rows.append((1000 * (time.perf_counter() - self._t0), statement, parameters))


def diagnose(engine: Engine, shop: Shop, q: str) -> Diagnosis:
    with _Recorder(engine) as rec, Session(engine) as s:
        t0 = time.perf_counter()
        search(session=s, shop=shop, query=q)
        total = 1000 * (time.perf_counter() - t0)
    executed = [r for r in rec.rows if not r[1].lstrip().upper().startswith(("BEGIN", "SET"))]
    slowest = max(executed, key=lambda r: r[0])
    return Diagnosis(
        q, total, [(ms, " ".join(sql.split())[:60]) for ms, sql, _ in executed], explain(engine, slowest[1], slowest[2])
    )


def explain(engine: Engine, statement: str, parameters) -> list[str]:
    """EXPLAIN QUERY PLAN on SQLite; EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            return [f"{'  ' * _depth(rows, r)}{r[-1]}" for r in rows]
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all()
        return [r[0] for r in rows]


def _depth(rows, row) -> int:
    """Indentation of an EXPLAIN QUERY PLAN row (id, parent, notused, detail)."""
    parents, depth, parent = {r[0]: r[1] for r in rows}, 0, row[1]
    while parent:
        depth, parent = depth + 1, parents.get(parent, 0)
    return depth
