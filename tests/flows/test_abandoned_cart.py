"""Abandoned cart reminders (a cart is reminded only once tied to a linked customer, and a
checkout for the same cart wins), and the edges of the checkout reminders: who is not
eligible, events out of order, and orders the flow has not seen yet at send time."""

from __future__ import annotations

from app.flows import abandoned, moot
from app.models import Notification
from app.models import NotificationStatus as St
from app.sync.orders import upsert_order
from tests.plugins.flows import CUSTOMER_ID, button, notes, set_flow
from tests.plugins.tracking import resolve

CART = "c1-7f2a9d0c8a0d4e2f9b3c"  # the fixtures' cart token (carts_create, checkouts_create, orders_create)
CHECKOUT = "bd5a8aa1ecd019dd3520ff791ee3a24c"
CART_DUE = "2026-11-25T02:05:00+00:00"  # cart updated 00:05 UTC + 120 min (11:05 in Tokyo)
AFTER_BOTH = "2026-11-25T03:00:00+00:00"  # noon in Tokyo: checkout step 0 (01:12) and the cart are due
NEXT_DAY = "2026-11-26T00:00:00+00:00"  # 09:00 in Tokyo: checkout step 1 (23:12) is due too


def tie(app, db, shop, token=CART, customer=CUSTOMER_ID) -> str:
    db.commit()
    with app.app_context():
        outcome = abandoned.tie_cart(session=db, shop=shop, token=token, customer_shopify_id=customer)
        db.commit()
    return outcome


def test_a_cart_without_a_customer_schedules_nothing(db, friend, send_webhook, payload):
    assert send_webhook("carts/create", payload("carts_create")).status_code == 200
    assert notes(db) == []


def test_a_cart_tied_to_a_linked_customer_is_reminded_with_a_cart_link(
    app, db, shop, friend, send_webhook, payload, dispatch, fake_line
):
    send_webhook("carts/create", payload("carts_create"))
    tie(app, db, shop)
    [reminder] = notes(db)
    assert (reminder.flow, reminder.step, reminder.status) == ("abandoned_cart", 0, St.SCHEDULED)
    assert reminder.due_at.isoformat().startswith("2026-11-25T02:05")

    assert dispatch("2026-11-25T02:00:00+00:00") == {}  # not due yet
    assert dispatch(CART_DUE) == {"sent": 1}
    [push] = fake_line.pushes()
    assert push.to == friend.line_user_id
    assert "カートに入れた商品" in push.messages[0]["text"]
    action = button(push.messages[1])
    assert action["label"] == "カートを見る"
    assert resolve(db, action["uri"]).startswith("https://test-shop.myshopify.com/cart/808950810:2?")
    assert "utm_source=line" in resolve(db, action["uri"]) and "utm_campaign=abandoned_cart" in resolve(
        db, action["uri"]
    )


def test_a_checkout_for_the_cart_wins_over_the_cart_reminder(
    app, db, shop, friend, send_webhook, payload, dispatch, fake_line
):
    send_webhook("carts/create", payload("carts_create"))
    tie(app, db, shop)
    send_webhook("checkouts/create", payload("checkouts_create"))
    by_flow = {(n.flow, n.step): n for n in notes(db)}
    assert by_flow[("abandoned_cart", 0)].status == St.CANCELLED
    assert by_flow[("abandoned_cart", 0)].reason == "checkout_reminder_wins"
    assert by_flow[("abandoned_checkout", 0)].status == St.SCHEDULED

    assert dispatch(AFTER_BOTH) == {"sent": 1}
    [push] = fake_line.pushes()
    assert button(push.messages[1])["label"] == "購入手続きを再開"
    # Tying the cart again (the shopper browses on) does not bring the cart reminder back.
    tie(app, db, shop)
    assert dispatch(AFTER_BOTH) == {}
    assert len(fake_line.pushes()) == 1


