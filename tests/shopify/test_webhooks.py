"""POST /webhooks/shopify: verification, recording, dedupe, dispatch and failure handling."""

from __future__ import annotations

import json

import pytest

from app.models import Order, WebhookEvent, WebhookStatus
from app.shopify import handlers
from tests.conftest import CLIENT_SECRET, sign
from tests.helpers import count, rows


def test_valid_webhook_is_recorded_and_processed(send_webhook, payload, db):
    response = send_webhook("orders/create", payload("orders_create"), webhook_id="wh-1")

    assert response.status_code == 200
    assert response.get_json() == {"status": "processed"}
    [event] = rows(db, WebhookEvent)
    assert (event.topic, event.webhook_id, event.status, event.attempts) == ("orders/create", "wh-1", "processed", 1)
    assert event.processed_at is not None and event.triggered_at is not None
    assert count(db, Order) == 1


@pytest.mark.parametrize("tamper", ["body", "signature", "secret"])
def test_bad_hmac_gets_401_and_stores_nothing(client, payload, db, tamper):
    body = json.dumps(payload("orders_create")).encode()
    signature = sign(body, "some-other-secret" if tamper == "secret" else CLIENT_SECRET)
    if tamper == "body":
        body = body.replace(b"4158", b"1")
    if tamper == "signature":
        signature = signature[:-4] + "AAA="
    response = client.post("/webhooks/shopify", data=body, headers={
        "X-Shopify-Topic": "orders/create", "X-Shopify-Hmac-Sha256": signature,
        "X-Shopify-Shop-Domain": "test-shop.myshopify.com", "X-Shopify-Webhook-Id": "wh-bad"})

    assert response.status_code == 401
    assert response.get_json() == {"error": "shopify.webhook.invalid-hmac"}
    assert count(db, WebhookEvent) == 0 and count(db, Order) == 0


def test_missing_hmac_gets_401_and_stores_nothing(send_webhook, payload, db):
    response = send_webhook("orders/create", payload("orders_create"), headers={"X-Shopify-Hmac-Sha256": None})

    assert response.status_code == 401
    assert response.get_json() == {"error": "shopify.webhook.missing-hmac"}
    assert count(db, WebhookEvent) == 0


def test_old_secret_is_accepted_during_rotation(app, payload, db):
    rotated = app.extensions["tsunagu.settings"].with_(shopify_api_secret="new-secret",
                                                       shopify_api_secret_old=CLIENT_SECRET)
    app.extensions["tsunagu.settings"] = rotated
    body = json.dumps(payload("orders_create")).encode()
    headers = {"X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": "test-shop.myshopify.com",
               "X-Shopify-Webhook-Id": "wh-rot"}
    client = app.test_client()

    old = client.post("/webhooks/shopify", data=body, headers={**headers, "X-Shopify-Hmac-Sha256": sign(body)})
    new = client.post("/webhooks/shopify", data=body,
                      headers={**headers, "X-Shopify-Webhook-Id": "wh-rot-2",
                               "X-Shopify-Hmac-Sha256": sign(body, "new-secret")})

    assert (old.status_code, new.status_code) == (200, 200)
    assert count(db, WebhookEvent) == 2


def test_body_over_5_mb_gets_413(send_webhook, db):
    body = b'{"id": 1, "note": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    response = send_webhook("orders/create", body=body)

    assert response.status_code == 413
    assert count(db, WebhookEvent) == 0


@pytest.mark.parametrize("missing", ["X-Shopify-Topic", "X-Shopify-Webhook-Id", "X-Shopify-Shop-Domain"])
def test_verified_request_without_required_headers_gets_400(send_webhook, payload, db, missing):
    response = send_webhook("orders/create", payload("orders_create"), headers={missing: None})

    assert response.status_code == 400
    assert response.get_json() == {"error": "shopify.webhook.missing-headers"}
    assert count(db, WebhookEvent) == 0


