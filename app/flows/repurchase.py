"""Repurchase reminders: a product's consumption cycle × quantity after the order, with a
one-tap cart permalink; cancelled when the customer buys the product again first.

The admin suggests a cycle per product from the store's own orders: the median number of
days between a customer's consecutive purchases of it, when enough customers re-bought.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import timedelta

from sqlmodel import Session, select

from ..formatting import money
from ..models import Customer, Order, OrderLineItem, Product, ProductVariant, Shop
from ..timeutil import as_utc, utcnow
from . import content, outbox
from .config import flow_settings
from .recipients import Recipient
from .registry import Flow, spec
from .templates import render

MIN_REPEATS = 5  # repeat purchases needed before a cycle is suggested
KEYS = spec(Flow.REPURCHASE).keys


def cycle_days(settings: dict, product: Product) -> int | None:
    """The product's cycle: its own, else its type's, else its first tag's with one."""
    cycles = settings.get("cycles") or {}
    for days in (
        (cycles.get("products") or {}).get(str(product.shopify_id)),
        (cycles.get("types") or {}).get(product.product_type) if product.product_type else None,
        *((cycles.get("tags") or {}).get(t.strip()) for t in (product.tags or "").split(",") if t.strip()),
    ):
        if days:
            return int(days)
    return None


def plan(*, session: Session, shop: Shop, order: Order, items: list[OrderLineItem], recipient: Recipient) -> int:
    """Cancel waiting reminders for what was bought again; schedule the next ones."""
    settings = flow_settings(shop, Flow.REPURCHASE)
    ordered_at = as_utc(order.processed_at) or utcnow()
    product_ids = {i.product_shopify_id for i in items if i.product_shopify_id}
    product_ids -= _bought_later(
        session=session, shop=shop, order=order, product_ids=product_ids, ordered_at=ordered_at
    )
    for product_id in product_ids:  # bought again: the earlier reminder is moot
        outbox.cancel(
            session=session,
            shop=shop,
            reason="bought_again",
            key_prefix=KEYS.prefix(customer=recipient.customer.id, product=product_id),
            exclude_key=_key(recipient, product_id, order),
        )
    if not settings["enabled"] or not product_ids:
        return 0
    products = {
        p.shopify_id: p
        for p in session.exec(
            select(Product).where(
                Product.shop_id == shop.id, Product.shopify_id.in_(product_ids), Product.deleted_at.is_(None)
            )
        )
    }
    scheduled = 0
    for item in items:
        product = products.get(item.product_shopify_id)
        days = cycle_days(settings, product) if product else None
        if not days or not item.variant_shopify_id:
            continue
        quantity = max(1, item.quantity)
        scheduled += (
            outbox.schedule(
                session=session,
                shop=shop,
                flow=Flow.REPURCHASE,
                step=0,
                dedupe_key=_key(recipient, product.shopify_id, order),
                due_at=ordered_at + timedelta(days=days * quantity),
                recipient=recipient,
                messages=_message(
                    session=session, shop=shop, recipient=recipient, product=product, item=item, days=days * quantity
                ),
                context={"order_id": order.shopify_id, "product_id": product.shopify_id},
            )
            == "scheduled"
        )
    return scheduled


def _bought_later(*, session: Session, shop: Shop, order: Order, product_ids: set[int], ordered_at) -> set[int]:
    """Products the customer bought again in a later order. A late event of this order
    (orders/paid days after a konbini payment, a delayed retry) must not cancel the later
    order's reminder, nor plan one of its own."""
    if not product_ids or not order.customer_shopify_id:
        return set()
    return set(
        session.exec(
            select(OrderLineItem.product_shopify_id)
            .join(Order, Order.id == OrderLineItem.order_id)
            .where(
                Order.shop_id == shop.id,
                Order.customer_shopify_id == order.customer_shopify_id,
                Order.id != order.id,
                Order.cancelled_at.is_(None),
                Order.processed_at > ordered_at,
                OrderLineItem.product_shopify_id.in_(product_ids),
            )
        )
    )


def withdraw(*, session: Session, shop: Shop, order: Order, items: list[OrderLineItem]) -> int:
    """A cancelled order's reminders go with it."""
    local = session.exec(
        select(Customer.id).where(Customer.shop_id == shop.id, Customer.shopify_id == order.customer_shopify_id)
    ).first()
    if local is None:
        return 0
    return sum(
        outbox.cancel(
            session=session,
            shop=shop,
            reason="order_cancelled",
            key_prefix=KEYS.prefix(customer=local, product=i.product_shopify_id, order=order.shopify_id),
        )
        for i in items
        if i.product_shopify_id
    )


def _key(recipient: Recipient, product_id: int, order: Order) -> str:
    return KEYS.key(customer=recipient.customer.id, product=product_id, order=order.shopify_id)


def _message(
    *, session: Session, shop: Shop, recipient: Recipient, product: Product, item: OrderLineItem, days: int
) -> list[dict]:
    variant = session.exec(
        select(ProductVariant).where(
            ProductVariant.shop_id == shop.id, ProductVariant.shopify_id == item.variant_shopify_id
        )
    ).first()
    return reminder_messages(
        shop,
        lang=recipient.lang,
        name=recipient.name,
        product=product,
        variant=variant,
        variant_id=item.variant_shopify_id,
        quantity=item.quantity,
        days=days,
        price=variant.price if variant else item.price,
    )


def reminder_messages(
    shop: Shop,
    *,
    lang: str,
    name: str,
    product: Product,
    variant: ProductVariant | None,
    variant_id: int,
    quantity: int,
    days: int,
    price,
) -> list[dict]:
    """The reminder with its one-tap cart link (also what the admin's preview shows)."""
    url = content.link(f"https://{shop.domain}/cart/{variant_id}:{max(1, quantity)}", Flow.REPURCHASE)
    intro = render(
        shop,
        Flow.REPURCHASE,
        lang,
        {"customer_name": name, "product_title": product.title, "days": days, "cart_url": url},
    )
    return content.product_card(
        intro=intro,
        title=product.title,
        price=money(price, shop.currency),
        button=(content.label("buy_again", lang), url),
        image_url=(variant.image_url if variant else None) or product.image_url,
    )


def suggest_cycles(*, session: Session, shop: Shop, min_repeats: int = MIN_REPEATS) -> dict[int, dict]:
    """{product id: {"days": median, "repeats": n}} for products re-bought often enough."""
    rows = session.exec(
        select(OrderLineItem.product_shopify_id, Order.customer_shopify_id, Order.processed_at)
        .join(Order, Order.id == OrderLineItem.order_id)
        .where(
            OrderLineItem.shop_id == shop.id,
            Order.customer_shopify_id.is_not(None),
            OrderLineItem.product_shopify_id.is_not(None),
            Order.cancelled_at.is_(None),
            Order.processed_at.is_not(None),
        )
        .order_by(OrderLineItem.product_shopify_id, Order.customer_shopify_id, Order.processed_at)
    )
    gaps: dict[int, list[float]] = defaultdict(list)
    last: dict[tuple[int, int], object] = {}
    for product_id, customer_id, at in rows:
        previous = last.get((product_id, customer_id))
        if previous is not None:
            days = (as_utc(at) - as_utc(previous)).total_seconds() / 86400
            if days >= 1:  # two orders the same day are one shopping trip
                gaps[product_id].append(days)
        last[(product_id, customer_id)] = at
    return {
        product_id: {"days": round(statistics.median(values)), "repeats": len(values)}
        for product_id, values in gaps.items()
        if len(values) >= min_repeats
    }
