"""Discount codes in reminder steps: created when the step is actually sent, never before.

The code is derived from the notification's id and saved on the row, with its end date,
before Shopify is asked; a retry after a crash asks for the same code and end (Shopify's
"already taken" means the earlier attempt succeeded), so every retry shows the same code.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.engine import Engine

from ..db import session_scope
from ..ext import settings
from ..formatting import local_time
from ..i18n import language, t
from ..models import Customer, Notification, Shop
from ..shopify import client as shopify_client
from ..shopify.queries import DISCOUNT_CREATE
from .templates import DISCOUNT_MARK, EXPIRES_MARK


class DiscountError(RuntimeError):
    """Shopify refused the code; the message names why (no secrets)."""


def code_for(notification_id) -> str:
    digest = hashlib.sha256(str(notification_id).encode()).digest()
    return "LINE-" + base64.b32encode(digest)[:10].decode()


def prepare(engine: Engine, row: Notification, shop: Shop, now: datetime) -> list[dict]:
    """The row's messages ready to send: its step's code created (once) and filled in."""
    config = (row.context or {}).get("discount")
    if not config:
        return fill_marks(row.messages, "", "")
    issued = (row.context or {}).get("discount_issued")
    if not issued:  # the code and its end are fixed (saved) before Shopify is asked
        expires = now + timedelta(days=int(config.get("expires_days") or 7))
        issued = _save(engine, row, {"code": code_for(row.id), "ends_at": expires.isoformat(), "created": False})
    if not issued.get("created"):
        if settings().creates_discounts:
            _create_in_shopify(
                engine, row, shop, config, issued["code"], now, datetime.fromisoformat(issued["ends_at"])
            )
        issued = _save(engine, row, {**issued, "created": True})
    return fill_marks(
        row.messages, issued["code"], local_time(datetime.fromisoformat(issued["ends_at"]), shop.timezone, "%Y/%m/%d")
    )


def _save(engine: Engine, row: Notification, issued: dict) -> dict:
    with session_scope(engine) as s:
        stored = s.get(Notification, row.id)
        stored.context = {**(stored.context or {}), "discount_issued": issued}
    row.context = {**(row.context or {}), "discount_issued": issued}
    return issued


def _create_in_shopify(
    engine: Engine, row: Notification, shop: Shop, config: dict, code: str, now: datetime, expires: datetime
) -> None:
    with session_scope(engine) as s:
        customer = s.get(Customer, row.customer_id) if row.customer_id else None
        customer_gid = f"gid://shopify/Customer/{customer.shopify_id}" if customer else None
    if customer_gid is None:
        raise DiscountError("the reminder's customer is gone")
    value = Decimal(str(config.get("value") or 0))
    gets = (
        {"percentage": float(min(value, 100) / 100)}
        if config.get("type", "percentage") == "percentage"
        else {"discountAmount": {"amount": str(value), "appliesOnEachItem": False}}
    )
    result = shopify_client.for_shop(shop).query(
        DISCOUNT_CREATE,
        {
            "input": {
                # The discount's name in the merchant's Shopify admin, in their language.
                "title": t("flows.discount.title", language(shop=shop), code=code),
                "code": code,
                "startsAt": now.isoformat(),
                "endsAt": expires.isoformat(),
                "usageLimit": 1,
                "appliesOncePerCustomer": True,
                "context": {"customers": {"add": [customer_gid]}},
                "customerGets": {"value": gets, "items": {"all": True}},
            }
        },
    )
    errors = (result.get("discountCodeBasicCreate") or {}).get("userErrors") or []
    if errors and not all(e.get("code") == "TAKEN" for e in errors):
        raise DiscountError("Shopify refused the discount: " + "; ".join(str(e.get("message")) for e in errors))


def fill_marks(messages: list[dict], code: str, expires: str) -> list[dict]:
    """Put the code where the marks are (a step without a code loses the marks)."""
    text = json.dumps(messages, ensure_ascii=False)
    if DISCOUNT_MARK not in text and EXPIRES_MARK not in text:
        return messages
    return json.loads(text.replace(DISCOUNT_MARK, code).replace(EXPIRES_MARK, expires))
