"""Running recorded webhooks through their handlers, with retries and backoff."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ..db import session_scope
from ..models import Shop, WebhookEvent, WebhookStatus
from ..privacy import deliveries
from ..sync.common import PayloadError
from ..timeutil import utcnow
from . import signed
from .handlers import TOPIC_HANDLERS

log = logging.getLogger("tsunagu.webhooks")

# Minutes to wait after the n-th failed attempt; after the last one a human decides.
RETRY_BACKOFF_MIN = [1, 5, 15, 60, 180, 360, 720]
MAX_ATTEMPTS = len(RETRY_BACKOFF_MIN) + 1


def process_event(*, session: Session, event: WebhookEvent, now: datetime | None = None) -> str:
    """Run the topic's handler in a savepoint; record the outcome on the event."""
    now = now or utcnow()
    handler = TOPIC_HANDLERS.get(event.topic)
    if handler is None and event.topic not in signed.SHOP_NAMED:
        log.info("webhook ignored: no handler topic=%s id=%s", event.topic, event.webhook_id)
        return _finish(event, WebhookStatus.IGNORED, now)
    if event.body_trimmed_at is not None:  # only a summary is left: acting on it would be wrong
        return _fail(event, now, "the body was trimmed (retention period or erasure): nothing to run", retry=False)
    try:
        with session.begin_nested():
            payload = _payload(event.body)
            shop = session.get(Shop, event.shop_id)
            signed.check(topic=event.topic, shop=shop, payload=payload)
            if handler is not None:
                handler(session=session, shop=shop, payload=payload, event=event)
            session.flush()
    except signed.Refused as exc:
        return _refuse(event, now, str(exc))
    except PayloadError as exc:
        return _fail(event, now, f"PayloadError: {exc}", retry=False)
    except Exception as exc:  # one bad event must never take the intake down
        log.exception("webhook handler failed topic=%s id=%s", event.topic, event.webhook_id)
        return _fail(event, now, f"{type(exc).__name__}: {exc}", retry=True)
    if not inspect(event).persistent:  # shop/redact removed the event with the shop
        return WebhookStatus.PROCESSED
    return _finish(event, WebhookStatus.PROCESSED if handler else WebhookStatus.IGNORED, now)


def _payload(body: str) -> dict:
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise PayloadError(f"body is not JSON ({getattr(exc, 'msg', exc)})") from None
    except RecursionError:
        raise PayloadError("body is nested too deep to read") from None
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


def _refuse(event: WebhookEvent, now: datetime, reason: str) -> str:
    """Nothing was done; the body (another shop's, or another topic's) is not kept."""
    log.warning("webhook refused topic=%s id=%s shop_id=%s: %s", event.topic, event.webhook_id, event.shop_id, reason)
    _finish(event, WebhookStatus.REFUSED, now)
    event.error = reason[:2000]
    event.body, event.body_trimmed_at = deliveries.summary(event.body, deliveries.REFUSED), now
    return event.status


def _fail(event: WebhookEvent, now: datetime, error: str, *, retry: bool) -> str:
    event.status = WebhookStatus.FAILED
    event.attempts += 1
    event.error = error[:2000]
    if retry and event.attempts < MAX_ATTEMPTS:
        event.next_attempt_at = now + timedelta(minutes=RETRY_BACKOFF_MIN[event.attempts - 1])
    else:
        event.next_attempt_at = None
    log.warning(
        "webhook failed topic=%s id=%s attempts=%s retry_at=%s error=%s",
        event.topic,
        event.webhook_id,
        event.attempts,
        event.next_attempt_at,
        event.error,
    )
    return event.status


def _claim(*, session: Session, now: datetime, size: int) -> list[WebhookEvent]:
    """Up to `size` due events, oldest first; new deliveries before retries.

    One status at a time so the (status, next_attempt_at) index yields rows in order.
    SKIP LOCKED (PostgreSQL) lets any number of workers share the queue: a row another
    worker holds is passed over, never run twice at once.
    """
    for status in (WebhookStatus.RECEIVED, WebhookStatus.FAILED):
        events = session.exec(
            select(WebhookEvent)
            .where(WebhookEvent.status == status, WebhookEvent.next_attempt_at <= now)
            .order_by(WebhookEvent.next_attempt_at)
            .limit(size)
            .with_for_update(skip_locked=True)
        ).all()
        if events:
            return list(events)
    return []


def process_due_events(*, engine: Engine, now: datetime, limit: int = 1000) -> dict[str, int]:
    """The worker's side of the intake: run handlers for what is due at `now`.

    Each event runs in its own savepoint, so one bad event never spoils the others. A
    crash rolls back the open batch; its events stay due and run again (handlers are
    idempotent). SQLite takes one event per transaction so the write lock is never held
    for long; PostgreSQL takes a batch and skips the commit fsync: a lost commit only
    means the batch runs again.
    """
    sqlite = engine.dialect.name == "sqlite"
    batch = 1 if sqlite else 25
    outcome: dict[str, int] = {}
    done = 0
    while done < limit:
        with session_scope(engine) as s:
            if not sqlite:
                s.execute(text("SET LOCAL synchronous_commit TO OFF"))
            events = _claim(session=s, now=now, size=min(batch, limit - done))
            for event in events:
                status = process_event(session=s, event=event, now=now)
                outcome[status] = outcome.get(status, 0) + 1
        if not events:
            break
        done += len(events)
    return outcome
