"""One customer as the detail page and GET /api/customers/<id> show them: the list's row,
contact details, the last 20 messages (the rows the Messages page shows) and the orders
credited to LINE."""

from __future__ import annotations

from sqlmodel import Session, select

from ...formatting import local_time, money
from ...i18n import t
from ...models import Attribution, Customer, Notification, Order, Shop
from ..labels import flow_name
from .customers import customer_rows
from .messages import message_rows


def customer_detail(*, session: Session, shop: Shop, customer_id: int, lang: str) -> dict | None:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.shop_id != shop.id:
        return None
    [row] = customer_rows(session=session, shop=shop, customers=[customer])
    recent = list(
        session.exec(
            select(Notification)
            .where(Notification.shop_id == shop.id, Notification.customer_id == customer.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(20)
        )
    )
    return {
        **row,
        "email": customer.email or "",
        "phone": customer.phone or "",
        "messages": message_rows(session=session, shop=shop, rows=recent, lang=lang),
        "orders": _attributed_orders(session=session, shop=shop, customer=customer, lang=lang),
    }


def _attributed_orders(*, session: Session, shop: Shop, customer: Customer, lang: str) -> list[dict]:
    pairs = session.exec(
        select(Order, Attribution)
        .join(Attribution, Attribution.order_id == Order.id)
        .where(Order.shop_id == shop.id, Order.customer_shopify_id == customer.shopify_id)
        .order_by(Order.processed_at.desc(), Order.id.desc())
        .limit(20)
    )
    return [
        {
            "order_id": o.id,
            "name": o.name,
            "total": money(o.total_price, o.currency),
            "ordered_label": local_time(o.processed_at, shop.timezone) if o.processed_at else "",
            "flow": a.flow,
            "flow_label": flow_name(a.flow, lang) if a.flow else "",
            "kind": a.kind,
            "kind_label": t(f"admin.people.attr.{a.kind}", lang),
        }
        for o, a in pairs
    ]
