"""The demo store comes with 90 days of LINE history the dashboard can show, made once."""

from __future__ import annotations

from datetime import timedelta

from app.models import (
    Attribution,
    FriendBlock,
    LinkClick,
    Notification,
    Shop,
    TrackedLink,
)
from app.timeutil import utcnow
from app.tracking import rollup_rebuild, stats
from tests.helpers import count, rows


def test_demo_history_feeds_the_dashboard_and_is_made_once(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    made = {m: count(db, m) for m in (Notification, TrackedLink, LinkClick, Attribution, FriendBlock)}
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert {m: count(db, m) for m in made} == made  # seeding again adds nothing
    ids = [s.id for s in rows(db, Shop)]  # the dashboard's rollups agree with the rows the demo wrote
    assert rollup_rebuild.stored(session=db, shop_ids=ids) == rollup_rebuild.as_table(
        rollup_rebuild.recount(session=db, shop_ids=ids)
    )

    message_links = len(rows(db, TrackedLink, TrackedLink.notification_id.is_not(None)))
    assert made[Notification] >= 200 and message_links == made[Notification]  # menus have links too
    assert made[LinkClick] >= 50 and made[FriendBlock] >= 1
    [shop] = rows(db, Shop)
    now = utcnow()
    since = now - timedelta(days=90)
    kinds = stats.attributed_by_kind(session=db, shop=shop, since=since, until=now)
    assert set(kinds) == {"recovered_checkout", "discount_code", "click", "menu_landing"}, kinds
    assert sum(stats.revenue_by_day(session=db, shop=shop, since=since, until=now).values()) > 0
    flows = stats.clicks_by_flow(session=db, shop=shop, since=since, until=now)
    assert {"repurchase", "shipping_update", "abandoned_checkout"} <= set(flows)
    assert any(flow is not None for flow in stats.blocks_by_flow(session=db, shop=shop, since=since, until=now))
    for row in stats.attributed_orders(
        session=db, shop=shop, since=since, until=now, limit=100
    ):  # each credit names its message, or the rich menu whose button the order came through
        assert row.notification_id is not None or row.flow == "richmenu", row
        assert row.flow and row.order_name.startswith("#")
    sent = rows(db, Notification, Notification.status == "sent")
    assert all(n.sent_at >= since - timedelta(days=1) for n in sent)
