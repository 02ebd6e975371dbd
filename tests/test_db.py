"""app/db.py's helpers on both databases."""

from __future__ import annotations

from app.db import tuples


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
