"""Abandoned checkout reminders: scheduled for linked customers, sent once when due,
cancelled by the order, and never doubled by duplicate deliveries."""

from __future__ import annotations

from app.models import NotificationStatus as St
from tests.plugins.flows import notes
from tests.plugins.tracking import resolve

LATER = "2026-11-25T01:30:00+00:00"  # the fixture checkout was updated 00:12 UTC; step 1 is due 01:12
NEXT_DAY = "2026-11-26T00:00:00+00:00"  # 09:00 in Tokyo, after quiet hours; step 2 due 23:12


def test_checkout_of_linked_customer_schedules_two_steps_and_sends_the_first(
    db, friend, send_webhook, dispatch, payload, fake_line
):
    send_webhook("checkouts/create", payload("checkouts_create"))
    scheduled = notes(db)
    assert [(n.flow, n.step, n.status) for n in scheduled] == [
        ("abandoned_checkout", 0, St.SCHEDULED),
        ("abandoned_checkout", 1, St.SCHEDULED),
    ]
    assert scheduled[0].due_at.isoformat().startswith("2026-11-25T01:12")

    assert dispatch(LATER) == {"sent": 1}
    pushed = fake_line.pushes()
    assert len(pushed) == 1 and pushed[0].to == friend.line_user_id
    assert "山田 花子様" in pushed[0].messages[0]["text"]
    button = pushed[0].messages[1]["contents"]["footer"]["contents"][0]["action"]
    assert button["label"] == "購入手続きを再開"
    assert resolve(db, button["uri"]).startswith("https://test-shop.myshopify.com/548380009/checkouts/")
    assert "utm_source=line" in resolve(db, button["uri"]) and "utm_campaign=abandoned_checkout" in resolve(
        db, button["uri"]
    )
    assert fake_line.accepted_retry_keys() == [str(scheduled[0].id)]


def test_order_cancels_the_remaining_reminders(db, friend, send_webhook, dispatch, payload, fake_line):
    send_webhook("checkouts/create", payload("checkouts_create"))
    send_webhook("orders/create", payload("orders_create"))
    reminders = notes(
        db,
    )
    by_flow = {(n.flow, n.step): n for n in reminders}
    assert by_flow[("abandoned_checkout", 0)].status == St.CANCELLED
    assert by_flow[("abandoned_checkout", 0)].reason == "ordered"
    dispatch(NEXT_DAY)
    assert all(d.messages[0]["text"].find("お買い物カゴ") < 0 for d in fake_line.pushes())


def test_duplicate_delivery_schedules_nothing_twice(db, friend, send_webhook, dispatch, payload, fake_line):
    body = payload("checkouts_create")
    send_webhook("checkouts/create", body)
    send_webhook("checkouts/create", body)  # Shopify retried with a new webhook id
    assert len(notes(db)) == 2
    dispatch(LATER)
    dispatch(LATER)
    assert len(fake_line.pushes()) == 1
