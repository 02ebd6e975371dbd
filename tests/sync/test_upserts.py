"""Each topic's upsert, with payloads shaped as Shopify sends them, and the stale rule."""

from __future__ import annotations

import copy
from decimal import Decimal

from app.models import (
    Cart,
    Checkout,
    Customer,
    Fulfillment,
    Order,
    OrderLineItem,
    Product,
    ProductVariant,
    WebhookEvent,
)
from tests.helpers import count, rows


def test_customer_is_stored_with_the_minimum(send_webhook, payload, db):
    send_webhook("customers/create", payload("customers_create"))

    [c] = rows(db, Customer)
    assert (c.shopify_id, c.email, c.phone, c.first_name, c.last_name) == (
        706405506930370084,
        "hanako.yamada@example.jp",
        "+819012345678",
        "花子",
        "山田",
    )
    assert c.tags == "VIP, LINE"


def test_order_with_line_items_and_embedded_customer(send_webhook, payload, db):
    send_webhook("orders/create", payload("orders_create"))

    [order] = rows(db, Order)
    assert order.name == "#1001"
    assert order.checkout_token == "bd5a8aa1ecd019dd3520ff791ee3a24c"
    assert order.cart_token == "c1-7f2a9d0c8a0d4e2f9b3c"
    assert order.total_price == Decimal("4158")
    assert order.customer_shopify_id == 706405506930370084
    assert order.discount_codes == [{"code": "LINE10", "amount": "378", "type": "percentage"}]
    items = sorted(rows(db, OrderLineItem), key=lambda i: i.price)
    assert [(i.title, i.quantity, i.variant_shopify_id) for i in items] == [
        ("有田焼 マグカップ", 1, 457924702),
        ("静岡 深蒸し煎茶", 2, 808950810),
    ]
    assert count(db, Customer) == 1


def test_order_paid_then_cancelled_updates_the_same_row(send_webhook, payload, db):
    order = payload("orders_create")
    send_webhook("orders/create", order)
    cancelled = {
        **order,
        "cancelled_at": "2026-11-25T12:00:00+09:00",
        "financial_status": "refunded",
        "updated_at": "2026-11-25T12:00:01+09:00",
        "line_items": order["line_items"][:1],
    }
    send_webhook("orders/cancelled", cancelled)

    [stored] = rows(db, Order)
    assert stored.financial_status == "refunded" and stored.cancelled_at is not None
    assert count(db, OrderLineItem) == 1


def test_late_older_order_update_does_not_overwrite_newer(send_webhook, payload, db):
    newer = payload("orders_create")
    newer.update(financial_status="refunded", updated_at="2026-11-25T12:00:00+09:00")
    older = payload("orders_create")
    older.update(financial_status="paid", updated_at="2026-11-25T09:30:05+09:00", line_items=older["line_items"][:1])
    send_webhook("orders/paid", newer)
    send_webhook("orders/paid", older)  # delivered late, out of order

    [stored] = rows(db, Order)
    assert stored.financial_status == "refunded"
    assert count(db, OrderLineItem) == 2
    assert all(e.status == "processed" for e in rows(db, WebhookEvent))


def test_checkout_keeps_recovery_url_and_completion(send_webhook, payload, db):
    checkout = payload("checkouts_create")
    send_webhook("checkouts/create", checkout)
    completed = {**checkout, "completed_at": "2026-11-25T09:30:00+09:00", "updated_at": "2026-11-25T09:30:00+09:00"}
    send_webhook("checkouts/update", completed)

    [c] = rows(db, Checkout)
    assert c.token == "bd5a8aa1ecd019dd3520ff791ee3a24c"
    assert c.cart_token == "c1-7f2a9d0c8a0d4e2f9b3c"
    assert c.customer_shopify_id == 706405506930370084
    assert c.abandoned_checkout_url.endswith("/recover?key=a1b2c3")
    assert c.completed_at is not None
    assert c.line_items[0]["title"] == "静岡 深蒸し煎茶" and c.line_items[0]["quantity"] == 2


def test_cart_without_customer_is_recorded(send_webhook, payload, db):
    send_webhook("carts/create", payload("carts_create"))
    updated = payload("carts_create")
    updated["line_items"][0]["quantity"] = 3
    updated["updated_at"] = "2026-11-25T09:06:00+09:00"
    send_webhook("carts/update", updated)

    [cart] = rows(db, Cart)
    assert cart.token == "c1-7f2a9d0c8a0d4e2f9b3c" and cart.customer_shopify_id is None
    assert cart.line_items[0]["quantity"] == 3 and cart.total_price == Decimal("3870")


