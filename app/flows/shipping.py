"""Shipping updates (transactional) and the after-delivery follow-up (marketing, off by default).

Each status goes out at most once per fulfillment (the dedupe key names both). Deliveries
arrive out of order: a "shipped" message for a parcel we already know was delivered is
not news, so it is not sent.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from ..models import Fulfillment, Order, Shop
from ..timeutil import as_utc, utcnow
from . import content, outbox, recipients
from .config import flow_settings
from .registry import Flow, spec
from .templates import render

SHIPPING = spec(Flow.SHIPPING_UPDATE)
AFTER = spec(Flow.AFTER_DELIVERY)
UPDATES = SHIPPING.parts[1:]  # what can follow "shipped", each its own step and text


def on_fulfillment(*, session: Session, shop: Shop, fulfillment: Fulfillment) -> list[str]:
    if fulfillment.status in ("cancelled", "error", "failure"):
        for sender in (SHIPPING, AFTER):
            prefix = sender.keys.prefix(fulfillment=fulfillment.shopify_id)
            outbox.cancel(session=session, shop=shop, reason="fulfillment_cancelled", key_prefix=prefix)
        return ["cancelled"]
    order = session.exec(
        select(Order).where(Order.shop_id == shop.id, Order.shopify_id == fulfillment.order_shopify_id)
    ).first()
    settings = flow_settings(shop, Flow.SHIPPING_UPDATE)
    recipient = (
        recipients.linked(session=session, shop=shop, customer_shopify_id=order.customer_shopify_id) if order else None
    )
    if recipient is None or not settings["enabled"]:
        return []
    wanted = []
    if fulfillment.shipment_status != "delivered":
        wanted.append("shipped")
    if fulfillment.shipment_status in UPDATES:
        wanted.append(fulfillment.shipment_status)
    done = [
        outbox.schedule(
            session=session,
            shop=shop,
            flow=Flow.SHIPPING_UPDATE,
            step=UPDATES.index(s) + 1 if s in UPDATES else 0,
            dedupe_key=SHIPPING.keys.key(fulfillment=fulfillment.shopify_id, status=s),
            due_at=utcnow(),
            recipient=recipient,
            messages=status_messages(shop, order, fulfillment, s, lang=recipient.lang, name=recipient.name),
            context={"order_id": order.shopify_id, "fulfillment_id": fulfillment.shopify_id, "status": s},
        )
        for s in wanted
        if settings["statuses"].get(s, True)
    ]
    if fulfillment.shipment_status == "delivered":
        done.append(
            _after_delivery(session=session, shop=shop, recipient=recipient, order=order, fulfillment=fulfillment)
        )
    return done


def status_messages(
    shop: Shop, order: Order, fulfillment: Fulfillment, status: str, *, lang: str, name: str
) -> list[dict]:
    """One shipping status's message (also what the admin's preview shows)."""
    tracking_url = fulfillment.tracking_urls[0] if fulfillment.tracking_urls else ""
    intro = render(
        shop,
        SHIPPING.template(status),
        lang,
        {
            "customer_name": name,
            "order_name": order.name,
            "carrier": fulfillment.tracking_company or "",
            "tracking_number": content.label("list_separator", lang).join(fulfillment.tracking_numbers) or "-",
            "tracking_url": tracking_url,
        },
    )
    buttons = [(content.label("track", lang), tracking_url)] if tracking_url.startswith("https://") else []
    if order.order_status_url:
        buttons.append(
            (content.label("order_status", lang), content.link(order.order_status_url, Flow.SHIPPING_UPDATE))
        )
    return content.with_button(intro, buttons)


def _after_delivery(
    *, session: Session, shop: Shop, recipient: recipients.Recipient, order: Order, fulfillment: Fulfillment
) -> str:
    settings = flow_settings(shop, Flow.AFTER_DELIVERY)
    if not settings["enabled"]:
        return "after_delivery_off"
    return outbox.schedule(
        session=session,
        shop=shop,
        flow=Flow.AFTER_DELIVERY,
        step=0,
        dedupe_key=AFTER.keys.key(fulfillment=fulfillment.shopify_id),
        recipient=recipient,
        # From the delivery Shopify recorded, not from when its (possibly late) webhook came.
        due_at=(as_utc(fulfillment.shopify_updated_at) or utcnow()) + timedelta(days=int(settings["delay_days"])),
        messages=after_delivery_messages(shop, order, settings, lang=recipient.lang, name=recipient.name),
        context={"order_id": order.shopify_id, "fulfillment_id": fulfillment.shopify_id},
    )


def after_delivery_messages(shop: Shop, order: Order, settings: dict, *, lang: str, name: str) -> list[dict]:
    """The review request (also what the admin's preview shows)."""
    review_url = settings.get("review_url") or order.order_status_url or ""
    link = content.link(review_url, Flow.AFTER_DELIVERY) if review_url else ""
    intro = render(
        shop, Flow.AFTER_DELIVERY, lang, {"customer_name": name, "order_name": order.name, "review_url": link}
    )
    buttons = [(content.label("review", lang), link)] if link else []
    return content.with_button(intro, buttons)
