"""Repurchase reminders: due a product's cycle × quantity after the order, with a one-tap
cart link; bought again or cancelled, the reminder goes; cycles suggested from real repeats."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.flows import repurchase
from app.models import Notification
from app.models import NotificationStatus as St
from app.sync.orders import upsert_order
from tests.plugins.flows import button, notes, set_flow
from tests.plugins.tracking import resolve

TEA, TEA_VARIANT = 632910392, 808950810  # the fixture order buys 2 of it (and a mug without a cycle)
CYCLES = {"enabled": True, "cycles": {"products": {str(TEA): 30}, "types": {}, "tags": {}}}
DUE = "2027-01-24T00:30:00+00:00"  # processed 2026-11-25 00:30 UTC + 30 days × 2 (09:30 in Tokyo)


@pytest.fixture
def tea(db, shop, catalog, payload):
    set_flow(db, shop, "repurchase", CYCLES)
    return catalog(payload("products_create"))


def reminders(db, *where) -> list[Notification]:
    return notes(db, Notification.flow == "repurchase", *where)


def second_order(payload_copy, *, quantity=1, **changes):
    first = payload_copy("orders_create")
    tea_line = {**first["line_items"][0], "id": 866550311766439099, "quantity": quantity}
    return {
        **first,
        "id": 820982911946154599,
        "name": "#1002",
        "checkout_token": "c2",
        "cart_token": None,
        "processed_at": "2026-12-10T10:00:00+09:00",
        "created_at": "2026-12-10T10:00:00+09:00",
        "updated_at": "2026-12-10T10:00:05+09:00",
        "line_items": [tea_line],
        **changes,
    }


def test_an_order_schedules_a_reminder_for_when_it_runs_out(
    db, tea, friend, send_webhook, payload, dispatch, fake_line
):
    send_webhook("orders/create", payload("orders_create"))
    [reminder] = reminders(db)  # the mug has no cycle
    assert reminder.marketing and reminder.due_at.isoformat().startswith("2027-01-24T00:30")
    assert reminder.context["product_id"] == TEA

    dispatch("2026-11-25T03:00:00+00:00")  # the order confirmation
    assert dispatch("2027-01-24T00:29:00+00:00") == {}
    assert dispatch(DUE) == {"sent": 1}
    intro, card = fake_line.pushes()[-1].messages
    assert "静岡 深蒸し煎茶" in intro["text"]
    action = button(card)
    assert action["label"] == "もう一度購入"
    assert resolve(db, action["uri"]).startswith(f"https://test-shop.myshopify.com/cart/{TEA_VARIANT}:2?")
    assert "utm_source=line" in resolve(db, action["uri"]) and "utm_campaign=repurchase" in resolve(db, action["uri"])
    assert "¥1,290" in str(card["contents"]["body"])


def test_no_reminder_without_a_cycle_or_when_switched_off(db, shop, catalog, friend, send_webhook, payload):
    catalog(payload("products_create"))
    send_webhook("orders/create", payload("orders_create"))  # no cycle configured
    set_flow(db, shop, "repurchase", {**CYCLES, "enabled": False})
    send_webhook("orders/create", payload("orders_create"))
    assert reminders(db) == []


def test_a_cycle_by_product_type_or_tag_counts_too(db, shop, catalog, friend, send_webhook, payload):
    catalog(payload("products_create"))  # type 緑茶, tags お茶, ギフト, 送料無料
    set_flow(db, shop, "repurchase", {"enabled": True, "cycles": {"products": {}, "types": {}, "tags": {"ギフト": 45}}})
    send_webhook("orders/create", payload("orders_create"))
    [reminder] = reminders(db)
    assert reminder.due_at.isoformat().startswith("2027-02-23T00:30")  # 45 days × 2


def test_buying_again_replaces_the_reminder(db, tea, friend, send_webhook, payload, payload_copy, dispatch, fake_line):
    send_webhook("orders/create", payload("orders_create"))
    send_webhook("orders/create", second_order(payload_copy))
    first, second = sorted(reminders(db), key=lambda n: n.created_at)
    assert (first.status, first.reason) == (St.CANCELLED, "bought_again")
    assert second.status == St.SCHEDULED and second.context["order_id"] == 820982911946154599
    assert second.due_at.isoformat().startswith("2027-01-09T01:00")  # 2026-12-10 10:00 Tokyo + 30 days × 1

    dispatch("2027-01-09T01:00:00+00:00")
    dispatch(DUE)
    sent = [n for n in reminders(db) if n.status == St.SENT]
    assert [n.id for n in sent] == [second.id]
    [push] = [d for d in fake_line.pushes() if "もう一度購入" in str(d.messages)]
    assert f"/cart/{TEA_VARIANT}:1?" in resolve(db, button(push.messages[1])["uri"])


def test_a_late_event_of_the_earlier_order_keeps_the_newer_reminder(
    db, tea, friend, send_webhook, payload, payload_copy
):
    """Paid by konbini days later: orders/paid of the first order comes after the second order."""
    send_webhook("orders/create", payload("orders_create"))
    send_webhook("orders/create", second_order(payload_copy))
    send_webhook("orders/paid", payload_copy("orders_create", updated_at="2026-12-11T10:00:00+09:00"))
    waiting = reminders(db, Notification.status == St.SCHEDULED)
    assert [n.context["order_id"] for n in waiting] == [820982911946154599]


def test_a_cancelled_order_withdraws_its_reminder(
    db, tea, friend, send_webhook, payload, payload_copy, dispatch, fake_line
):
    send_webhook("orders/create", payload("orders_create"))
    send_webhook(
        "orders/cancelled",
        payload_copy(
            "orders_create",
            cancelled_at="2026-11-25T12:00:00+09:00",
            cancel_reason="customer",
            updated_at="2026-11-25T12:00:00+09:00",
        ),
    )
    [reminder] = reminders(db)
    assert (reminder.status, reminder.reason) == (St.CANCELLED, "order_cancelled")
    dispatch("2026-11-25T03:00:00+00:00")
    dispatch(DUE)
    assert not any("もう一度" in str(d.messages) for d in fake_line.pushes())


def orders_of_repeat_buyers(app, db, shop, payload_copy, gaps: list[int]) -> None:
    """One customer per gap, each buying the tea twice, `gap` days apart."""
    first_at = datetime.fromisoformat("2026-06-01T10:00:00+09:00")
    with app.app_context():
        for n, gap in enumerate(gaps):
            customer = {"id": 900_000 + n, "email": f"repeat{n}@example.jp"}
            for k, at in enumerate([first_at, first_at + timedelta(days=gap)]):
                line = {**payload_copy("orders_create")["line_items"][0], "id": 7_000_000 + n * 10 + k}
                upsert_order(
                    session=db,
                    shop=shop,
                    payload={
                        **payload_copy(
                            "orders_create",
                            id=5_000_000 + n * 10 + k,
                            customer=customer,
                            processed_at=at.isoformat(),
                            updated_at=at.isoformat(),
                            line_items=[line],
                        ),
                        "name": f"#{2000 + n * 10 + k}",
                    },
                )
        db.commit()


def test_cycles_are_suggested_from_five_repeat_purchases(app, db, shop, payload_copy):
    orders_of_repeat_buyers(app, db, shop, payload_copy, [20, 28, 30, 41, 60])
    assert repurchase.suggest_cycles(session=db, shop=shop) == {TEA: {"days": 30, "repeats": 5}}


def test_no_cycle_is_suggested_from_fewer_repeats(app, db, shop, payload_copy):
    orders_of_repeat_buyers(app, db, shop, payload_copy, [20, 28, 30, 41])
    assert repurchase.suggest_cycles(session=db, shop=shop) == {}
