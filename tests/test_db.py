"""app/db.py's helpers on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import column, select, table, text

from app.db import column_defaults, insert_rows, prefix_bounds, starts_with, tuples
from app.models import Shop


def test_tuples_reads_arrays_in_binary_when_asked_and_gives_the_same_values(db):
    if db.get_bind().dialect.name == "sqlite":
        assert tuples(db, "SELECT 1 + :n", binary=True, n=2) == [(3,)]  # nothing to ask SQLite for
        return
    # psycopg has no loader for `point`: text comes back as str, the binary format as bytes,
    # so the type of the value shows which format the server was asked for.
    assert isinstance(tuples(db, "SELECT '(1,2)'::point")[0][0], str)
    assert isinstance(tuples(db, "SELECT '(1,2)'::point", binary=True)[0][0], bytes)
    ids = "SELECT array_agg(n::bigint ORDER BY n) FROM generate_series(:lo, :hi) AS n"
    assert tuples(db, ids, binary=True, lo=-2, hi=70_000) == tuples(db, ids, lo=-2, hi=70_000)
    assert tuples(db, ids, binary=True, lo=-2, hi=70_000)[0][0][:3] == [-2, -1, 0]


def test_prefix_bounds_are_a_range_of_characters_every_database_takes():
    assert prefix_bounds("緑茶") == ("緑茶", "緑茷")
    assert prefix_bounds("a\ud7ff") == ("a\ud7ff", "a\ue000")  # no surrogate as the bound
    assert prefix_bounds("a\U0010ffff") == ("a\U0010ffff", "a\U0010ffff")  # nothing after: empty


def test_starts_with_is_exact_and_reads_the_range(db):
    db.execute(text("CREATE TEMPORARY TABLE words (w TEXT)"))
    db.execute(text("INSERT INTO words VALUES ('緑茶'), ('緑茶 ギフト'), ('緑茷'), ('宇治の緑茶'), ('緑'), ('MORI')"))
    words = table("words", column("w"))
    found = {w for (w,) in db.execute(select(words.c.w).where(starts_with(words.c.w, *prefix_bounds("緑茶"))))}
    assert found == {"緑茶", "緑茶 ギフト"}
    assert not list(db.execute(select(words.c.w).where(starts_with(words.c.w, *prefix_bounds("mori")))))


def test_insert_rows_writes_many_rows_in_a_few_statements_with_their_values(db):
    """On SQLite, multi-row INSERTs of power-of-two sizes (FTS5 triggers then index a batch
    at once, not a segment per row); on PostgreSQL, COPY. Either way each value lands in its
    column, typed as an INSERT would store it."""
    installed = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    shops = [
        {**column_defaults(Shop), "domain": f"bulk-{i}.myshopify.com", "name": f"店{i}", "installed_at": installed}
        for i in range(300)
    ]
    shops[7]["installed_at"] = None
    ran: list[str] = []
    raw = db.connection().connection.driver_connection
    if db.get_bind().dialect.name == "sqlite":  # every statement SQLite runs, executemany's rows one by one
        raw.set_trace_callback(ran.append)
    try:
        insert_rows(db, Shop.__table__, shops)
    finally:
        if db.get_bind().dialect.name == "sqlite":
            raw.set_trace_callback(None)
    found = {d: (n, at) for d, n, at in db.execute(select(Shop.domain, Shop.name, Shop.installed_at))}
    assert len(found) == 300
    assert found["bulk-0.myshopify.com"] == ("店0", installed)
    assert found["bulk-7.myshopify.com"] == ("店7", None)
    assert found["bulk-299.myshopify.com"][0] == "店299"
    if db.get_bind().dialect.name == "sqlite":
        inserts = [s for s in ran if s.startswith("INSERT INTO shops")]
        assert len(inserts) == 4  # 300 rows = 256 + 32 + 8 + 4, not 300 statements
