"""The shop's policies (shipping, refunds, contact, legal notice…) kept locally, so the chat
answers store questions from them without asking Shopify while a shopper waits.

They are read at install and after every `shop/update` (Shopify sends no webhook of its
own for policies; a merchant's edit of them is a shop update). The handler only marks the
shop due (`shops.policies_due_at`); the worker reads them, never inside a write
transaction, stores them in one, and clears the mark only if no newer update marked it
meanwhile. A crash or a failed read leaves the mark: they are read again, and storing
them twice changes nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ..db import session_scope
from ..models import Shop, ShopPolicy
from ..shopify import client as shopify_client
from ..shopify.client import ShopifyError
from ..shopify.queries import SHOP_POLICIES
from ..shopify.tokens import TokenUnavailable
from ..timeutil import parse_ts
from .common import text

log = logging.getLogger("tsunagu.sync")
RETRY_AFTER = timedelta(minutes=10)
# Shopify's ShopPolicyType values (2026-10).
POLICY_TYPES = frozenset(
    {
        "CONTACT_INFORMATION",
        "LEGAL_NOTICE",
        "PRIVACY_POLICY",
        "REFUND_POLICY",
        "SHIPPING_POLICY",
        "SUBSCRIPTION_POLICY",
        "TERMS_OF_SALE",
        "TERMS_OF_SERVICE",
    }
)
MAX_BODY = 200_000  # characters of HTML kept per policy; the chat shows the first few hundred


class PolicyAnswerError(ValueError):
    """Shopify's answer was not the shape of the policies query."""


def request_policies(*, shop: Shop, now: datetime) -> None:
    """Have the worker read the shop's policies again (the latest request wins)."""
    shop.policies_due_at = now


def parse_policies(data) -> list[dict]:
    """The well-formed policies of a ShopPolicies answer; a malformed one is skipped, a
    malformed answer raises PolicyAnswerError."""
    policies = ((data or {}).get("shop") or {}).get("shopPolicies") if isinstance(data, dict) else None
    if not isinstance(policies, list):
        raise PolicyAnswerError("the answer has no shop.shopPolicies list")
    found = {}
    for item in policies:
        if not isinstance(item, dict) or item.get("type") not in POLICY_TYPES:
            continue
        url = text(item.get("url"), 2000) or ""
        found[item["type"]] = {
            "type": item["type"],
            "title": text(item.get("title"), 255) or "",
            "body": text(item.get("body"), MAX_BODY) or "",
            "url": url if url.startswith(("https://", "http://")) else "",
            "shopify_updated_at": parse_ts(item.get("updatedAt")),
        }
    return list(found.values())


def store_policies(*, session: Session, shop: Shop, policies: list[dict]) -> int:
    """The shop's policies become exactly these (by type); returns how many are kept."""
    held = {p.type: p for p in session.exec(select(ShopPolicy).where(ShopPolicy.shop_id == shop.id))}
    for values in policies:
        row = held.pop(values["type"], None) or ShopPolicy(shop_id=shop.id, type=values["type"])
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)
    for gone in held.values():  # no longer published
        session.delete(gone)
    return len(policies)


def refresh_due_policies(*, engine: Engine, now: datetime, limit: int = 20) -> dict[str, int]:
    """The worker's job: read again the policies of shops marked due."""
    with Session(engine) as session:
        due = session.exec(
            select(Shop.id).where(Shop.policies_due_at <= now).order_by(Shop.policies_due_at).limit(limit)
        ).all()
    counts = {"stored": 0, "skipped": 0, "failed": 0}
    for shop_id in due:
        counts[refresh_policies(engine=engine, shop_id=shop_id, now=now)] += 1
    return {k: v for k, v in counts.items() if v}


def refresh_policies(*, engine: Engine, shop_id: int, now: datetime) -> str:
    """Read one shop's policies and store them: "stored", "skipped" or "failed"."""
    with session_scope(engine) as session:
        shop = session.get(Shop, shop_id)
        if shop is None:
            return "skipped"
        requested = shop.policies_due_at
        if not shop.is_installed:  # no Shopify to ask
            shop.policies_due_at = None
            return "skipped"
        session.commit()  # Shopify is never waited on inside a write transaction
        try:
            policies = parse_policies(shopify_client.for_shop(shop).query(SHOP_POLICIES))
        except (ShopifyError, TokenUnavailable, PolicyAnswerError) as exc:
            log.warning("shop policies not read shop=%s error=%s", shop.domain, exc)
            _settle(session, shop_id, requested, now + RETRY_AFTER)
            return "failed"
        store_policies(session=session, shop=shop, policies=policies)
        _settle(session, shop_id, requested, None)
    return "stored"


def _settle(session: Session, shop_id: int, requested: datetime | None, next_due: datetime | None) -> None:
    """Clear (or postpone) the mark unless a newer shop/update set it while we read."""
    same = Shop.policies_due_at.is_(None) if requested is None else Shop.policies_due_at == requested
    session.execute(update(Shop).where(Shop.id == shop_id, same).values(policies_due_at=next_due))
