"""Validly signed deliveries that bench/fuzz.py found crashing: each is answered without a
500 and ends with a status and a reason, never a traceback."""

from __future__ import annotations

import json

from app import ext
from app.models import Shop, WebhookEvent, WebhookStatus
from app.shopify.processing import process_due_events
from app.timeutil import utcnow
from tests.helpers import count, rows


def test_body_nested_past_pythons_limit_gets_400_not_500(send_webhook, db):
    # The shopify_app package parses the body to redact its log; 50,000 levels overflow it.
    body = b'{"id": 1, "note": ' + b"[" * 50_000 + b"1" + b"]" * 50_000 + b"}"

    response = send_webhook("orders/create", body=body)

    assert response.status_code == 400
    assert response.get_json() == {"error": "shopify.webhook.invalid-json"}
    assert count(db, WebhookEvent) == 0


def test_stored_body_nested_too_deep_fails_without_retry(app, shop, db):
    deep, now = "[" * 50_000 + "]" * 50_000, utcnow()
    db.add(WebhookEvent(shop_id=shop.id, webhook_id="deep", topic="orders/create", body=deep, next_attempt_at=now))
    db.commit()

    process_due_events(engine=ext.engine(app), now=now)

    [event] = rows(db, WebhookEvent)
    assert (event.status, event.error, event.next_attempt_at) == (
        WebhookStatus.FAILED,
        "PayloadError: body is nested too deep to read",
        None,
    )


def test_scopes_with_a_lone_surrogate_are_stored_readably(send_webhook, shop, db):
    body = b'{"id": 1, "previous": [], "current": ["read_products", "\\ud800x", 7]}'

    assert send_webhook("app/scopes_update", body=body).status_code == 200

    [event] = rows(db, WebhookEvent)
    assert event.status == WebhookStatus.PROCESSED
    [stored] = rows(db, Shop)
    assert stored.scopes == "read_products,?x"  # the surrogate replaced; 7 is not a scope


def test_data_request_whose_request_is_not_an_object_is_still_answered(send_webhook, payload, shop, db):
    body = payload("customers_data_request")
    body["data_request"] = "9999"

    send_webhook("customers/data_request", json.loads(json.dumps(body)))

    [event] = rows(db, WebhookEvent)
    assert event.status == WebhookStatus.PROCESSED
