"""Orders credited to LINE: a recovered checkout, then a discount code the app created, then
a click within the shop's window — one attribution per order, removed when it is cancelled."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from app.models import Attribution, LinkClick, Notification, Order, TrackedLink
from app.timeutil import utcnow
from app.tracking.attribution import attribute_order
from tests.helpers import count, rows
from tests.plugins.tracking import card, token_of

REMINDED = "2026-11-25T01:30:00+00:00"  # step 0 of the fixture checkout goes out (due 01:12 UTC)
AFTER = "2026-11-25T11:00:00+09:00"  # the order, after the reminder
CODE = "LINE-ABCDEFGHIJ"


def attribution(db) -> Attribution | None:
    found = rows(db, Attribution)
    assert len(found) <= 1
    return found[0] if found else None


def order_payload(payload_copy, **changes):
    base = {"processed_at": AFTER, "checkout_token": "unrelated-checkout", "cart_token": None, "discount_codes": []}
    return {**payload_copy("orders_create"), **base, **changes}


@pytest.fixture
def reminded(db, friend, send_webhook, payload, dispatch):
    """The fixture checkout abandoned, its first reminder sent."""
    send_webhook("checkouts/create", payload("checkouts_create"))
    dispatch(REMINDED)
    [sent] = rows(db, Notification, Notification.status == "sent")
    return sent


@pytest.fixture
def with_code(db, friend, put, dispatch):
    """A reminder whose discount code the app created, sent on the 24th."""
    note = put(
        friend,
        "abandoned_cart",
        "2026-11-24T03:00:00+00:00",
        key="cart:other-cart:0",
        context={"discount_issued": {"code": CODE, "ends_at": "2026-12-01T00:00:00+00:00", "created": True}},
    )
    dispatch("2026-11-24T03:00:00+00:00")
    return rows(db, Notification, Notification.id == note.id)[0]


def test_a_sent_checkout_reminder_recovers_the_order(db, reminded, send_webhook, payload_copy):
    body = payload_copy("orders_create", processed_at=AFTER)
    send_webhook("orders/create", body)
    send_webhook("orders/paid", body)  # every order topic asks again: still one row
    credit = attribution(db)
    assert (credit.kind, credit.flow, credit.notification_id) == (
        "recovered_checkout",
        "abandoned_checkout",
        reminded.id,
    )
    assert credit.revenue == Decimal(4158) and credit.currency == "JPY"
    assert credit.ordered_at == datetime.fromisoformat(AFTER)
    assert count(db, Attribution) == 1


def test_another_checkout_of_the_same_cart_is_recovered_too(db, reminded, send_webhook, payload_copy):
    send_webhook(
        "orders/create",
        order_payload(payload_copy, checkout_token="second-checkout", cart_token="c1-7f2a9d0c8a0d4e2f9b3c"),
    )
    assert attribution(db).kind == "recovered_checkout"


def test_a_reminder_not_yet_sent_earns_nothing(db, friend, send_webhook, payload, payload_copy):
    send_webhook("checkouts/create", payload("checkouts_create"))
    send_webhook("orders/create", payload("orders_create"))  # ordered 09:30, before the 10:12 reminder
    assert attribution(db) is None


def test_a_reminder_sent_after_the_order_earns_nothing(db, reminded, send_webhook, payload_copy):
    send_webhook("orders/create", payload_copy("orders_create", processed_at="2026-11-25T10:00:00+09:00"))
    assert attribution(db) is None


def test_an_app_created_discount_code_credits_its_reminder(db, with_code, send_webhook, payload_copy):
    send_webhook("orders/create", order_payload(payload_copy, discount_codes=[{"code": CODE.lower(), "amount": "400"}]))
    credit = attribution(db)
    assert (credit.kind, credit.flow, credit.notification_id) == ("discount_code", "abandoned_cart", with_code.id)


def test_a_code_the_app_did_not_create_earns_nothing(db, with_code, send_webhook, payload_copy):
    send_webhook("orders/create", order_payload(payload_copy, discount_codes=[{"code": "LINE10"}]))
    assert attribution(db) is None


def test_a_click_within_the_window_credits_the_latest_clicked_message(
    db, friend, pushed, fake_line, client, send_webhook, payload_copy
):
    first = pushed(friend, card("https://test-shop.myshopify.com/products/a"), "2026-11-20T03:00:00+00:00")
    second = pushed(
        friend, card("https://test-shop.myshopify.com/products/b"), "2026-11-21T03:00:00+00:00", flow="shipping_update"
    )
    uris = [p.messages[1]["contents"]["footer"]["contents"][0]["action"]["uri"] for p in fake_line.pushes()]
    for uri in (uris[1], uris[0]):  # the first message's link is clicked last
        assert client.get(f"/r/{token_of(uri)}", headers={"User-Agent": "Mozilla/5.0 Line/14.19"}).status_code == 302
    send_webhook("orders/create", order_payload(payload_copy, processed_at=(utcnow() + timedelta(hours=1)).isoformat()))
    credit = attribution(db)
    assert (credit.kind, credit.flow, credit.notification_id) == ("click", "order_confirmation", first.id)
    assert second.id != first.id


def test_priority_recovered_then_code_then_click(db, reminded, with_code, send_webhook, payload_copy):
    link = _link(db, reminded)
    _click(db, link, datetime.fromisoformat(AFTER) - timedelta(hours=1))
    codes = [{"code": CODE}]
    send_webhook("orders/create", payload_copy("orders_create", processed_at=AFTER, discount_codes=codes))
    assert attribution(db).kind == "recovered_checkout"
    send_webhook("orders/create", order_payload(payload_copy, id=1, name="#1002", discount_codes=codes))
    kinds = {o.name: a.kind for a, o in _joined(db)}
    assert kinds == {"#1001": "recovered_checkout", "#1002": "discount_code"}
    send_webhook("orders/create", order_payload(payload_copy, id=2, name="#1003"))
    assert {o.name: a.kind for a, o in _joined(db)}["#1003"] == "click"


@pytest.mark.parametrize(
    ("days", "offset", "credited"),
    [
        (7, timedelta(days=7), True),
        (7, timedelta(days=7, seconds=1), False),
        (3, timedelta(days=3), True),
        (3, timedelta(days=3, seconds=1), False),
        (7, timedelta(0), True),
        (7, -timedelta(seconds=1), False),  # a click after the order never counts
    ],
)
def test_the_click_window_is_the_merchants_and_inclusive(db, app, shop, friend, with_code, days, offset, credited):
    shop.settings = {**(shop.settings or {}), "attribution_window_days": days}
    db.add(shop)
    ordered = datetime.fromisoformat("2026-11-25T02:00:00+00:00")
    _click(db, _link(db, with_code), ordered - offset)
    order = _order(db, shop, ordered)
    with app.app_context():
        assert attribute_order(session=db, shop=shop, order=order) == ("click" if credited else None)
    db.commit()
    assert count(db, Attribution) == (1 if credited else 0)


def test_a_cancelled_order_loses_its_attribution(db, reminded, send_webhook, payload_copy):
    body = payload_copy("orders_create", processed_at=AFTER)
    send_webhook("orders/create", body)
    assert attribution(db) is not None
    send_webhook(
        "orders/cancelled",
        {**body, "cancelled_at": "2026-11-25T12:00:00+09:00", "updated_at": "2026-11-25T12:00:00+09:00"},
    )
    assert attribution(db) is None and rows(db, Order)[0].cancelled_at is not None


def test_another_shops_click_is_not_this_customers(db, app, shop, friend, with_code):
    from tests.helpers import make_shop

    other = make_shop(db, "other-shop.myshopify.com")
    link = _link(db, with_code)
    _click(db, link, datetime.fromisoformat("2026-11-25T01:00:00+00:00"))
    order = _order(db, other, datetime.fromisoformat("2026-11-25T02:00:00+00:00"))
    with app.app_context():
        assert attribute_order(session=db, shop=other, order=order) is None


def _link(db, note: Notification) -> TrackedLink:
    link = TrackedLink(
        shop_id=note.shop_id,
        token=f"t{note.id.hex[:15]}",
        notification_id=note.id,
        customer_id=note.customer_id,
        flow=note.flow,
        target="https://test-shop.myshopify.com/",
    )
    db.add(link)
    db.commit()
    return link


def _click(db, link: TrackedLink, at: datetime) -> None:
    db.add(
        LinkClick(
            shop_id=link.shop_id,
            link_id=link.id,
            notification_id=link.notification_id,
            customer_id=link.customer_id,
            flow=link.flow,
            clicked_at=at,
        )
    )
    db.commit()


def _order(db, shop, at: datetime) -> Order:
    from tests.plugins.flows import CUSTOMER_ID

    order = Order(
        shop_id=shop.id,
        shopify_id=555,
        customer_shopify_id=CUSTOMER_ID,
        name="#2001",
        total_price=Decimal(3000),
        processed_at=at,
    )
    db.add(order)
    db.commit()
    return order


def _joined(db):
    from sqlmodel import select

    db.commit()
    return list(db.exec(select(Attribution, Order).join(Order, Order.id == Attribution.order_id)))
