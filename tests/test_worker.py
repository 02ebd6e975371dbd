"""The worker's job registry and `run-due`: failed webhooks come back with backoff."""

from __future__ import annotations

import json
from datetime import timedelta

from app.jobs import JOBS
from app.models import Order, WebhookEvent, WebhookStatus
from app.shopify import handlers
from app.shopify.events import MAX_ATTEMPTS
from app.timeutil import utcnow
from tests.helpers import count, rows


def run_due(app, now):
    result = app.test_cli_runner().invoke(args=["run-due", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["jobs"]


def test_registry_names_every_job_once():
    names = [job.name for job in JOBS]
    assert names == ["retry_failed_webhooks", "refresh_expiring_tokens"]
    assert all(job.every_s > 0 for job in JOBS)


def test_failed_webhook_is_retried_only_when_due_and_then_processed(app, send_webhook, payload, db, monkeypatch):
    original = handlers.TOPIC_HANDLERS["orders/create"]
    monkeypatch.setitem(handlers.TOPIC_HANDLERS, "orders/create",
                        lambda **_: (_ for _ in ()).throw(ConnectionError("Shopify blip")))
    send_webhook("orders/create", payload("orders_create"))
    [event] = rows(db, WebhookEvent)
    assert event.status == WebhookStatus.FAILED
    monkeypatch.setitem(handlers.TOPIC_HANDLERS, "orders/create", original)  # the bug is fixed

    early = run_due(app, utcnow() + timedelta(seconds=30))
    assert early["retry_failed_webhooks"] == {}
    assert count(db, Order) == 0

    due = run_due(app, event.next_attempt_at + timedelta(seconds=1))
    assert due["retry_failed_webhooks"] == {"processed": 1}
    [event] = rows(db, WebhookEvent)
    assert event.status == WebhookStatus.PROCESSED and event.attempts == 2 and event.error is None
    assert count(db, Order) == 1


def test_backoff_grows_and_stops_after_the_last_attempt(app, send_webhook, payload, db, monkeypatch):
    monkeypatch.setitem(handlers.TOPIC_HANDLERS, "orders/create",
                        lambda **_: (_ for _ in ()).throw(RuntimeError("still broken")))
    send_webhook("orders/create", payload("orders_create"))
    gaps = []
    for _ in range(MAX_ATTEMPTS + 2):
        [event] = rows(db, WebhookEvent)
        if event.next_attempt_at is None:
            break
        previous = event.next_attempt_at
        run_due(app, previous)
        [event] = rows(db, WebhookEvent)
        if event.next_attempt_at:
            gaps.append(event.next_attempt_at - previous)

    [event] = rows(db, WebhookEvent)
    assert event.attempts == MAX_ATTEMPTS and event.next_attempt_at is None
    assert gaps == sorted(gaps) and gaps[0] >= timedelta(minutes=5)


def test_event_orphaned_by_a_crash_is_picked_up(app, db):
    """Recorded, then the web process died before the handler ran: the worker finishes it."""
    from tests.helpers import make_shop

    shop = make_shop(db)
    body = json.dumps({"id": 77, "name": "#1077", "updated_at": "2026-11-25T10:00:00+09:00", "line_items": []})
    db.add(WebhookEvent(shop_id=shop.id, webhook_id="orphan", topic="orders/create", body=body,
                        received_at=utcnow() - timedelta(minutes=5)))
    db.commit()

    result = run_due(app, utcnow())

    assert result["retry_failed_webhooks"] == {"processed": 1}
    assert count(db, Order) == 1


def test_run_due_rejects_a_bad_time(app):
    result = app.test_cli_runner().invoke(args=["run-due", "--now", "yesterday"])
    assert result.exit_code != 0 and "ISO 8601" in result.output
