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


def test_a_prepared_insert_stores_what_the_orm_stores_and_says_whether_a_row_went_in(db, shop):
    """Typed by the columns' own bind processors: the stored text of a time on SQLite is the
    ORM's, to the microsecond, so the worker's `next_attempt_at <= now` compares alike."""
    from app.db import PreparedInsert
    from app.models import WebhookEvent, WebhookStatus

    events = WebhookEvent.__table__
    keys = ("shop_id", "webhook_id", "topic", "api_version", "received_at", "status", "next_attempt_at", "body")
    keys += ("attempts", "updated_at", "triggered_at")
    prepared = PreparedInsert(events, ("shop_id", "webhook_id"), keys)
    when = datetime(2026, 12, 6, 18, 0, 0, tzinfo=UTC)  # no microseconds: written out all the same
    values = dict.fromkeys(("received_at", "next_attempt_at", "updated_at"), when) | {
        "shop_id": shop.id,
        "webhook_id": "prepared",
        "topic": "orders/create",
        "api_version": "2026-10",
        "status": WebhookStatus.RECEIVED,
        "attempts": 0,
        "body": "{}",
        "triggered_at": None,
    }
    conn = db.connection()
    assert prepared.run(conn, values) is True
    assert prepared.run(conn, values | {"topic": "orders/updated"}) is False  # the key exists
    db.add(WebhookEvent(**values | {"webhook_id": "orm"}))
    db.commit()

    stored = {r.webhook_id: r for r in db.scalars(select(WebhookEvent))}
    assert stored["prepared"].topic == "orders/create" and stored["prepared"].triggered_at is None
    assert stored["prepared"].next_attempt_at == when == stored["orm"].next_attempt_at
    raw = "SELECT webhook_id, CAST(next_attempt_at AS TEXT) FROM webhook_events WHERE shop_id = :s"
    texts = dict(db.execute(text(raw), {"s": shop.id}).all())
    assert texts["prepared"] == texts["orm"]
