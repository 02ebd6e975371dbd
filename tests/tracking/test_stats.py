"""Dashboard reads: scoped to one shop and a [since, until) window, days in the shop's time zone."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import pytest

from app.models import (
    Attribution,
    FriendBlock,
    LineFriend,
    LinkClick,
    Notification,
    Order,
    TrackedLink,
)
from app.tracking import stats
from app.tracking.stats import Totals
from tests.helpers import make_shop

SINCE = datetime.fromisoformat("2026-11-01T00:00:00+09:00")
UNTIL = datetime.fromisoformat("2026-11-03T00:00:00+09:00")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def history(db):
    shop, other = make_shop(db), make_shop(db, "other-shop.myshopify.com")
    notes = {}
    for store in (shop, other):
        for flow in ("abandoned_checkout", "repurchase"):
            note = Notification(
                shop_id=store.id,
                flow=flow,
                dedupe_key=f"{flow}:{uuid.uuid4()}",
                due_at=SINCE,
                status="sent",
                sent_at=SINCE,
            )
            db.add(note)
            notes[store.id, flow] = note
    db.flush()
    links = {}
    for (store_id, flow), note in notes.items():
        links[store_id, flow] = TrackedLink(
            shop_id=store_id,
            token=uuid.uuid4().hex[:16],
            notification_id=note.id,
            flow=flow,
            target="https://example.jp/",
        )
    db.add_all(links.values())
    db.flush()
    for store in (shop, other):
        for flow, when in (
            ("abandoned_checkout", "2026-11-01T00:00:00+09:00"),  # the window's first instant
            ("abandoned_checkout", "2026-11-02T23:59:59+09:00"),
            ("repurchase", "2026-11-02T12:00:00+09:00"),
            ("repurchase", "2026-11-03T00:00:00+09:00"),  # until is excluded
            ("repurchase", "2026-10-31T23:59:59+09:00"),
        ):
            link = links[store.id, flow]
            db.add(
                LinkClick(
                    shop_id=store.id,
                    link_id=link.id,
                    notification_id=link.notification_id,
                    flow=flow,
                    clicked_at=at(when),
                )
            )
        for number, (kind, flow, revenue, when) in enumerate(
            (
                ("recovered_checkout", "abandoned_checkout", "4158", "2026-11-01T08:00:00+09:00"),
                (
                    "recovered_checkout",
                    "abandoned_checkout",
                    "1000.50",
                    "2026-11-02T00:30:00+09:00",
                ),  # 15:30 UTC on the 1st
                ("click", "repurchase", "2500", "2026-11-02T20:00:00+09:00"),
                ("discount_code", "abandoned_checkout", "9999", "2026-11-03T00:00:00+09:00"),
            )
        ):  # outside
            order = Order(
                shop_id=store.id,
                shopify_id=1000 + number,
                name=f"#{1001 + number}",
                total_price=Decimal(revenue),
                processed_at=at(when),
            )
            db.add(order)
            db.flush()
            db.add(
                Attribution(
                    shop_id=store.id,
                    order_id=order.id,
                    kind=kind,
                    flow=flow,
                    revenue=Decimal(revenue),
                    notification_id=notes[store.id, flow].id,
                    ordered_at=at(when),
                )
            )
        db.add_all(
            [
                FriendBlock(
                    shop_id=store.id,
                    flow="repurchase",
                    notification_id=notes[store.id, "repurchase"].id,
                    blocked_at=at("2026-11-01T10:00:00+09:00"),
                ),
                FriendBlock(shop_id=store.id, flow=None, blocked_at=at("2026-11-02T10:00:00+09:00")),
                FriendBlock(shop_id=store.id, flow=None, blocked_at=at("2026-11-04T10:00:00+09:00")),
            ]
        )
    db.commit()
    return shop, notes


def test_clicks_and_blocks_by_flow(db, history):
    shop, _ = history
    assert stats.clicks_by_flow(session=db, shop=shop, since=SINCE, until=UNTIL) == {
        "abandoned_checkout": 2,
        "repurchase": 1,
    }
    assert stats.blocks_by_flow(session=db, shop=shop, since=SINCE, until=UNTIL) == {"repurchase": 1, None: 1}


def test_attributed_orders_and_revenue_by_flow_kind_and_day(db, history):
    shop, _ = history
    assert stats.attributed_by_flow(session=db, shop=shop, since=SINCE, until=UNTIL) == {
        "abandoned_checkout": Totals(2, Decimal("5158.50")),
        "repurchase": Totals(1, Decimal("2500.00")),
    }
    assert stats.recovered_checkouts(session=db, shop=shop, since=SINCE, until=UNTIL) == Totals(2, Decimal("5158.50"))
    assert stats.attributed_by_kind(session=db, shop=shop, since=SINCE, until=UNTIL)["click"] == Totals(
        1, Decimal("2500.00")
    )
    # Tokyo days: the 00:30 order belongs to the 2nd though it is the 1st in UTC.
    assert stats.revenue_by_day(session=db, shop=shop, since=SINCE, until=UNTIL) == {
        date(2026, 11, 1): Decimal("4158.00"),
        date(2026, 11, 2): Decimal("3500.50"),
    }
    assert stats.attributed_by_day(session=db, shop=shop, since=SINCE, until=UNTIL)[date(2026, 11, 2)] == Totals(
        2, Decimal("3500.50")
    )


def test_empty_days_are_zeros(db, history):
    shop, _ = history
    days = stats.revenue_by_day(session=db, shop=shop, since=at("2026-10-30T00:00:00+09:00"), until=SINCE)
    assert days == {date(2026, 10, 30): Decimal("0.00"), date(2026, 10, 31): Decimal("0.00")}
    assert stats.recovered_checkouts(
        session=db, shop=shop, since=UNTIL, until=at("2026-11-04T00:00:00+09:00")
    ) == Totals(0, Decimal("0.00"))


def test_attributed_orders_newest_first_with_a_keyset_cursor(db, history):
    shop, notes = history
    first = stats.attributed_orders(session=db, shop=shop, since=SINCE, until=UNTIL, limit=2)
    assert [(r.order_name, r.kind, r.flow, r.revenue) for r in first] == [
        ("#1003", "click", "repurchase", Decimal("2500.00")),
        ("#1002", "recovered_checkout", "abandoned_checkout", Decimal("1000.50")),
    ]
    assert first[0].notification_id == notes[shop.id, "repurchase"].id
    assert first[0].ordered_at == at("2026-11-02T20:00:00+09:00")
    rest = stats.attributed_orders(
        session=db, shop=shop, since=SINCE, until=UNTIL, limit=2, before=(first[-1].ordered_at, first[-1].id)
    )
    assert [r.order_name for r in rest] == ["#1001"]
    assert len(stats.attributed_orders(session=db, shop=shop, since=SINCE, until=UNTIL, limit=10_000)) == 3


def test_sent_follows_and_blocks_by_local_day(db, history):
    shop, _ = history
    db.add_all(
        [
            LineFriend(shop_id=shop.id, line_user_id="U1", followed_at=at("2026-11-01T23:59:00+09:00")),
            LineFriend(shop_id=shop.id, line_user_id="U2", followed_at=at("2026-11-02T00:00:00+09:00")),
            LineFriend(shop_id=shop.id, line_user_id="U3", followed_at=at("2026-11-03T00:00:00+09:00")),  # out
        ]
    )
    db.commit()
    window = {"session": db, "shop": shop, "since": SINCE, "until": UNTIL}
    first, second = date(2026, 11, 1), date(2026, 11, 2)

    # Each note of the history was sent at SINCE; failed or unsent ones never count.
    assert stats.sent_by_flow(**window) == {
        "abandoned_checkout": {first: 1, second: 0},
        "repurchase": {first: 1, second: 0},
    }
    assert stats.follows_by_day(**window) == {first: 1, second: 1}
    assert stats.blocks_by_day(**window) == {first: 1, second: 1}
    assert stats.local_days(shop, SINCE, UNTIL) == [first, second]


def test_a_window_that_starts_mid_day_still_buckets_by_local_day(db, history):
    shop, _ = history
    since = at("2026-11-01T09:00:00+09:00")
    days = stats.revenue_by_day(session=db, shop=shop, since=since, until=UNTIL)
    assert days == {date(2026, 11, 1): Decimal("0.00"), date(2026, 11, 2): Decimal("3500.50")}
