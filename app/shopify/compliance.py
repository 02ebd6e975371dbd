"""The mandatory privacy topics: customers/data_request, customers/redact, shop/redact.

Each body has been checked to name this shop before it gets here (signed.py). The work
itself is the privacy domain's: what is held about a shopper (privacy/holdings.py),
erasing it (privacy/erasure.py) or a whole shop (privacy/shop_erasure.py).
"""

from __future__ import annotations

from sqlmodel import Session

from .. import models as m
from ..privacy.erasure import erase_shopper
from ..privacy.holdings import ShopperRef, holdings_of
from ..privacy.shop_erasure import erase_shop
from ..sync.common import as_dict, as_int
from ..timeutil import utcnow
from .export import customer_export


def export_customer_data(*, session: Session, shop: m.Shop, payload: dict) -> m.ComplianceRequest:
    """Everything we hold about the customer, stored for the merchant to hand over."""
    ref = ShopperRef.from_payload(payload, "orders_requested")
    held = holdings_of(session=session, shop=shop, ref=ref)
    request = m.ComplianceRequest(
        shop_id=shop.id,
        topic="customers/data_request",
        customer_shopify_id=ref.customer_shopify_id,
        request_id=as_int(as_dict(payload.get("data_request")).get("id")),
        export=customer_export(held),
        completed_at=utcnow(),
    )
    session.add(request)
    return request


def redact_customer(
    *, session: Session, shop: m.Shop, payload: dict, event: m.WebhookEvent | None = None
) -> m.ComplianceRequest:
    """Erase the customer's personal data everywhere, their LINE link included; keep
    anonymous figures. `event` is this request's own delivery (its body names them too)."""
    ref = ShopperRef.from_payload(payload, "orders_to_redact")
    erase_shopper(session=session, shop=shop, ref=ref, current=event)
    request = m.ComplianceRequest(
        shop_id=shop.id, topic="customers/redact", customer_shopify_id=ref.customer_shopify_id, completed_at=utcnow()
    )
    session.add(request)
    return request


def redact_shop(*, session: Session, shop: m.Shop) -> None:
    """Every row of the shop goes, the shop itself last."""
    erase_shop(session=session, shop_id=shop.id)
