"""app/db.py's helpers on both databases."""

from __future__ import annotations

from sqlalchemy import column, select, table, text

from app.db import prefix_bounds, starts_with, tuples


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
