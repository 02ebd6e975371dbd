"""The retention job: personal data kept past its period is trimmed, in small batches.

- Raw webhook bodies of handled or ignored deliveries: after `deliveries` (7 days), only a
  summary stays (deliveries.py says what it keeps). Refused ones never kept theirs.
- Bodies whose handler failed: kept for retries and the merchant's "retry" button until
  `failed` (30 days), then summarised too, and no longer retried. A failed delivery that
  is later handled falls under the first rule.
- Chat events: after `chat` (90 days) the body keeps its type, ids and time, not what was
  written (no text, postback data, reply token or link nonce).
- Dry-run requests (what would have gone to LINE: texts, names, user ids) go after `chat`.
- Searches keep their words as anonymous counts after `chat`: the friend is forgotten.
- Link requests (nonces) go a day after they expired.
- Shopify Flow trigger calls (they name a customer, a search's words) go after `chat`.
- Friend source visits keep their visitor's address hash a day (the flood check needs a
  minute of it); then the visit stays as an anonymous count.

Each batch is its own short transaction (SQLite has one write lock for the whole file),
oldest rows first; a run stops after MAX_BATCHES per kind and the next run goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, delete, select, update

from ..db import session_scope
from ..models import (
    FriendSourceVisit,
    LineDryRun,
    LineEvent,
    LineEventStatus,
    LinkNonce,
    SearchLog,
    ShopifyFlowTriggerCall,
    WebhookEvent,
    WebhookStatus,
)
from .deliveries import RETENTION, summary
from .periods import Periods

BATCH = 500
MAX_BATCHES = 20
HANDLED = (WebhookStatus.PROCESSED, WebhookStatus.IGNORED)
VISIT_ADDRESS_KEPT = timedelta(days=1)  # a friend source visit's address hash (flood check)


def trim_expired(*, engine: Engine, now: datetime, periods: Periods) -> dict[str, int]:
    """The retention pass at `now`; returns how many rows of each kind were trimmed."""
    work: dict[str, Callable[[Session], int]] = {
        "deliveries": lambda s: _trim_deliveries(session=s, now=now, cutoff=now - periods.deliveries, statuses=HANDLED),
        "failed_deliveries": lambda s: _trim_deliveries(
            session=s, now=now, cutoff=now - periods.failed, statuses=(WebhookStatus.FAILED,)
        ),
        "chat": lambda s: _trim_chat(session=s, now=now, cutoff=now - periods.chat),
        "dry_runs": lambda s: _delete_older(
            session=s, model=LineDryRun, column=LineDryRun.created_at, cutoff=now - periods.chat
        ),
        "searches": lambda s: _forget_searchers(session=s, cutoff=now - periods.chat),
        "shopify_flow_trigger_calls": lambda s: _delete_older(
            session=s, model=ShopifyFlowTriggerCall, column=ShopifyFlowTriggerCall.created_at, cutoff=now - periods.chat
        ),
        "link_requests": lambda s: _delete_older(
            session=s, model=LinkNonce, column=LinkNonce.expires_at, cutoff=now - periods.nonces
        ),
        "source_visit_addresses": lambda s: _forget_visit_addresses(session=s, cutoff=now - VISIT_ADDRESS_KEPT),
    }
    done = {name: _in_batches(engine, step) for name, step in work.items()}
    return {name: n for name, n in done.items() if n}


def _in_batches(engine: Engine, step: Callable[[Session], int]) -> int:
    total = 0
    for _ in range(MAX_BATCHES):
        with session_scope(engine) as session:
            n = step(session)
        total += n
        if n < BATCH:
            break
    return total


def _trim_deliveries(*, session: Session, now: datetime, cutoff: datetime, statuses: tuple[str, ...]) -> int:
    events = session.exec(
        select(WebhookEvent)
        .where(
            WebhookEvent.body_trimmed_at.is_(None),
            WebhookEvent.received_at < cutoff,
            WebhookEvent.status.in_(statuses),
        )
        .order_by(WebhookEvent.received_at)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    for event in events:
        event.body, event.body_trimmed_at = summary(event.body, RETENTION), now
        event.next_attempt_at = None  # a failed one is not retried without its body
        session.add(event)
    return len(events)


def chat_summary(body: dict) -> dict:
    """A chat event without what the shopper wrote or could be reached by."""
    kept = {k: body[k] for k in ("type", "mode", "timestamp", "webhookEventId") if k in body}
    if isinstance(body.get("source"), dict):
        kept["source"] = {"type": body["source"].get("type")}
    if isinstance(body.get("message"), dict):
        kept["message"] = {k: body["message"][k] for k in ("id", "type") if k in body["message"]}
    kept["trimmed"] = RETENTION
    return kept


def _trim_chat(*, session: Session, now: datetime, cutoff: datetime) -> int:
    events = session.exec(
        select(LineEvent)
        .where(
            LineEvent.body_trimmed_at.is_(None),
            LineEvent.received_at < cutoff,
            LineEvent.status != LineEventStatus.RECEIVED,
        )
        .order_by(LineEvent.received_at)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    for event in events:
        event.body, event.body_trimmed_at = chat_summary(event.body or {}), now
        session.add(event)
    return len(events)


def _delete_older(*, session: Session, model, column, cutoff: datetime) -> int:
    ids = select(model.id).where(column < cutoff).order_by(column).limit(BATCH)
    return session.execute(delete(model).where(model.id.in_(ids.scalar_subquery()))).rowcount or 0


def _forget_visit_addresses(*, session: Session, cutoff: datetime) -> int:
    visit = FriendSourceVisit
    ids = select(visit.id).where(visit.ip_hash != "", visit.visited_at < cutoff).order_by(visit.visited_at).limit(BATCH)
    return session.execute(update(visit).where(visit.id.in_(ids.scalar_subquery())).values(ip_hash="")).rowcount or 0


def _forget_searchers(*, session: Session, cutoff: datetime) -> int:
    ids = (
        select(SearchLog.id)
        .where(SearchLog.friend_id.is_not(None), SearchLog.created_at < cutoff)
        .order_by(SearchLog.created_at)
        .limit(BATCH)
    )
    return (
        session.execute(
            update(SearchLog).where(SearchLog.id.in_(ids.scalar_subquery())).values(friend_id=None)
        ).rowcount
        or 0
    )
