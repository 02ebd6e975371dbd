"""A sequence's results read its own messages (key prefix `seq:{id}:`) and their outcomes
and nobody else's, through indexes on both databases (a scan of every notification was 4
per results page; then each join read every message of the sequence again)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func
from sqlmodel import select

from app.models import Attribution, FriendBlock, LinkClick, Notification, Order, Sequence, TrackedLink
from app.sequences.results import _mine, results
from app.timeutil import utcnow
from tests.helpers import statements
from tests.plugins.people import notification

OUTCOMES = ("link_clicks", "attributions", "friend_blocks")


def keyed(db, shop, key: str, flow: str = "sequence", step: int = 0) -> Notification:
    row = notification(db, shop, flow=flow, step=step)
    row.dedupe_key = key
    db.add(row)
    db.commit()
    return row


def outcomes(db, shop, row: Notification, *, clicks: int = 0, revenue: int | None = None, block: bool = False):
    """Clicks, an attributed order and a block on `row`, each carrying its flow (as the app writes them)."""
    now = utcnow()
    link = TrackedLink(shop_id=shop.id, token=f"t{row.id.hex[:20]}", notification_id=row.id, flow=row.flow, target="x")
    db.add(link)
    db.flush()
    for _ in range(clicks):
        db.add(LinkClick(shop_id=shop.id, link_id=link.id, notification_id=row.id, flow=row.flow, clicked_at=now))
    if revenue is not None:
        order = Order(shop_id=shop.id, shopify_id=int(row.id.int % 10**12), name="#1")
        db.add(order)
        db.flush()
        db.add(
            Attribution(
                shop_id=shop.id,
                order_id=order.id,
                notification_id=row.id,
                flow=row.flow,
                kind="click",
                revenue=Decimal(revenue),
                currency="JPY",
                ordered_at=now,
            )
        )
    if block:
        db.add(FriendBlock(shop_id=shop.id, notification_id=row.id, flow=row.flow, blocked_at=now))
    db.commit()


def test_outcomes_are_counted_per_step_of_this_sequence_only(db, shop):
    first, second = keyed(db, shop, "seq:1:7:1", step=1), keyed(db, shop, "seq:1:7:2", step=2)
    outcomes(db, shop, first, clicks=2, block=True)
    outcomes(db, shop, second, clicks=1, revenue=3000)
    outcomes(db, shop, keyed(db, shop, "seq:12:9:1", step=1), clicks=5, revenue=7000, block=True)  # another sequence
    outcomes(db, shop, keyed(db, shop, "k-order", flow="order_confirmation", step=1), clicks=3, revenue=1, block=True)

    found = results(session=db, sequence=Sequence(id=1, shop_id=shop.id, name="s"), positions=[1, 2])

    one, two = found.steps
    assert (one.sent, one.clicks, one.orders, one.revenue, one.blocks) == (1, 2, 0, Decimal(0), 1)
    assert (two.sent, two.clicks, two.orders, two.revenue, two.blocks) == (1, 1, 1, Decimal(3000), 0)


def test_the_prefix_takes_this_sequence_only(db, shop):
    for key in ("seq:1:7:0", "seq:1:8:1", "seq:12:9:0", "seq:2:1:0", "seq:1", "seq:10:1:0", "seq;1:1:0", "k1"):
        keyed(db, shop, key)

    count = db.exec(select(func.count()).select_from(Notification).where(*_mine(db, shop.id, 1))).one()

    assert count == 2


def test_the_prefix_is_a_range_of_the_sequence_steps_index_which_answers_alone(db, shop):
    keyed(db, shop, "seq:1:7:0")
    # a table where reading everything costs, so the planner picks what it would in production
    row = notification(db, shop).model_dump(exclude={"id"})
    db.execute(Notification.__table__.insert(), [{**row, "dedupe_key": f"order:{i}"} for i in range(3000)])
    db.commit()
    counted = (Notification.step, Notification.status, Notification.reason)
    compiled = select(*counted).where(*_mine(db, shop.id, 1)).compile(db.get_bind())
    conn = db.connection()
    if db.get_bind().dialect.name == "sqlite":
        plan = " ".join(
            r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params.values()))
        )
        assert "USING COVERING INDEX ix_notifications_sequence_steps" in plan, plan
        assert "dedupe_key>? AND dedupe_key<?" in plan.replace("=", ""), plan
    else:
        db.commit()
        with db.get_bind().execution_options(isolation_level="AUTOCOMMIT").connect() as vacuum:
            vacuum.exec_driver_sql("VACUUM ANALYZE notifications")  # the visibility map: an index-only scan
        conn = db.connection()
        plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params))
        assert "Index Only Scan using ix_notifications_sequence_steps" in plan, plan


def test_every_results_query_reads_through_indexes(db, shop, monkeypatch):
    """Each statement the results page runs: no full scan of notifications or link clicks."""
    keyed(db, shop, "seq:1:7:0")
    row = notification(db, shop).model_dump(exclude={"id"})
    db.execute(Notification.__table__.insert(), [{**row, "dedupe_key": f"order:{i}"} for i in range(3000)])
    db.commit()
    engine = db.get_bind()
    with statements(engine) as seen:
        results(session=db, sequence=Sequence(id=1, shop_id=shop.id, name="s"), positions=[0])
    conn = db.connection()
    for statement, params in [s for s in seen if "notifications" in s[0]]:
        if engine.dialect.name == "sqlite":
            plan = " | ".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params))
            assert "SCAN notifications" not in plan and "SCAN link_clicks" not in plan, plan
            for table in OUTCOMES:  # from the outcome's side, each message by its id
                if f"FROM {table}" in statement:
                    first = plan.split(" | ")[0]  # attributions: the revenue is read from the row
                    assert first.startswith(f"SEARCH {table} ") and f"ix_{table}_shop_flow_notification" in first, plan
                    assert "SEARCH notifications USING INDEX sqlite_autoindex_notifications_1 (id=?)" in plan, plan
        else:
            conn.exec_driver_sql("ANALYZE")
            for knob in ("seqscan", "hashjoin", "mergejoin"):  # small tables: ask whether an index *can* serve
                conn.exec_driver_sql(f"SET LOCAL enable_{knob} = off")
            plan = " | ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", params))
            assert "Seq Scan" not in plan, plan
