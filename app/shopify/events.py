"""Recording verified webhooks and running their handlers, now or on retry."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, inspect, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ..db import insert_or_ignore, session_scope
from ..models import Shop, WebhookEvent, WebhookStatus
from ..sync.common import PayloadError
from ..timeutil import utcnow
from .handlers import TOPIC_HANDLERS

log = logging.getLogger("tsunagu.webhooks")

# Minutes to wait after the n-th failed attempt; after the last one a human decides.
RETRY_BACKOFF_MIN = [1, 5, 15, 60, 180, 360, 720]
MAX_ATTEMPTS = len(RETRY_BACKOFF_MIN) + 1
# A "received" event older than this was orphaned by a crash between record and process.
ORPHAN_AFTER = timedelta(minutes=2)


def ensure_shop(session: Session, domain: str) -> int:
    """The shop's id, creating its row on first contact (a webhook or an app load)."""
    shop_id = session.exec(select(Shop.id).where(Shop.domain == domain)).first()
    if shop_id is None:
        insert_or_ignore(session, Shop(domain=domain), ["domain"])
        shop_id = session.exec(select(Shop.id).where(Shop.domain == domain)).one()
    return shop_id


def record_event(*, session: Session, shop_id: int, webhook_id: str, topic: str,
                 api_version: str, triggered_at: datetime | None, body: str) -> int | None:
    """Store the delivery; None when this webhook id was already recorded (a duplicate)."""
    event = WebhookEvent(shop_id=shop_id, webhook_id=webhook_id, topic=topic,
                         api_version=api_version, triggered_at=triggered_at, body=body)
    return insert_or_ignore(session, event, ["shop_id", "webhook_id"])


def process_event(*, session: Session, event: WebhookEvent, now: datetime | None = None) -> str:
    """Run the topic's handler in a savepoint; record the outcome on the event."""
    now = now or utcnow()
    handler = TOPIC_HANDLERS.get(event.topic)
    if handler is None:
        log.info("webhook ignored: no handler topic=%s id=%s", event.topic, event.webhook_id)
        return _finish(event, WebhookStatus.IGNORED, now)
    try:
        with session.begin_nested():
            payload = _payload(event.body)
            shop = session.get(Shop, event.shop_id)
            handler(session=session, shop=shop, payload=payload, event=event)
            session.flush()
    except PayloadError as exc:
        return _fail(event, now, f"PayloadError: {exc}", retry=False)
    except Exception as exc:  # one bad event must never take the intake down
        log.exception("webhook handler failed topic=%s id=%s", event.topic, event.webhook_id)
        return _fail(event, now, f"{type(exc).__name__}: {exc}", retry=True)
    if not inspect(event).persistent:  # shop/redact removed the event with the shop
        return WebhookStatus.PROCESSED
    return _finish(event, WebhookStatus.PROCESSED, now)


def _payload(body: str) -> dict:
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise PayloadError(f"body is not JSON ({exc.msg})") from None
    if not isinstance(payload, dict):
        raise PayloadError("body is not a JSON object")
    return payload


def _finish(event: WebhookEvent, status: str, now: datetime) -> str:
    event.status = status
    event.attempts += 1
    event.processed_at = now
    event.error = None
    event.next_attempt_at = None
    return status


def _fail(event: WebhookEvent, now: datetime, error: str, *, retry: bool) -> str:
    event.status = WebhookStatus.FAILED
    event.attempts += 1
    event.error = error[:2000]
    if retry and event.attempts < MAX_ATTEMPTS:
        event.next_attempt_at = now + timedelta(minutes=RETRY_BACKOFF_MIN[event.attempts - 1])
    else:
        event.next_attempt_at = None
    log.warning("webhook failed topic=%s id=%s attempts=%s retry_at=%s error=%s",
                event.topic, event.webhook_id, event.attempts, event.next_attempt_at, event.error)
    return event.status


def _due(now: datetime):
    return or_(
        and_(WebhookEvent.status == WebhookStatus.FAILED, WebhookEvent.next_attempt_at <= now),
        and_(WebhookEvent.status == WebhookStatus.RECEIVED, WebhookEvent.received_at <= now - ORPHAN_AFTER),
    )


def retry_due_events(*, engine: Engine, now: datetime, limit: int = 200) -> dict[str, int]:
    """Re-run failed and orphaned events that are due; each in its own transaction."""
    with Session(engine) as s:  # a plain read: never holds the write lock
        ids = list(s.exec(select(WebhookEvent.id).where(_due(now)).order_by(WebhookEvent.id).limit(limit)))
    outcome: dict[str, int] = {}
    for event_id in ids:
        with session_scope(engine) as s:
            # SKIP LOCKED (PostgreSQL): two workers never run the same event at once.
            event = s.exec(
                select(WebhookEvent).where(WebhookEvent.id == event_id, _due(now))
                .with_for_update(skip_locked=True)
            ).first()
            if event is None:
                continue
            status = process_event(session=s, event=event, now=now)
            outcome[status] = outcome.get(status, 0) + 1
    return outcome
