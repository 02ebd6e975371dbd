"""The JSON a customers/data_request produces: what Tsunagu holds about one customer."""

from __future__ import annotations

from sqlmodel import Session, SQLModel, select

from .. import models as m


def _row(obj: SQLModel | None, exclude: set[str] = frozenset()) -> dict | None:
    if obj is None:
        return None
    return obj.model_dump(mode="json", exclude={"shop_id", *exclude})


def customer_export(
    *, session: Session, customer: m.Customer | None, orders: list[m.Order], checkouts: list[m.Checkout]
) -> dict:
    friend = None
    notifications: list = []
    if customer is not None:
        friend = session.exec(select(m.LineFriend).where(m.LineFriend.customer_id == customer.id)).first()
        notifications = list(session.exec(select(m.Notification).where(m.Notification.customer_id == customer.id)))
    order_ids = [o.id for o in orders]
    items = (
        list(session.exec(select(m.OrderLineItem).where(m.OrderLineItem.order_id.in_(order_ids)))) if order_ids else []
    )
    fulfillments = (
        list(
            session.exec(
                select(m.Fulfillment).where(
                    m.Fulfillment.shop_id == orders[0].shop_id,
                    m.Fulfillment.order_shopify_id.in_([o.shopify_id for o in orders]),
                )
            )
        )
        if orders
        else []
    )
    chat = (
        list(
            session.exec(
                select(m.LineEvent)
                .where(m.LineEvent.shop_id == friend.shop_id, m.LineEvent.line_user_id == friend.line_user_id)
                .order_by(m.LineEvent.id)
            )
        )
        if friend is not None
        else []
    )
    return {
        "customer": _row(customer),
        "line_account": _row(friend, {"channel_id"}),
        "line_chat": [
            {"type": e.type, "at": e.occurred_at.isoformat() if e.occurred_at else None, "event": e.body} for e in chat
        ],
        "orders": [
            {**_row(o), "line_items": [_row(i, {"order_id"}) for i in items if i.order_id == o.id]} for o in orders
        ],
        "checkouts": [_row(c) for c in checkouts],
        "fulfillments": [_row(f) for f in fulfillments],
        "messages": [_row(n, {"context"}) for n in notifications],
    }
