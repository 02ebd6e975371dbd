"""Upserts fed what bench/fuzz.py sends: wrong types, numbers past the columns, NUL and lone
surrogates. Each delivery is processed (the odd field read as absent) or failed with a
PayloadError that names the problem and is not retried; none fails with a traceback."""

from __future__ import annotations

import json

import pytest

from app.models import Cart, Checkout, Customer, Fulfillment, Order, OrderLineItem, Product, WebhookEvent
from app.timeutil import parse_ts
from tests.helpers import rows


def _only_event(db) -> WebhookEvent:
    [event] = rows(db, WebhookEvent)
    return event


@pytest.mark.parametrize(
    ("topic", "fixture", "field", "value"),
    [
        ("checkouts/create", "checkouts_create", "line_items", 3.5),
        ("carts/create", "carts_create", "line_items", {"0": {"price": "1"}}),
        ("orders/create", "orders_create", "discount_codes", "SAVE10"),
        ("orders/create", "orders_create", "line_items", True),
        ("fulfillments/create", "fulfillments_create", "tracking_numbers", 12.0),
        ("fulfillments/create", "fulfillments_create", "line_items", "x"),
        ("products/create", "products_create", "images", {"0": {"src": "x"}}),
        ("products/create", "products_create", "variants", 7),
        ("products/create", "products_create", "body_html", 42),
    ],
)
def test_a_list_or_text_of_the_wrong_type_is_read_as_absent(send_webhook, payload, db, topic, fixture, field, value):
    body = payload(fixture)
    body[field] = value

    assert send_webhook(topic, body).status_code == 200

    event = _only_event(db)
    assert (event.status, event.error) == ("processed", None)


def test_ids_and_counts_past_their_columns(send_webhook, payload, db):
    order = payload("orders_create")
    order["line_items"][0]["quantity"] = 2**40  # INTEGER column: read as absent
    order["line_items"][0]["product_id"] = 2**64  # BIGINT column: read as absent

    send_webhook("orders/create", order)
    send_webhook("orders/create", {**order, "id": 2**64})

    first, second = sorted(rows(db, WebhookEvent), key=lambda e: e.id)
    assert (first.status, first.error) == ("processed", None)
    item = rows(db, OrderLineItem, OrderLineItem.shopify_id == order["line_items"][0]["id"])[0]
    assert (item.quantity, item.product_shopify_id) == (0, None)
    assert (second.status, second.error, second.next_attempt_at) == (
        "failed",
        "PayloadError: payload has no numeric 'id'",
        None,
    )
    assert len(rows(db, Order)) == 1


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "1e400", 10**15])
def test_an_amount_no_money_column_holds_is_refused_by_name(send_webhook, payload, db, amount):
    body = json.loads(json.dumps(payload("checkouts_create")))
    body["total_price"] = amount

    send_webhook("checkouts/create", body)

    event = _only_event(db)
    assert event.status == "failed" and event.next_attempt_at is None
    assert event.error.startswith("PayloadError: amount out of range")
    assert rows(db, Checkout) == []


def test_cart_total_past_the_column_is_refused_by_name(send_webhook, payload, db):
    cart = payload("carts_create")
    cart["line_items"][0].update(price="99999999999", quantity=2**30)

    send_webhook("carts/create", cart)

    assert _only_event(db).error.startswith("PayloadError: amount out of range")
    assert rows(db, Cart) == []


def test_nul_and_lone_surrogates_are_stored_without_them(send_webhook, payload, db):
    customer = payload("customers_create")
    raw = json.dumps(customer, ensure_ascii=False)
    raw = raw.replace('"花子"', '"花\\u0000子"').replace('"山田"', '"\\ud800山田"')

    send_webhook("customers/create", body=raw.encode())

    assert _only_event(db).status == "processed"
    [stored] = rows(db, Customer)
    assert (stored.first_name, stored.last_name) == ("花子", "?山田")


def test_fulfillment_with_odd_tracking_values_keeps_the_usable_ones(send_webhook, payload, db):
    body = payload("fulfillments_create")
    body["tracking_numbers"] = ["JP1", {"n": 1}, ["x"], None, 7]

    send_webhook("fulfillments/create", body)

    [stored] = rows(db, Fulfillment)
    assert stored.tracking_numbers == ["JP1", "7"]


def test_a_product_with_a_numeric_description_is_indexed(send_webhook, payload, db):
    body = payload("products_create")
    body["body_html"] = 12345

    send_webhook("products/create", body)

    [stored] = rows(db, Product)
    assert stored.description == "12345"


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "2026-13-45T99:99:99Z"])
def test_a_timestamp_past_what_datetime_holds_is_no_timestamp(value):
    assert parse_ts(value) is None
