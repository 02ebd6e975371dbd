"""Asked by the worker right before sending: has the reason for this message gone away?

Webhooks arrive late and out of order, so a flow's own cancellation may not have run yet
when a reminder falls due (the order is still in the webhook queue, say). The checks
here read the same tables the flows write, so the answer is right either way.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from ..models import Notification, Shop
from .abandoned import purchase_moot
from .config import flow_settings


def reason(session: Session, row: Notification, shop: Shop, now: datetime) -> str | None:
    if row.flow not in ("abandoned_checkout", "abandoned_cart"):
        return None
    context = row.context or {}
    customer = context.get("customer_shopify_id")
    return purchase_moot(
        session,
        shop,
        token=context.get("checkout_token"),
        cart_token=context.get("cart_token"),
        customer_shopify_id=customer,
        settings=flow_settings(shop, row.flow),
        now=now,
    )
