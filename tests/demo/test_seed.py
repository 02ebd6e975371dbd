"""The demo store is seeded through the real upserts, and seeding twice changes nothing."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from app.demo.audiences import SEGMENTS
from app.models import Customer, Fulfillment, Order, OrderLineItem, Product, ProductVariant, Segment, Shop
from tests.helpers import count, rows


def test_demo_seed_builds_the_store_and_is_idempotent(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    second = runner.invoke(args=["demo"])

    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    [shop] = rows(db, Shop)
    assert shop.is_demo and shop.is_installed and shop.currency == "JPY" and shop.timezone == "Asia/Tokyo"
    assert count(db, Product) >= 200
    assert count(db, ProductVariant) > count(db, Product)
    assert count(db, Customer) == 50
    assert count(db, Order) >= 100 and count(db, OrderLineItem) >= count(db, Order)
    assert count(db, Fulfillment) >= 50
    assert count(db, Product, Product.image_url.like("/static/demo/products/%.svg")) == count(db, Product)
    # Customers have order history, and some bought the same product again (repurchase data).
    repeats = db.exec(
        select(Order.customer_shopify_id, OrderLineItem.product_shopify_id)
        .join(OrderLineItem, OrderLineItem.order_id == Order.id)
        .group_by(Order.customer_shopify_id, OrderLineItem.product_shopify_id)
        .having(func.count(func.distinct(Order.id)) > 1)
    ).all()
    assert len(repeats) >= 5


def test_demo_reset_starts_over(app, db):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["demo", "--reset"])

    assert result.exit_code == 0, result.output
    assert count(db, Shop) == 1 and count(db, Customer) == 50


def test_demo_has_saved_segments_with_their_sizes(app, db):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo"])
    runner.invoke(args=["demo"])

    segments = {s.name: s for s in rows(db, Segment)}
    assert set(segments) == {name for name, _conditions in SEGMENTS}  # twice seeded, once there
    assert all(s.counted_at is not None for s in segments.values())
    vip, unlinked = segments["VIP（累計 3 万円以上）"], segments["未連携の友だち"]
    assert vip.size_linked > 0 and vip.size_unlinked == 0
    assert unlinked.size_linked == 0 and unlinked.size_unlinked > 0
    # Prefectures come from the default address of each customer.
    assert count(db, Customer, Customer.province_code.like("JP-%")) == 50
