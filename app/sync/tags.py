"""Keeps the `line-linked` tag on Shopify customers in step with their LINE link, so
merchants can segment linked customers in Shopify too. Run by the worker."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session, select

from ..line.customer_links import linked_friend
from ..models import Customer, Shop
from ..shopify import client as shopify_client
from ..shopify.client import ShopifyError
from ..shopify.queries import TAGS_ADD, TAGS_REMOVE
from ..shopify.tokens import TokenUnavailable

log = logging.getLogger("tsunagu.sync")
TAG = "line-linked"
RETRY_AFTER = timedelta(minutes=10)


def sync_line_tags(*, session: Session, now: datetime, limit: int = 100) -> dict[str, int]:
    due = session.exec(
        select(Customer).where(Customer.line_tag_due_at <= now).order_by(Customer.line_tag_due_at).limit(limit)
    ).all()
    counts = {"added": 0, "removed": 0, "skipped": 0, "failed": 0}
    for customer in due:
        counts[_sync_one(session=session, customer=customer, now=now)] += 1
        session.commit()
    return counts


def _sync_one(*, session: Session, customer: Customer, now: datetime) -> str:
    shop = session.get(Shop, customer.shop_id)
    if not shop.is_installed:  # no Shopify to tell
        customer.line_tag_due_at, customer.line_tag_error = None, None
        return "skipped"
    linked = linked_friend(session=session, shop=shop, customer=customer) is not None
    session.commit()  # Shopify is never waited on inside a write transaction
    try:
        data = shopify_client.for_shop(shop).query(
            TAGS_ADD if linked else TAGS_REMOVE, {"id": f"gid://shopify/Customer/{customer.shopify_id}", "tags": [TAG]}
        )
        errors = (data.get("tagsAdd" if linked else "tagsRemove") or {}).get("userErrors") or []
        if errors:
            raise ShopifyError("; ".join(e.get("message", "") for e in errors), code="user_errors")
    except (ShopifyError, TokenUnavailable) as exc:
        log.warning("line-linked tag not synced customer=%s error=%s", customer.id, exc)
        customer.line_tag_due_at, customer.line_tag_error = now + RETRY_AFTER, str(exc)[:500]
        return "failed"
    customer.line_tag_due_at, customer.line_tag_error = None, None
    return "added" if linked else "removed"
