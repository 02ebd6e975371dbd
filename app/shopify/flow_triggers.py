"""Shopify Flow triggers, the sending half: due `flowTriggerReceive` calls to Shopify.

`app/shopify_flow/triggers.py` queues a call when a LINE event happens and the shop uses
that trigger. The worker (`send_due`, every few seconds) sends due calls with
`flowTriggerReceive`, with no transaction open while Shopify answers. A failure (Shopify
down, a 5xx, throttled beyond the client's own retries, a token being refreshed) waits 1,
5, 15, 60… minutes and is tried again, up to MAX_ATTEMPTS; Shopify's user errors (a payload
it refuses) are final. A call is claimed for LEASE before it is sent, so two workers never
send it at once; a worker that dies after Shopify took the call but before recording it
sends it once more after the lease (Flow has no idempotency key for triggers: at least
once, never lost).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from ..db import session_scope
from ..models import Shop, ShopifyFlowTriggerCall
from ..models import TriggerCallStatus as St
from .client import ShopifyError, for_shop
from .queries import FLOW_TRIGGER_RECEIVE

log = logging.getLogger("tsunagu.shopify.flow")
MAX_ATTEMPTS = 8
BACKOFF_MIN = (1, 5, 15, 60, 180, 360, 720)
LEASE = timedelta(minutes=5)
PER_RUN = 100


@dataclass
class Due:
    id: int
    shop: Shop
    handle: str
    payload: dict
    attempts: int


def _claim(engine: Engine, now: datetime, limit: int) -> list[Due]:
    with session_scope(engine) as s:
        query = (
            select(ShopifyFlowTriggerCall)
            .where(ShopifyFlowTriggerCall.status == St.PENDING, ShopifyFlowTriggerCall.next_at <= now)
            .order_by(ShopifyFlowTriggerCall.next_at, ShopifyFlowTriggerCall.id)
            .limit(limit)
        )
        if s.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = s.execute(query).scalars().all()
        shops = {row.shop_id: s.get(Shop, row.shop_id) for row in rows}
        due = []
        for row in rows:
            row.next_at = now + LEASE  # claimed: another worker leaves it alone until then
            due.append(Due(row.id, shops[row.shop_id], row.handle, dict(row.payload), row.attempts))
        s.flush()
        s.expunge_all()
    return due


def _send(due: Due) -> None:
    """One flowTriggerReceive; raises ShopifyError (user errors with code "user_errors")."""
    data = for_shop(due.shop).query(FLOW_TRIGGER_RECEIVE, {"handle": due.handle, "payload": due.payload})
    problems = (data.get("flowTriggerReceive") or {}).get("userErrors") or []
    if problems:
        raise ShopifyError("; ".join(str(p.get("message")) for p in problems), code="user_errors", errors=problems)


def send_due(*, engine: Engine, now: datetime, limit: int = PER_RUN) -> dict[str, int]:
    """Send the due trigger calls; each failure is kept for a later try (or given up)."""
    counts = {"sent": 0, "retry": 0, "failed": 0, "dropped": 0}
    for due in _claim(engine, now, limit):
        if not due.shop.is_installed:
            counts["dropped"] += _record(engine, due, St.FAILED, "app_uninstalled", now)
            continue
        try:
            _send(due)
        except Exception as exc:  # isolate: one shop's failure never stops the others
            error = f"{type(exc).__name__}: {exc}"[:1000]
            final = isinstance(exc, ShopifyError) and exc.code == "user_errors"
            final = final or due.attempts + 1 >= MAX_ATTEMPTS
            log.warning("Shopify Flow trigger failed call=%s handle=%s error=%s", due.id, due.handle, error)
            counts["failed" if final else "retry"] += _record(engine, due, St.FAILED if final else None, error, now)
            continue
        counts["sent"] += _record(engine, due, St.SENT, None, now)
    return {k: v for k, v in counts.items() if v}


def _record(engine: Engine, due: Due, status: str | None, error: str | None, now: datetime) -> int:
    attempts = due.attempts + 1
    values: dict = {"attempts": attempts, "error": error}
    if status == St.SENT:
        values |= {"status": St.SENT, "sent_at": now}
    elif status == St.FAILED:
        values |= {"status": St.FAILED}
    else:
        values |= {"next_at": now + timedelta(minutes=BACKOFF_MIN[min(attempts, len(BACKOFF_MIN)) - 1])}
    with session_scope(engine) as s:
        s.execute(update(ShopifyFlowTriggerCall).where(ShopifyFlowTriggerCall.id == due.id).values(**values))
    return 1
