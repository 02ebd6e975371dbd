"""Order confirmation (transactional) and the repurchase reminders an order starts."""

from __future__ import annotations

from sqlmodel import Session, select

from ..formatting import money
from ..line import menu_due, messages
from ..models import Fulfillment, Order, OrderLineItem, Shop
from ..timeutil import as_utc, utcnow
from ..tracking import attribution
from . import abandoned, content, outbox, recipients, repurchase, shipping
from .config import flow_settings
from .registry import Flow, spec
from .templates import render


def on_order(*, session: Session, shop: Shop, order: Order, topic: str) -> dict:
    """Every order topic ends reminders of its checkout; orders/create also confirms the
    order and plans repurchase reminders; orders/cancelled withdraws them."""
    outcome = {
        "reminders_cancelled": abandoned.on_order(session=session, shop=shop, order=order),
        "attribution": attribution.attribute_order(session=session, shop=shop, order=order),
    }
    # A purchase can move the buyer into a segment a rich menu rule names: their menu is decided again.
    menu_due.mark_customer(session=session, shop_id=shop.id, customer_shopify_id=order.customer_shopify_id)
    items = list(session.exec(select(OrderLineItem).where(OrderLineItem.order_id == order.id)))
    if topic == "orders/cancelled" or order.cancelled_at is not None:
        outcome["repurchase_cancelled"] = repurchase.withdraw(session=session, shop=shop, order=order, items=items)
        return outcome
    recipient = recipients.linked(session=session, shop=shop, customer_shopify_id=order.customer_shopify_id)
    if recipient is None:
        return outcome
    outcome[Flow.REPURCHASE] = repurchase.plan(
        session=session, shop=shop, order=order, items=items, recipient=recipient
    )
    if topic == "orders/create" and flow_settings(shop, Flow.ORDER_CONFIRMATION)["enabled"]:
        outcome["confirmation"] = _confirm(session=session, shop=shop, order=order, items=items, recipient=recipient)
    # A fulfillment delivered before its order found no order to name: announce it now (once, by its key).
    for fulfillment in session.exec(
        select(Fulfillment).where(Fulfillment.shop_id == shop.id, Fulfillment.order_shopify_id == order.shopify_id)
    ):
        outcome.setdefault("shipping", []).extend(
            shipping.on_fulfillment(session=session, shop=shop, fulfillment=fulfillment)
        )
    return outcome


def _confirm(
    *, session: Session, shop: Shop, order: Order, items: list[OrderLineItem], recipient: recipients.Recipient
) -> str:
    return outbox.schedule(
        session=session,
        shop=shop,
        flow=Flow.ORDER_CONFIRMATION,
        step=0,
        dedupe_key=spec(Flow.ORDER_CONFIRMATION).keys.key(order=order.shopify_id),
        due_at=as_utc(order.processed_at) or utcnow(),
        recipient=recipient,
        messages=confirmation_messages(shop, order, items, lang=recipient.lang, name=recipient.name),
        context={"order_id": order.shopify_id},
    )


def confirmation_messages(shop: Shop, order: Order, items: list[OrderLineItem], *, lang: str, name: str) -> list[dict]:
    """The confirmation's text and order card (also what the admin's preview shows)."""
    shown = [content.Item(title=content.item_title(i.title, i.variant_title, lang), quantity=i.quantity) for i in items]
    total = money(order.total_price, order.currency)
    status_url = content.link(order.order_status_url, Flow.ORDER_CONFIRMATION) if order.order_status_url else None
    intro = render(
        shop,
        Flow.ORDER_CONFIRMATION,
        lang,
        {
            "customer_name": name,
            "order_name": order.name,
            "total": total,
            "items": content.items_text(shown, lang),
            "order_status_url": status_url or "",
        },
    )
    lines = [(i.title, f"× {i.quantity}") for i in shown[: content.MAX_ITEMS]]
    if len(shown) > content.MAX_ITEMS:
        lines.append((content.label("more_items", lang, n=len(shown) - content.MAX_ITEMS), ""))
    card = messages.order_status(
        title=order.name,
        status=content.label("order_received", lang),
        lines=lines,
        total=(content.label("total", lang), total),
        buttons=[(content.label("order_status", lang), messages.uri_action(status_url))] if status_url else [],
    )
    return [messages.text(intro), card]