def test_fulfillment_create_then_shipment_updates(send_webhook, payload, db):
    created = payload("fulfillments_create")
    send_webhook("fulfillments/create", created)
    out = {**created, "shipment_status": "out_for_delivery", "updated_at": "2026-11-27T08:00:00+09:00"}
    send_webhook("fulfillments/update", out)

    [f] = rows(db, Fulfillment)
    assert f.order_shopify_id == 820982911946154508
    assert f.tracking_company == "ヤマト運輸"
    assert f.tracking_numbers == ["4012-3456-7890"]
    assert f.tracking_urls[0].startswith("https://toi.kuronekoyamato.co.jp/")
    assert f.shipment_status == "out_for_delivery"


def test_fulfillment_update_before_create_is_not_undone_by_the_create(send_webhook, payload, db):
    created = payload("fulfillments_create")
    delivered = {**created, "shipment_status": "delivered", "updated_at": "2026-11-28T10:00:00+09:00"}
    send_webhook("fulfillments/update", delivered)
    send_webhook("fulfillments/create", created)

    [f] = rows(db, Fulfillment)
    assert f.shipment_status == "delivered"


def test_product_with_variants_and_availability(send_webhook, payload, db):
    send_webhook("products/create", payload("products_create"))

    [p] = rows(db, Product)
    assert (p.title, p.handle, p.product_type, p.vendor) == (
        "静岡 深蒸し煎茶",
        "shizuoka-fukamushi-sencha",
        "緑茶",
        "茶舗つなぐ",
    )
    assert p.description == "静岡県産の 深蒸し煎茶 。まろやかな甘みと濃い緑色が特長です。"
    assert p.online_store_url == "https://test-shop.myshopify.com/products/shizuoka-fukamushi-sencha"
    assert p.image_url.endswith("sencha.jpg")
    variants = {v.sku: v for v in rows(db, ProductVariant)}
    assert variants["TEA-100"].available and variants["TEA-100"].compare_at_price == Decimal("1490")
    assert not variants["TEA-200"].available


def test_product_update_removes_dropped_variants(send_webhook, payload, db):
    product = payload("products_create")
    send_webhook("products/create", product)
    updated = copy.deepcopy(product)
    updated["variants"] = updated["variants"][:1]
    updated["updated_at"] = "2026-11-21T08:00:00+09:00"
    send_webhook("products/update", updated)

    assert [v.sku for v in rows(db, ProductVariant)] == ["TEA-100"]


def test_product_delete_is_a_tombstone_a_late_update_cannot_undo(send_webhook, payload, db):
    product = payload("products_create")
    send_webhook("products/create", product)
    send_webhook("products/delete", {"id": product["id"]}, triggered_at="2026-11-22T00:00:00Z")
    late = {**product, "title": "復活してはいけない", "updated_at": "2026-11-21T08:00:00+09:00"}
    send_webhook("products/update", late)

    [p] = rows(db, Product)
    assert p.deleted_at is not None and p.status == "deleted"
    assert p.title == "静岡 深蒸し煎茶"
    assert count(db, ProductVariant) == 0


def test_customer_delete_removes_the_row(send_webhook, payload, db):
    send_webhook("customers/create", payload("customers_create"))
    send_webhook("customers/delete", {"id": 706405506930370084})

    assert count(db, Customer) == 0


def test_customer_keeps_only_the_prefecture_of_the_default_address(send_webhook, payload, db):
    customer = payload("customers_create")
    send_webhook("customers/create", customer)
    assert rows(db, Customer)[0].province_code == "JP-13"  # for audiences; no street, no city

    moved = {**customer, "updated_at": "2030-01-01T00:00:00+09:00"}
    moved["default_address"] = {**customer["default_address"], "province_code": "JP-27"}
    send_webhook("customers/update", moved)
    assert rows(db, Customer)[0].province_code == "JP-27"

    partial = {k: v for k, v in moved.items() if k != "default_address"} | {"updated_at": "2030-01-02T00:00:00+09:00"}
    send_webhook("customers/update", partial)  # an embedded, partial customer keeps what it had
    assert rows(db, Customer)[0].province_code == "JP-27"