def test_non_utf8_body_gets_400(send_webhook, db):
    response = send_webhook("orders/create", body=b'{"id": "\xff\xfe"}')

    assert response.status_code == 400
    assert count(db, WebhookEvent) == 0


def test_duplicate_delivery_does_nothing_the_second_time(send_webhook, payload, db):
    order = payload("orders_create")
    first = send_webhook("orders/create", order, webhook_id="same-id")
    order["total_price"] = "1"  # a changed body under the same id must not be applied
    second = send_webhook("orders/create", order, webhook_id="same-id")

    assert first.get_json() == {"status": "processed"}
    assert second.status_code == 200 and second.get_json() == {"status": "duplicate"}
    assert count(db, WebhookEvent) == 1
    [stored] = rows(db, Order)
    assert str(stored.total_price) == "4158.00"


def test_same_webhook_id_in_two_shops_is_two_events(send_webhook, payload, db):
    send_webhook("orders/create", payload("orders_create"), webhook_id="shared")
    send_webhook("orders/create", payload("orders_create"), webhook_id="shared", shop="other-shop.myshopify.com")

    assert count(db, WebhookEvent) == 2
    assert count(db, Order) == 2


def test_unknown_topic_is_recorded_and_answered_200(send_webhook, db):
    response = send_webhook("inventory_levels/update", {"inventory_item_id": 1})

    assert response.status_code == 200
    [event] = rows(db, WebhookEvent)
    assert event.status == WebhookStatus.IGNORED


def test_malformed_json_is_kept_as_failed_without_retry(send_webhook, db):
    response = send_webhook("orders/create", body=b'{"id": 1,,}')

    assert response.status_code == 200
    [event] = rows(db, WebhookEvent)
    assert event.status == WebhookStatus.FAILED
    assert event.error.startswith("PayloadError")
    assert event.next_attempt_at is None
    assert event.body == '{"id": 1,,}'


def test_payload_without_id_is_failed_not_500(send_webhook, db):
    response = send_webhook("orders/create", {"name": "#1"})

    assert response.status_code == 200
    [event] = rows(db, WebhookEvent)
    assert event.status == WebhookStatus.FAILED and "id" in event.error


def test_handler_crash_leaves_event_failed_and_answers_200(send_webhook, payload, db, monkeypatch):
    def explode(**_kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setitem(handlers.TOPIC_HANDLERS, "orders/create", explode)
    response = send_webhook("orders/create", payload("orders_create"))

    assert response.status_code == 200
    assert response.get_json() == {"status": "failed"}
    [event] = rows(db, WebhookEvent)
    assert event.status == WebhookStatus.FAILED
    assert event.error == "RuntimeError: database hiccup"
    assert event.attempts == 1 and event.next_attempt_at is not None
    assert count(db, Order) == 0


def test_partial_handler_work_is_rolled_back_on_failure(send_webhook, payload, db, monkeypatch):
    """A handler that wrote some rows and then raised leaves none of them behind."""
    from app.sync.orders import upsert_order

    def half_done(*, session, shop, payload, event):
        upsert_order(session=session, shop=shop, payload=payload)
        session.flush()
        raise RuntimeError("after the write")

    monkeypatch.setitem(handlers.TOPIC_HANDLERS, "orders/create", half_done)
    send_webhook("orders/create", payload("orders_create"))

    assert count(db, Order) == 0
    assert rows(db, WebhookEvent)[0].status == WebhookStatus.FAILED


def test_every_topic_in_the_app_config_has_a_handler():
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).parents[2] / "shopify.app.toml").read_text())
    subscribed = set()
    for sub in config["webhooks"]["subscriptions"]:
        subscribed.update(sub.get("topics", []))
        subscribed.update(sub.get("compliance_topics", []))
        assert sub["uri"] == "/webhooks/shopify"

    assert subscribed == set(handlers.TOPIC_HANDLERS)
    assert config["webhooks"]["api_version"] == "2026-10"
