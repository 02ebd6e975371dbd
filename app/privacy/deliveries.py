"""Raw webhook bodies: finding the ones that name a shopper, and reducing a body to what
debugging needs once it may no longer be kept.

A summary keeps no value a person could be found by: the body's size, its top-level field
names (the shape Shopify sent), the resource's own `id` and `updated_at` (which delivery
was this, was it late) and, for a fulfillment, its `order_id`. The topic, webhook id,
API version and every timestamp of the delivery stay in their own columns. A shopper's
erasure drops the ids too (a summary then says only that a body of that size was there).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from sqlalchemy import or_
from sqlmodel import Session, select

from ..models import Shop, WebhookEvent, WebhookStatus

# Why a body was reduced: its retention period ended, the shopper it names asked to be
# erased, or it was refused (another shop's body: it is not ours to keep).
RETENTION, REDACTED, REFUSED = "retention", "redacted", "refused"
_KEPT_IDS = ("id", "order_id")
_MAX_KEYS = 60


def summary(body: str, reason: str) -> str:
    """The body as a short JSON summary without personal data (a summary summarised
    again keeps the original size and shape, and only loses more)."""
    kept: dict = {"trimmed": reason, "bytes": len(body.encode("utf-8"))}
    try:
        payload = json.loads(body)
    except ValueError:
        return json.dumps(kept)
    if not isinstance(payload, dict):
        return json.dumps(kept)
    if payload.get("trimmed"):
        kept["bytes"] = payload.get("bytes", kept["bytes"])
        keys = payload.get("keys") or []
    else:
        keys = list(payload)
    kept["keys"] = sorted(str(k)[:64] for k in keys)[:_MAX_KEYS]
    if reason == RETENTION:
        kept.update({k: payload[k] for k in _KEPT_IDS if isinstance(payload.get(k), int)})
        if isinstance(payload.get("updated_at"), str):
            kept["updated_at"] = payload["updated_at"][:40]
    return json.dumps(kept)


def _scalars(node) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _scalars(value)
    elif isinstance(node, list):
        for value in node:
            yield from _scalars(value)
    elif node is not None and not isinstance(node, bool):
        yield str(node).strip().lower()


def names_any(body: str, terms: set[str]) -> bool:
    """True when a value in the body is one of `terms` (lower-case): an id, an e-mail, a
    phone number or a token of the shopper."""
    try:
        payload = json.loads(body)
    except ValueError:
        return any(term in body.lower() for term in terms)
    return any(value in terms for value in _scalars(payload))


def naming(*, session: Session, shop: Shop, terms: Iterable) -> list[WebhookEvent]:
    """The shop's deliveries whose body names one of `terms`, oldest first.

    The LIKE prefilter lets the database skip the rest; the JSON walk then keeps only
    bodies where a whole value matches (an id inside a longer number does not count).
    """
    wanted = {str(t).strip().lower() for t in terms if t not in (None, "")}
    if not wanted:
        return []
    like = [WebhookEvent.body.ilike(f"%{_escape(term)}%", escape="\\") for term in wanted]
    found = session.exec(
        select(WebhookEvent).where(WebhookEvent.shop_id == shop.id, or_(*like)).order_by(WebhookEvent.id)
    ).all()
    return [event for event in found if names_any(event.body, wanted)]


def _escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def refused(*, session: Session, shop: Shop, limit: int = 20) -> list[WebhookEvent]:
    """The shop's latest refused deliveries (the Privacy page shows them with `error`, the
    reason): a body signed for another shop, or for another topic, sent under this one."""
    return list(
        session.exec(
            select(WebhookEvent)
            .where(WebhookEvent.shop_id == shop.id, WebhookEvent.status == WebhookStatus.REFUSED)
            .order_by(WebhookEvent.received_at.desc())
            .limit(limit)
        )
    )
