"""Orders (orders/create, paid, cancelled) with their line items."""

from __future__ import annotations

from sqlmodel import Session, delete, select

from ..models import Order, OrderLineItem, Shop
from ..timeutil import parse_ts
from .common import as_count, as_dict, as_int, as_list, is_stale, money, required_id, text, upsert
from .customers import upsert_customer


def upsert_order(*, session: Session, shop: Shop, payload: dict) -> Order:
    shopify_id = required_id(payload)
    incoming = parse_ts(payload.get("updated_at"))
    customer = as_dict(payload.get("customer")) or None
    if customer and customer.get("id"):
        upsert_customer(session=session, shop=shop, payload=customer)
    applied = []

    def apply(row: Order) -> None:
        if is_stale(row.shopify_updated_at, incoming):
            return
        row.customer_shopify_id = as_int(customer.get("id")) if customer else None
        row.name = text(payload.get("name"), 64) or row.name
        row.email = text(payload.get("email") or payload.get("contact_email"), 320)
        row.phone = text(payload.get("phone"), 32)
        row.checkout_token = text(payload.get("checkout_token"), 64)
        row.cart_token = text(payload.get("cart_token"), 128)
        row.financial_status = text(payload.get("financial_status"), 32)
        row.fulfillment_status = text(payload.get("fulfillment_status"), 32)
        row.currency = text(payload.get("currency"), 3) or shop.currency
        row.subtotal_price = money(payload.get("subtotal_price"))
        row.total_price = money(payload.get("total_price"))
        row.discount_codes = [
            {"code": text(d.get("code"), 255), "amount": text(d.get("amount"), 32), "type": text(d.get("type"), 32)}
            for d in as_list(payload.get("discount_codes"))
            if isinstance(d, dict)
        ]
        row.order_status_url = text(payload.get("order_status_url"))
        row.source_name = text(payload.get("source_name"), 64)
        row.landing_site = text(payload.get("landing_site"), 2000)
        row.cancelled_at = parse_ts(payload.get("cancelled_at"))
        row.processed_at = parse_ts(payload.get("processed_at") or payload.get("created_at"))
        row.shopify_updated_at = incoming or row.shopify_updated_at
        applied.append(True)

    order = upsert(session=session, model=Order, keys={"shop_id": shop.id, "shopify_id": shopify_id}, apply=apply)
    if applied:
        session.flush()
        _replace_line_items(session=session, shop=shop, order=order, items=as_list(payload.get("line_items")))
    return order


def _replace_line_items(*, session: Session, shop: Shop, order: Order, items: list) -> None:
    session.execute(delete(OrderLineItem).where(OrderLineItem.order_id == order.id))
    seen = set()
    for item in items:
        item_id = as_int(item.get("id")) if isinstance(item, dict) else None
        if item_id is None or item_id in seen:
            continue
        seen.add(item_id)
        session.add(
            OrderLineItem(
                shop_id=shop.id,
                order_id=order.id,
                shopify_id=item_id,
                product_shopify_id=as_int(item.get("product_id")),
                variant_shopify_id=as_int(item.get("variant_id")),
                title=text(item.get("title")) or "",
                variant_title=text(item.get("variant_title")),
                sku=text(item.get("sku"), 255),
                quantity=as_count(item.get("quantity")) or 0,
                price=money(item.get("price")),
            )
        )


def order_line_items(*, session: Session, order: Order) -> list[OrderLineItem]:
    return list(session.exec(select(OrderLineItem).where(OrderLineItem.order_id == order.id)))
