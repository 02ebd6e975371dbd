"""Checkouts (checkouts/create|update) and carts (carts/create|update)."""

from __future__ import annotations

from sqlmodel import Session

from ..models import Cart, Checkout, Shop
from ..timeutil import parse_ts
from .common import PayloadError, as_count, as_dict, as_int, as_list, bounded, is_stale, money, text, upsert
from .customers import upsert_customer


def _items(payload: dict) -> list[dict]:
    """The few line item fields messages need, not the whole payload."""
    items = []
    for item in as_list(payload.get("line_items")):
        if not isinstance(item, dict):
            continue
        items.append(
            {
                "product_id": as_int(item.get("product_id")),
                "variant_id": as_int(item.get("variant_id")),
                "title": text(item.get("title"), 255),
                "variant_title": text(item.get("variant_title"), 255),
                "quantity": as_count(item.get("quantity")) or 0,
                "price": str(money(item.get("price") or item.get("line_price"))),
                "sku": text(item.get("sku"), 255),
            }
        )
    return items


def upsert_checkout(*, session: Session, shop: Shop, payload: dict) -> Checkout:
    token = text(payload.get("token"), 64)
    if not token:
        raise PayloadError("checkout payload has no token")
    incoming = parse_ts(payload.get("updated_at"))
    customer = as_dict(payload.get("customer")) or None
    if customer and customer.get("id"):
        upsert_customer(session=session, shop=shop, payload=customer)

    def apply(row: Checkout) -> None:
        if is_stale(row.shopify_updated_at, incoming):
            return
        row.shopify_id = as_int(payload.get("id")) or row.shopify_id
        row.cart_token = text(payload.get("cart_token"), 128)
        row.customer_shopify_id = as_int(customer.get("id")) if customer else None
        row.email = text(payload.get("email") or (customer or {}).get("email"), 320)
        row.phone = text(payload.get("phone") or (customer or {}).get("phone"), 32)
        row.abandoned_checkout_url = text(payload.get("abandoned_checkout_url"))
        row.currency = text(payload.get("currency") or payload.get("presentment_currency"), 3) or shop.currency
        row.subtotal_price = money(payload.get("subtotal_price"))
        row.total_price = money(payload.get("total_price"))
        row.line_items = _items(payload)
        # Completion is final: a stale-but-not-older update cannot un-complete it.
        row.completed_at = parse_ts(payload.get("completed_at")) or row.completed_at
        row.shopify_created_at = row.shopify_created_at or parse_ts(payload.get("created_at"))
        row.shopify_updated_at = incoming or row.shopify_updated_at

    return upsert(session=session, model=Checkout, keys={"shop_id": shop.id, "token": token}, apply=apply)


def upsert_cart(*, session: Session, shop: Shop, payload: dict) -> Cart:
    token = text(payload.get("token") or payload.get("id"), 128)
    if not token:
        raise PayloadError("cart payload has no token")
    incoming = parse_ts(payload.get("updated_at"))

    def apply(row: Cart) -> None:
        if is_stale(row.shopify_updated_at, incoming):
            return
        row.line_items = _items(payload)
        row.total_price = bounded(sum((money(i["price"]) * i["quantity"] for i in row.line_items), money(0)))
        row.note = text(payload.get("note"))
        row.shopify_created_at = row.shopify_created_at or parse_ts(payload.get("created_at"))
        row.shopify_updated_at = incoming or row.shopify_updated_at

    return upsert(session=session, model=Cart, keys={"shop_id": shop.id, "token": token}, apply=apply)
