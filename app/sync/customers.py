"""Customers from customers/* webhooks and from the customer embedded in orders."""

from __future__ import annotations

from sqlmodel import Session, delete, select

from ..line.customer_links import linked_friend, unlink
from ..models import Customer, Shop
from ..timeutil import parse_ts
from .common import as_count, is_stale, money, required_id, text, upsert


def upsert_customer(*, session: Session, shop: Shop, payload: dict) -> Customer:
    shopify_id = required_id(payload)
    incoming = parse_ts(payload.get("updated_at"))

    def apply(row: Customer) -> None:
        if is_stale(row.shopify_updated_at, incoming):
            return
        # Embedded order customers are partial: keep what a fuller payload told us.
        for field, limit in (
            ("email", 320),
            ("phone", 32),
            ("first_name", 255),
            ("last_name", 255),
            ("locale", 16),
            ("state", 16),
        ):
            if field in payload:
                setattr(row, field, text(payload.get(field), limit))
        if "tags" in payload:
            row.tags = text(payload.get("tags")) or ""
        if "orders_count" in payload:
            row.orders_count = as_count(payload.get("orders_count")) or 0
        if "total_spent" in payload:
            row.total_spent = money(payload.get("total_spent"))
        if "default_address" in payload:
            address = payload.get("default_address")
            row.province_code = (text(address.get("province_code"), 16) or None) if isinstance(address, dict) else None
        row.shopify_created_at = row.shopify_created_at or parse_ts(payload.get("created_at"))
        row.shopify_updated_at = incoming or row.shopify_updated_at

    return upsert(session=session, model=Customer, keys={"shop_id": shop.id, "shopify_id": shopify_id}, apply=apply)


def delete_customer(*, session: Session, shop: Shop, payload: dict) -> None:
    """customers/delete: the row goes; a LINE friend linked to it becomes unlinked."""
    shopify_id = required_id(payload)
    customer = session.exec(
        select(Customer).where(Customer.shop_id == shop.id, Customer.shopify_id == shopify_id)
    ).first()
    if customer is None:
        return
    unlink_customer(session=session, shop=shop, customer=customer, method="shopify")
    session.execute(delete(Customer).where(Customer.id == customer.id))


def unlink_customer(*, session: Session, shop: Shop, customer: Customer, method: str) -> None:
    """Remove a customer's LINE link (customer deleted or redacted), audited."""
    friend = linked_friend(session=session, shop=shop, customer=customer)
    if friend is not None:
        unlink(session=session, shop=shop, friend=friend, method=method, actor="shopify")
