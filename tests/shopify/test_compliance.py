"""The three mandatory privacy topics: the data is really exported, or really gone."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import SQLModel, select

from app import models as m
from app.timeutil import utcnow
from tests.helpers import count, make_shop, rows

CUSTOMER_ID = 706405506930370084


@pytest.fixture
def store(send_webhook, payload, db):
    """A shop holding one customer's whole story, linked to a LINE friend."""
    shop = make_shop(db)
    for topic, name in [
        ("customers/create", "customers_create"),
        ("checkouts/create", "checkouts_create"),
        ("orders/create", "orders_create"),
        ("fulfillments/create", "fulfillments_create"),
        ("products/create", "products_create"),
        ("carts/create", "carts_create"),
    ]:
        assert send_webhook(topic, payload(name)).status_code == 200
    customer = db.exec(select(m.Customer)).one()
    friend = m.LineFriend(
        shop_id=shop.id,
        line_user_id="U" + "a" * 32,
        display_name="はなこ",
        customer_id=customer.id,
        linked_at=utcnow(),
        link_method="chat",
    )
    db.add(friend)
    db.flush()
    db.add(
        m.LineEvent(
            shop_id=shop.id,
            channel_id=_channel(db, shop).id,
            webhook_event_id="01CHAT",
            type="message",
            line_user_id=friend.line_user_id,
            body={"message": {"type": "text", "text": "玄米はありますか"}},
        )
    )
    db.add(
        m.Notification(
            shop_id=shop.id,
            friend_id=friend.id,
            customer_id=customer.id,
            flow="order_confirmation",
            dedupe_key="order:1",
            due_at=utcnow(),
            status="sent",
            messages=[{"type": "text", "text": "花子さん、ご注文ありがとうございます"}],
        )
    )
    db.commit()
    return shop


def _channel(db, shop):
    channel = m.LineChannel(shop_id=shop.id, bot_user_id="U" + "b" * 32)
    db.add(channel)
    db.flush()
    return channel


def test_data_request_exports_everything_held_about_the_customer(store, send_webhook, payload, db, client):
    response = send_webhook("customers/data_request", payload("customers_data_request"))

    assert response.status_code == 200
    [request] = rows(db, m.ComplianceRequest)
    assert request.topic == "customers/data_request" and request.request_id == 9999
    export = request.export
    assert export["customer"]["email"] == "hanako.yamada@example.jp"
    assert export["line_account"]["display_name"] == "はなこ"
    assert [o["name"] for o in export["orders"]] == ["#1001"]
    assert len(export["orders"][0]["line_items"]) == 2
    assert export["checkouts"][0]["token"] == "bd5a8aa1ecd019dd3520ff791ee3a24c"
    assert export["fulfillments"][0]["tracking_numbers"] == ["4012-3456-7890"]
    assert "ご注文ありがとうございます" in export["messages"][0]["messages"][0]["text"]
    assert export["line_chat"][0]["event"]["message"]["text"] == "玄米はありますか"


def test_customer_redact_removes_personal_data_and_the_line_link(store, send_webhook, payload, db):
    send_webhook("customers/data_request", payload("customers_data_request"))
    response = send_webhook("customers/redact", payload("customers_redact"))

    assert response.status_code == 200
    assert count(db, m.Customer) == 0
    assert count(db, m.Checkout) == 0
    [order] = rows(db, m.Order)
    assert (order.email, order.phone, order.customer_shopify_id) == (None, None, None)
    [friend] = rows(db, m.LineFriend)
    assert friend.customer_id is None and friend.linked_at is None
    [audit] = rows(db, m.LinkAudit)
    assert (audit.action, audit.method) == ("unlink", "redact")
    [note] = rows(db, m.Notification)
    assert note.messages == [] and note.customer_id is None
    assert rows(db, m.LineEvent) == []  # what they wrote in the chat is gone too
    exports = rows(db, m.ComplianceRequest, m.ComplianceRequest.topic == "customers/data_request")
    assert exports[0].export is None and exports[0].status == "redacted"
    # Nothing personal survives anywhere in the shop's tables.
    dump = repr(
        [
            row.model_dump()
            for table in (m.Order, m.Checkout, m.Notification, m.ComplianceRequest)
            for row in rows(db, table)
        ]
    )
    assert "hanako" not in dump and "花子" not in dump and "+819012345678" not in dump


def test_shop_redact_removes_every_row_of_that_shop_only(store, send_webhook, payload, db):
    shop_id = store.id
    other = make_shop(db, domain="other-shop.myshopify.com")
    other_id = other.id
    send_webhook("customers/create", payload("customers_create"), shop=other.domain)

    response = send_webhook("shop/redact", payload("shop_redact"))

    assert response.status_code == 200
    assert rows(db, m.Shop, m.Shop.domain == "test-shop.myshopify.com") == []
    for table in SQLModel.metadata.sorted_tables:
        if "shop_id" in table.c:
            left = db.exec(select(func.count()).select_from(table).where(table.c.shop_id == shop_id)).one()
            assert left == 0, table.name
    assert count(db, m.Customer, m.Customer.shop_id == other_id) == 1


@pytest.mark.parametrize("topic", ["customers/data_request", "customers/redact", "shop/redact"])
def test_compliance_topics_with_bad_hmac_get_401(store, send_webhook, payload, db, topic):
    name = topic.replace("/", "_")
    response = send_webhook(topic, payload(name), secret="wrong-secret-wrong-secret-wrong!!")

    assert response.status_code == 401
    assert count(db, m.Customer) == 1 and count(db, m.ComplianceRequest) == 0


def test_a_delivery_waiting_for_a_retry_is_not_run_after_the_erasure(
    store, send_webhook, payload, db, app, monkeypatch
):
    """Its body names the shopper: run later, it would bring their data back."""
    from app.shopify import handlers
    from tests.conftest import run_worker

    broken = lambda **_: (_ for _ in ()).throw(ConnectionError("blip"))  # noqa: E731
    monkeypatch.setitem(handlers.TOPIC_HANDLERS, "orders/paid", broken)
    send_webhook("orders/paid", {**payload("orders_create"), "updated_at": "2026-11-25T10:00:00+09:00"})
    monkeypatch.undo()

    send_webhook("customers/redact", payload("customers_redact"))

    [waiting] = rows(db, m.WebhookEvent, m.WebhookEvent.topic == "orders/paid")
    assert (waiting.status, waiting.error, waiting.next_attempt_at) == ("ignored", "customer redacted", None)
    assert "hanako" not in waiting.body and waiting.body_trimmed_at is not None
    waiting.status, waiting.next_attempt_at = "failed", utcnow()  # even if someone retries it
    db.add(waiting)
    db.commit()
    run_worker(app)
    assert "trimmed" in rows(db, m.WebhookEvent, m.WebhookEvent.topic == "orders/paid")[0].error
    [order] = rows(db, m.Order)
    assert order.email is None and count(db, m.Customer) == 0