def test_an_order_with_the_cart_token_cancels_the_cart_reminder(
    app, db, shop, friend, send_webhook, payload_copy, payload, dispatch, fake_line
):
    send_webhook("carts/create", payload("carts_create"))
    tie(app, db, shop)
    send_webhook("orders/create", payload_copy("orders_create", checkout_token=None))
    [cart] = notes(db, Notification.flow == "abandoned_cart")
    assert (cart.status, cart.reason) == (St.CANCELLED, "ordered")
    dispatch(NEXT_DAY)
    assert [n.flow for n in notes(db, Notification.status == St.SENT)] == ["order_confirmation"]


def test_an_order_with_only_the_cart_token_cancels_the_checkout_reminders(
    db, friend, send_webhook, payload_copy, payload, dispatch, fake_line
):
    send_webhook("checkouts/create", payload("checkouts_create"))
    send_webhook("orders/create", payload_copy("orders_create", checkout_token=None))
    reminders = notes(db, Notification.flow == "abandoned_checkout")
    assert [(n.status, n.reason) for n in reminders] == [(St.CANCELLED, "ordered")] * 2
    dispatch(NEXT_DAY)
    assert [n.flow for n in notes(db, Notification.status == St.SENT)] == ["order_confirmation"]


def test_the_checkout_of_an_unlinked_customer_schedules_nothing(db, friend, send_webhook, payload_copy):
    stranger = {
        **payload_copy("checkouts_create")["customer"],
        "id": 42,
        "email": "someone@example.jp",
        "phone": "+819000000000",
    }
    send_webhook(
        "checkouts/create",
        payload_copy("checkouts_create", customer=stranger, email=stranger["email"], phone=stranger["phone"]),
    )
    assert notes(db) == []


def test_a_checkout_below_the_minimum_total_schedules_nothing(db, shop, friend, send_webhook, payload_copy):
    set_flow(db, shop, "abandoned_checkout", {"min_total": 5000})
    send_webhook("checkouts/create", payload_copy("checkouts_create"))  # ¥2,580
    assert notes(db) == []
    send_webhook(
        "checkouts/update", payload_copy("checkouts_create", total_price="5800", updated_at="2026-11-25T09:20:00+09:00")
    )
    assert [n.step for n in notes(db)] == [0, 1]


def test_an_order_that_arrives_before_its_checkout_update_means_no_reminder(
    db, friend, send_webhook, payload, dispatch, fake_line
):
    send_webhook("orders/create", payload("orders_create"))
    send_webhook("checkouts/update", payload("checkouts_create"))  # delivered late
    assert notes(db, Notification.flow == "abandoned_checkout", Notification.status == St.SCHEDULED) == []
    dispatch(AFTER_BOTH)
    dispatch(NEXT_DAY)
    assert [n.flow for n in notes(db, Notification.status == St.SENT)] == ["order_confirmation"]
    assert not any("購入手続き" in str(m) for m in fake_line.messages_to(friend.line_user_id))


def test_a_completed_checkout_cancels_its_reminders(db, friend, send_webhook, payload_copy, dispatch, fake_line):
    send_webhook("checkouts/create", payload_copy("checkouts_create"))
    send_webhook(
        "checkouts/update",
        payload_copy(
            "checkouts_create", completed_at="2026-11-25T09:25:00+09:00", updated_at="2026-11-25T09:25:00+09:00"
        ),
    )
    assert [(n.status, n.reason) for n in notes(db)] == [(St.CANCELLED, "checkout_completed")] * 2
    dispatch(NEXT_DAY)
    assert fake_line.pushes() == []


def test_a_reminder_whose_order_the_flow_has_not_seen_is_cancelled_at_send_time(
    app, db, shop, friend, send_webhook, payload, dispatch, fake_line
):
    send_webhook("checkouts/create", payload("checkouts_create"))
    with app.app_context():  # the order is stored, but its flow has not run (no cancellation yet)
        order = upsert_order(session=db, shop=shop, payload=payload("orders_create"))
        db.commit()
    [first, _] = notes(db)
    with app.app_context():
        assert moot.reason(session=db, row=first, shop=shop, now=first.due_at) == "ordered"

    assert dispatch(AFTER_BOTH) == {"cancelled": 1}
    assert fake_line.pushes() == []
    assert (notes(db)[0].status, notes(db)[0].reason) == (St.CANCELLED, "ordered")
    assert order.checkout_token == CHECKOUT
