"""Order confirmation and shipping updates (transactional: sent at once, each exactly once),
and the after-delivery follow-up (marketing, off by default)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.models import Notification
from app.timeutil import as_utc, utcnow
from tests.plugins.flows import button, notes, set_flow
from tests.plugins.tracking import resolve

ORDER_STATUS_URL = "https://test-shop.myshopify.com/548380009/orders/123456abcd/authenticate?key=abcdefg"
TRACKING_URL = "https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number=401234567890"
TOKYO = ZoneInfo("Asia/Tokyo")
NIGHT = "2026-11-25T14:00:00+00:00"  # 23:00 in Tokyo: quiet hours do not hold transactional messages


def texts(fake_line, user) -> list[str]:
    """What the shopper read: plain texts and the alt text of cards."""
    return [m.get("text") or m.get("altText") for m in fake_line.messages_to(user)]


def test_an_order_of_a_linked_customer_is_confirmed_at_once(db, friend, send_webhook, payload, dispatch, fake_line):
    send_webhook("orders/create", payload("orders_create"))
    assert dispatch(NIGHT) == {"sent": 1}
    [push] = fake_line.pushes()
    assert push.to == friend.line_user_id
    intro, card = push.messages
    assert "#1001" in intro["text"] and "山田 花子様" in intro["text"]
    assert card["type"] == "flex" and "¥4,158" in str(card["contents"]["body"])
    assert "静岡 深蒸し煎茶（100g）" in card["altText"] and "有田焼 マグカップ" in card["altText"]
    action = button(card)
    assert action["label"] == "注文状況を見る"
    assert resolve(db, action["uri"]).startswith(
        ORDER_STATUS_URL + "&"
    ) and "utm_campaign=order_confirmation" in resolve(db, action["uri"])


def test_paid_and_repeated_order_events_do_not_confirm_twice(
    db, friend, send_webhook, payload, payload_copy, dispatch, fake_line
):
    send_webhook("orders/create", payload("orders_create"))
    send_webhook("orders/create", payload("orders_create"))  # Shopify's retry
    send_webhook("orders/paid", payload_copy("orders_create", updated_at="2026-11-25T09:31:00+09:00"))
    dispatch(NIGHT)
    dispatch(NIGHT)
    assert [n.flow for n in notes(db)] == ["order_confirmation"]
    assert len(fake_line.pushes()) == 1


def test_an_order_without_a_status_url_has_no_button(db, friend, send_webhook, payload_copy, dispatch, fake_line):
    send_webhook("orders/create", payload_copy("orders_create", order_status_url=None))
    dispatch(NIGHT)
    [push] = fake_line.pushes()
    assert "footer" not in push.messages[1]["contents"]


def test_an_order_of_an_unlinked_customer_sends_nothing(db, friend, send_webhook, payload_copy, dispatch, fake_line):
    stranger = {**payload_copy("orders_create")["customer"], "id": 42, "email": "someone@example.jp"}
    send_webhook("orders/create", payload_copy("orders_create", customer=stranger))
    send_webhook("fulfillments/create", payload_copy("fulfillments_create"))
    dispatch(NIGHT)
    dispatch()
    assert notes(db) == [] and fake_line.pushes() == []


def test_an_english_speaking_friend_gets_the_english_texts(db, friend, send_webhook, payload, dispatch, fake_line):
    friend.language = "en"
    db.add(friend)
    db.commit()
    send_webhook("orders/create", payload("orders_create"))
    dispatch(NIGHT)
    intro, card = fake_line.pushes()[0].messages
    assert intro["text"].startswith("Thank you") and "#1001" in intro["text"]
    assert button(card)["label"] == "View order"
    assert "ご注文" not in str(card)


def fulfillment(payload_copy, status, at):
    return payload_copy("fulfillments_create", shipment_status=status, updated_at=at)


def test_shipped_message_names_carrier_and_tracking(
    db, friend, send_webhook, payload, payload_copy, dispatch, fake_line
):
    send_webhook("orders/create", payload("orders_create"))
    dispatch(NIGHT)
    second = payload_copy("fulfillments_create", tracking_numbers=["4012-3456-7890", "4012-3456-7891"])
    send_webhook("fulfillments/create", second)
    assert dispatch() == {"sent": 1}
    card = fake_line.pushes()[-1].messages[0]
    assert "#1001" in card["altText"] and "ヤマト運輸" in card["altText"]
    assert "4012-3456-7890" in card["altText"] and "4012-3456-7891" in card["altText"]
    track, order_page = button(card, 0), button(card, 1)
    assert (track["label"], resolve(db, track["uri"])) == ("配送状況を確認", TRACKING_URL)
    assert order_page["label"] == "注文状況を見る" and resolve(db, order_page["uri"]).startswith(ORDER_STATUS_URL)


def test_each_shipment_status_goes_out_once_per_fulfillment(
    db, friend, send_webhook, payload, payload_copy, dispatch, fake_line
):
    send_webhook("orders/create", payload("orders_create"))
    dispatch(NIGHT)
    send_webhook("fulfillments/create", payload("fulfillments_create"))
    updates = [
        ("in_transit", "2026-11-27T08:00:00+09:00"),
        ("out_for_delivery", "2026-11-27T09:00:00+09:00"),
        ("attempted_delivery", "2026-11-27T15:00:00+09:00"),
        ("out_for_delivery", "2026-11-28T09:00:00+09:00"),
        ("failure", "2026-11-28T12:00:00+09:00"),
        ("delivered", "2026-11-28T16:00:00+09:00"),
    ]
    for status, at in updates:
        send_webhook("fulfillments/update", fulfillment(payload_copy, status, at))
        dispatch()
    send_webhook("fulfillments/update", fulfillment(payload_copy, "delivered", "2026-11-28T16:00:00+09:00"))
    send_webhook("fulfillments/update", fulfillment(payload_copy, "delivered", "2026-11-28T16:05:00+09:00"))
    dispatch()
    sent = [
        n.context["status"] for n in sorted(notes(db, Notification.flow == "shipping_update"), key=lambda n: n.step)
    ]
    assert sent == ["shipped", "out_for_delivery", "delivered", "attempted_delivery", "failure"]
    shown = texts(fake_line, friend.line_user_id)[2:]  # after the order confirmation (text, card)
    assert len(shown) == 5
    for said, words in zip(
        shown, ["発送しました", "本日お届け予定", "ご不在", "問題が発生", "お届けしました"], strict=True
    ):
        assert words in said
    assert notes(db, Notification.flow == "after_delivery") == []  # off unless the merchant turns it on


def test_a_status_the_merchant_switched_off_is_not_sent(
    db, shop, friend, send_webhook, payload, payload_copy, dispatch, fake_line
):
    set_flow(db, shop, "shipping_update", {"statuses": {"shipped": True, "out_for_delivery": False, "delivered": True}})
    send_webhook("orders/create", payload("orders_create"))
    send_webhook("fulfillments/create", payload("fulfillments_create"))
    send_webhook("fulfillments/update", fulfillment(payload_copy, "out_for_delivery", "2026-11-27T09:00:00+09:00"))
    send_webhook("fulfillments/update", fulfillment(payload_copy, "delivered", "2026-11-27T16:00:00+09:00"))
    dispatch()
    assert sorted(n.context["status"] for n in notes(db, Notification.flow == "shipping_update")) == [
        "delivered",
        "shipped",
    ]
    assert not any("本日お届け予定" in t for t in texts(fake_line, friend.line_user_id))


def test_delivered_before_created_sends_delivered_and_never_shipped(
    db, friend, send_webhook, payload, payload_copy, dispatch, fake_line
):
    send_webhook("orders/create", payload("orders_create"))
    send_webhook("fulfillments/update", fulfillment(payload_copy, "delivered", "2026-11-27T16:00:00+09:00"))
    send_webhook("fulfillments/create", payload("fulfillments_create"))  # older, delivered late
    dispatch()
    assert [n.context["status"] for n in notes(db, Notification.flow == "shipping_update")] == ["delivered"]
    shown = texts(fake_line, friend.line_user_id)
    assert any("お届けしました" in t for t in shown) and not any("発送しました" in t for t in shown)


def test_after_delivery_follow_up_comes_seven_days_after_delivery(
    db, shop, friend, send_webhook, payload, payload_copy, dispatch, fake_line
):
    set_flow(db, shop, "after_delivery", {"enabled": True, "delay_days": 7, "review_url": "https://example.jp/review"})
    send_webhook("orders/create", payload("orders_create"))
    send_webhook("fulfillments/create", payload("fulfillments_create"))
    # Delivered at 22:30 in Tokyo: the follow-up falls due at 22:30 a week later, in quiet hours.
    # The week ends tomorrow (Tokyo's date), as the messages due at intake ("now") must be due
    # by the first run below.
    day = (utcnow() + timedelta(days=1)).astimezone(TOKYO).date()
    due = datetime.combine(day, time(22, 30), TOKYO)
    send_webhook("fulfillments/update", fulfillment(payload_copy, "delivered", (due - timedelta(days=7)).isoformat()))
    [follow_up] = notes(db, Notification.flow == "after_delivery")
    assert follow_up.marketing and as_utc(follow_up.due_at) == due

    assert dispatch(due - timedelta(minutes=30)).get("sent") == 3  # order, shipped, delivered; not the follow-up
    assert dispatch(due) == {"quiet_hours": 1}
    assert dispatch(datetime.combine(day + timedelta(days=1), time(9), TOKYO)) == {"sent": 1}
    card = fake_line.pushes()[-1].messages[0]
    assert "ご感想" in card["altText"]
    review = button(card)
    assert review["label"] == "レビューを書く"
    assert resolve(db, review["uri"]).startswith(
        "https://example.jp/review?"
    ) and "utm_campaign=after_delivery" in resolve(db, review["uri"])


def test_a_fulfillment_that_arrives_before_its_order_is_announced_once_the_order_comes(
    db, friend, send_webhook, payload, dispatch, fake_line
):
    send_webhook("fulfillments/create", payload("fulfillments_create"))  # auto-fulfilled; orders/create retried
    send_webhook("orders/create", payload("orders_create"))
    send_webhook("orders/paid", payload("orders_create"))
    dispatch()
    assert sorted(n.flow for n in notes(db)) == ["order_confirmation", "shipping_update"]
    assert any("発送しました" in t for t in texts(fake_line, friend.line_user_id))
