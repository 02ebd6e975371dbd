"""The shop's own details (name, time zone, currency) from the Admin API."""

from __future__ import annotations

import logging

from ..models import Shop
from ..shopify.client import AdminClient, ShopifyError
from ..shopify.queries import SHOP_DETAILS

log = logging.getLogger("tsunagu.sync")


def refresh_shop_details(*, client: AdminClient, shop: Shop) -> bool:
    """Best effort: a failure leaves the defaults (Asia/Tokyo, JPY) and is logged."""
    try:
        data = client.query(SHOP_DETAILS)
    except ShopifyError as exc:
        log.warning("shop details unavailable shop=%s code=%s", shop.domain, exc.code)
        return False
    details = data.get("shop") or {}
    shop.name = details.get("name") or shop.name
    shop.timezone = details.get("ianaTimezone") or shop.timezone
    shop.currency = details.get("currencyCode") or shop.currency
    return True
