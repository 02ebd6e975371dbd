"""The worker's job registry and `run-due`: failed webhooks come back with backoff."""

from __future__ import annotations

import json
from datetime import timedelta

from app.jobs import JOBS
from app.models import Order, WebhookEvent, WebhookStatus
from app.shopify import handlers
from app.shopify.processing import MAX_ATTEMPTS
from app.timeutil import utcnow
from tests.helpers import count, rows


def run_due(app, now):
    result = app.test_cli_runner().invoke(args=["run-due", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["jobs"]


def test_registry_names_every_job_once():
    names = [job.name for job in JOBS]
    assert names == [
        "process_webhooks",
        "advance_sequences",
        "check_sequence_segments",
        "send_notifications",
        "remind_browsers",
        "start_campaigns",
        "send_campaigns",
        "refresh_campaign_insight",
        "report_marketing_activities",
        "activate_web_pixels",
        "send_shopify_flow_triggers",
        "pick_campaign_winners",
        "refresh_expiring_tokens",
        "process_line_events",
        "fill_line_profiles",
        "sync_line_tags",
        "advance_catalog_syncs",
        "nightly_catalog_syncs",
        "refresh_best_sellers",
        "refresh_shop_policies",
        "import_line_followers",
        "keep_rich_menus_in_step",
        "trim_personal_data",
    ]
    assert all(job.every_s > 0 for job in JOBS)


def test_failed_webhook_is_retried_only_when_due_and_then_processed(app, send_webhook, payload, db, monkeypatch):
    original = handlers.TOPIC_HANDLERS["orders/create"]
    monkeypatch.setitem(
        handlers.TOPIC_HANDLERS, "orders/create", lambda **_: (_ for _ in ()).throw(ConnectionError("Shopify blip"))
    )
    send_webhook("orders/create", payload("orders_create"))
    [event] = rows(db, WebhookEvent)
    assert event.status == WebhookStatus.FAILED
    monkeypatch.setitem(handlers.TOPIC_HANDLERS, "orders/create", original)  # the bug is fixed

    early = run_due(app, utcnow() + timedelta(seconds=30))
    assert early["process_webhooks"] == {}
    assert count(db, Order) == 0

    due = run_due(app, event.next_attempt_at + timedelta(seconds=1))
    assert due["process_webhooks"] == {"processed": 1}
    [event] = rows(db, WebhookEvent)
    assert event.status == WebhookStatus.PROCESSED and event.attempts == 2 and event.error is None
    assert count(db, Order) == 1


def test_backoff_grows_and_stops_after_the_last_attempt(app, send_webhook, payload, db, monkeypatch):
    monkeypatch.setitem(
        handlers.TOPIC_HANDLERS, "orders/create", lambda **_: (_ for _ in ()).throw(RuntimeError("still broken"))
    )
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


def test_run_due_processes_exactly_what_is_due_at_that_time(app, send_webhook, payload, db):
    send_webhook("orders/create", payload("orders_create"), process=False)
    [event] = rows(db, WebhookEvent)

    before = run_due(app, event.received_at - timedelta(seconds=1))
    assert before["process_webhooks"] == {} and count(db, Order) == 0

    at = run_due(app, event.received_at)
    assert at["process_webhooks"] == {"processed": 1} and count(db, Order) == 1


def test_run_due_rejects_a_bad_time(app):
    result = app.test_cli_runner().invoke(args=["run-due", "--now", "yesterday"])
    assert result.exit_code != 0 and "ISO 8601" in result.output
