"""A sequence's results read its own messages (key prefix `seq:{id}:`) and nobody else's,
through an index on both databases (a scan of every notification was 4 per results page)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from app.models import Notification
from app.sequences.results import _mine
from tests.plugins.people import notification


def keyed(db, shop, key: str) -> None:
    row = notification(db, shop, flow="sequence")
    row.dedupe_key = key
    db.add(row)
    db.commit()


def test_the_prefix_takes_this_sequence_only(db, shop):
    for key in ("seq:1:7:0", "seq:1:8:1", "seq:12:9:0", "seq:2:1:0", "seq:1", "seq:10:1:0", "seq;1:1:0", "k1"):
        keyed(db, shop, key)

    count = db.exec(select(func.count()).select_from(Notification).where(*_mine(db, shop.id, 1))).one()

    assert count == 2


def test_the_prefix_is_an_index_range(db, shop):
    keyed(db, shop, "seq:1:7:0")
    # a table where reading everything costs, so the planner picks what it would in production
    row = notification(db, shop).model_dump(exclude={"id"})
    db.execute(Notification.__table__.insert(), [{**row, "dedupe_key": f"order:{i}"} for i in range(3000)])
    db.commit()
    compiled = select(Notification.id).where(*_mine(db, shop.id, 1)).compile(db.get_bind())
    conn = db.connection()
    if db.get_bind().dialect.name == "sqlite":
        plan = " ".join(
            r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params.values()))
        )
        assert "USING INDEX" in plan and "dedupe_key>? AND dedupe_key<?" in plan.replace("=", ""), plan
    else:
        conn.exec_driver_sql("ANALYZE notifications")
        plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params))
        assert "ix_notifications_key_prefix" in plan, plan


def test_every_results_query_reads_through_indexes(db, shop, monkeypatch):
    """Each statement the results page runs: no full scan of notifications or link clicks."""
    from sqlalchemy import event

    from app.models import Sequence
    from app.sequences.results import results

    keyed(db, shop, "seq:1:7:0")
    row = notification(db, shop).model_dump(exclude={"id"})
    db.execute(Notification.__table__.insert(), [{**row, "dedupe_key": f"order:{i}"} for i in range(3000)])
    db.commit()
    seen: list[tuple[str, object]] = []
    engine = db.get_bind()
    listener = lambda *a: seen.append((a[2], a[3]))  # noqa: E731 (conn, cursor, statement, params, ...)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        results(session=db, sequence=Sequence(id=1, shop_id=shop.id, name="s"), positions=[0])
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    conn = db.connection()
    for statement, params in [s for s in seen if "notifications" in s[0]]:
        if engine.dialect.name == "sqlite":
            plan = " | ".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params))
            assert "SCAN notifications" not in plan and "SCAN link_clicks" not in plan, plan
        else:
            conn.exec_driver_sql("ANALYZE")
            for knob in ("seqscan", "hashjoin", "mergejoin"):  # small tables: ask whether an index *can* serve
                conn.exec_driver_sql(f"SET LOCAL enable_{knob} = off")
            plan = " | ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", params))
            assert "Seq Scan" not in plan, plan
            for table in ("link_clicks", "attributions", "friend_blocks"):  # found by their message's id
                if f"JOIN {table}" in statement:
                    assert f"ix_{table}_notification_id" in plan, plan
