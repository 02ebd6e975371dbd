"""The mandatory privacy topics: customers/data_request, customers/redact, shop/redact."""

from __future__ import annotations

import logging

from sqlalchemy import or_
from sqlmodel import Session, SQLModel, delete, select, update

from .. import models as m
from ..sync.common import as_int
from ..sync.customers import unlink_customer
from ..timeutil import utcnow
from .export import customer_export

log = logging.getLogger("tsunagu.compliance")

# Children before parents, so the deletes work with or without ON DELETE CASCADE.
SHOP_TABLES: list[type[SQLModel]] = [
    m.Notification,
    m.LinkAudit,
    m.LineEvent,
    m.LineDryRun,
    m.LinkNonce,
    m.LineFriend,
    m.LineChannel,
    m.OrderLineItem,
    m.Order,
    m.Fulfillment,
    m.Checkout,
    m.Cart,
    m.SearchLog,
    m.KeywordRule,
    m.SynonymGroup,
    m.CatalogSync,
    m.ProductSearch,
    m.ProductVariant,
    m.Product,
    m.Customer,
    m.ComplianceRequest,
    m.WebhookEvent,
]


def _customer_ref(payload: dict) -> tuple[int | None, str | None, str | None]:
    customer = payload.get("customer") if isinstance(payload.get("customer"), dict) else {}
    return as_int(customer.get("id")), customer.get("email") or None, customer.get("phone") or None


def _orders_of(session: Session, shop: m.Shop, customer_id: int | None, order_ids: list) -> list[m.Order]:
    ids = [i for i in (as_int(o) for o in order_ids or []) if i is not None]
    conditions = [m.Order.shopify_id.in_(ids)] if ids else []
    if customer_id is not None:
        conditions.append(m.Order.customer_shopify_id == customer_id)
    if not conditions:
        return []
    return list(session.exec(select(m.Order).where(m.Order.shop_id == shop.id, or_(*conditions))))


def _checkouts_of(session: Session, shop: m.Shop, customer_id, email, phone) -> list[m.Checkout]:
    conditions = []
    if customer_id is not None:
        conditions.append(m.Checkout.customer_shopify_id == customer_id)
    if email:
        conditions.append(m.Checkout.email == email)
    if phone:
        conditions.append(m.Checkout.phone == phone)
    if not conditions:
        return []
    return list(session.exec(select(m.Checkout).where(m.Checkout.shop_id == shop.id, or_(*conditions))))


def _find_customer(session: Session, shop: m.Shop, customer_id: int | None) -> m.Customer | None:
    if customer_id is None:
        return None
    return session.exec(
        select(m.Customer).where(m.Customer.shop_id == shop.id, m.Customer.shopify_id == customer_id)
    ).first()


def export_customer_data(*, session: Session, shop: m.Shop, payload: dict) -> m.ComplianceRequest:
    """Everything we hold about the customer, stored for the merchant to hand over."""
    customer_id, email, phone = _customer_ref(payload)
    customer = _find_customer(session, shop, customer_id)
    orders = _orders_of(session, shop, customer_id, payload.get("orders_requested"))
    checkouts = _checkouts_of(session, shop, customer_id, email, phone)
    request = m.ComplianceRequest(
        shop_id=shop.id,
        topic="customers/data_request",
        customer_shopify_id=customer_id,
        request_id=as_int((payload.get("data_request") or {}).get("id")),
        export=customer_export(session=session, customer=customer, orders=orders, checkouts=checkouts),
        completed_at=utcnow(),
    )
    session.add(request)
    return request


def redact_customer(*, session: Session, shop: m.Shop, payload: dict) -> None:
    """Remove the customer's personal data and their LINE link; keep anonymous totals."""
    customer_id, email, phone = _customer_ref(payload)
    customer = _find_customer(session, shop, customer_id)
    for order in _orders_of(session, shop, customer_id, payload.get("orders_to_redact")):
        order.email = order.phone = None
        order.customer_shopify_id = None
    for checkout in _checkouts_of(session, shop, customer_id, email, phone):
        session.delete(checkout)
    if customer is not None:
        _forget_chat(session, shop, customer)
        unlink_customer(session=session, shop=shop, customer=customer, method="redact")
        _scrub_notifications(session, shop, customer)
        session.delete(customer)
    if customer_id is not None:
        session.execute(
            update(m.ComplianceRequest)
            .where(
                m.ComplianceRequest.shop_id == shop.id,
                m.ComplianceRequest.customer_shopify_id == customer_id,
                m.ComplianceRequest.topic == "customers/data_request",
            )
            .values(export=None, status="redacted")
        )
    session.add(
        m.ComplianceRequest(
            shop_id=shop.id, topic="customers/redact", customer_shopify_id=customer_id, completed_at=utcnow()
        )
    )


def _forget_chat(session: Session, shop: m.Shop, customer: m.Customer) -> None:
    """What the shopper wrote to the shop in LINE is theirs: it goes with them."""
    friend = session.exec(
        select(m.LineFriend).where(m.LineFriend.shop_id == shop.id, m.LineFriend.customer_id == customer.id)
    ).first()
    if friend is not None:
        session.execute(
            delete(m.LineEvent).where(m.LineEvent.shop_id == shop.id, m.LineEvent.line_user_id == friend.line_user_id)
        )


def _scrub_notifications(session: Session, shop: m.Shop, customer: m.Customer) -> None:
    now = utcnow()
    session.execute(
        update(m.Notification)
        .where(m.Notification.customer_id == customer.id, m.Notification.status.in_(m.NotificationStatus.PENDING))
        .values(status=m.NotificationStatus.CANCELLED, reason="customer_redacted", updated_at=now)
    )
    session.execute(
        update(m.Notification)
        .where(m.Notification.customer_id == customer.id)
        .values(messages=[], context={}, customer_id=None, updated_at=now)
    )


def redact_shop(*, session: Session, shop: m.Shop) -> None:
    """Every row of the shop goes, the shop itself last."""
    shop_id = shop.id
    session.flush()
    # The rows go through Core deletes; the session must forget its copies of them (other
    # shops' objects in the same unit of work stay as they are).
    for obj in list(session.identity_map.values()):
        if getattr(obj, "shop_id", None) == shop_id or (isinstance(obj, m.Shop) and obj.id == shop_id):
            session.expunge(obj)
    for table in SHOP_TABLES:
        session.execute(delete(table).where(table.shop_id == shop_id))
    session.execute(delete(m.Shop).where(m.Shop.id == shop_id))
    log.info("shop redacted shop_id=%s", shop_id)
