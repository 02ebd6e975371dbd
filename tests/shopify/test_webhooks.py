"""POST /webhooks/shopify: verification, recording, dedupe, dispatch and failure handling."""

from __future__ import annotations

import json
import threading

import pytest

from app import ext
from app.models import Order, OrderLineItem, WebhookEvent, WebhookStatus
from app.shopify import handlers
from tests.conftest import CLIENT_SECRET, run_worker, sign
from tests.helpers import count, rows


def test_valid_webhook_is_recorded_then_processed_by_the_worker(send_webhook, payload, db, app):
    response = send_webhook("orders/create", payload("orders_create"), webhook_id="wh-1", process=False)

    assert response.status_code == 200
    assert response.get_json() == {"status": "received"}
    [event] = rows(db, WebhookEvent)
    assert event.status == WebhookStatus.RECEIVED and event.next_attempt_at is not None
    assert count(db, Order) == 0  # nothing is processed in the request

    assert run_worker(app) == {"processed": 1}
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
    response = client.post(
        "/webhooks/shopify",
        data=body,
        headers={
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": signature,
            "X-Shopify-Shop-Domain": "test-shop.myshopify.com",
            "X-Shopify-Webhook-Id": "wh-bad",
        },
    )

    assert response.status_code == 401
    assert response.get_json() == {"error": "shopify.webhook.invalid-hmac"}
    assert count(db, WebhookEvent) == 0 and count(db, Order) == 0


def test_missing_hmac_gets_401_and_stores_nothing(send_webhook, payload, db):
    response = send_webhook("orders/create", payload("orders_create"), headers={"X-Shopify-Hmac-Sha256": None})

    assert response.status_code == 401
    assert response.get_json() == {"error": "shopify.webhook.missing-hmac"}
    assert count(db, WebhookEvent) == 0


def test_old_secret_is_accepted_during_rotation(app, payload, db):
    rotated = ext.settings(app).with_(shopify_api_secret="new-secret", shopify_api_secret_old=CLIENT_SECRET)
    ext.use_settings(app, rotated)
    body = json.dumps(payload("orders_create")).encode()
    headers = {
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": "test-shop.myshopify.com",
        "X-Shopify-Webhook-Id": "wh-rot",
    }
    client = app.test_client()

    old = client.post("/webhooks/shopify", data=body, headers={**headers, "X-Shopify-Hmac-Sha256": sign(body)})
    new = client.post(
        "/webhooks/shopify",
        data=body,
        headers={**headers, "X-Shopify-Webhook-Id": "wh-rot-2", "X-Shopify-Hmac-Sha256": sign(body, "new-secret")},
    )

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

    assert first.get_json() == {"status": "received"}
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
    response = send_webhook("locations/update", {"id": 1})  # a topic the app does not handle

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


def test_one_bad_event_does_not_stop_the_others(send_webhook, payload, db, app):
    send_webhook("orders/create", body=b"not json", process=False)
    send_webhook("orders/create", payload("orders_create"), process=False)
    send_webhook("customers/create", payload("customers_create"), process=False)

    assert run_worker(app) == {"failed": 1, "processed": 2}
    assert count(db, Order) == 1


def test_shop_recreated_after_redact_is_found_again(send_webhook, payload, db, app):
    """The intake caches shop ids per process; a shop/redact elsewhere must not break it."""
    send_webhook("customers/create", payload("customers_create"))
    send_webhook("shop/redact", payload("shop_redact"))
    response = send_webhook("orders/create", payload("orders_create"))

    assert response.status_code == 200
    assert count(db, Order) == 1


def test_a_crash_mid_handler_loses_nothing(send_webhook, payload, db, app, monkeypatch):
    """The worker dies inside a handler: that event's transaction is rolled back, it stays
    due, and the next run processes it once."""
    from app.sync import orders as sync_orders

    send_webhook("orders/create", payload("orders_create"), process=False)
    real = sync_orders._replace_line_items

    def die(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(sync_orders, "_replace_line_items", die)
    with pytest.raises(SystemExit):
        run_worker(app)
    [event] = rows(db, WebhookEvent)
    assert event.status == WebhookStatus.RECEIVED and event.attempts == 0
    assert count(db, Order) == 0

    monkeypatch.setattr(sync_orders, "_replace_line_items", real)
    assert run_worker(app) == {"processed": 1}
    assert count(db, Order) == 1 and count(db, OrderLineItem) == 2


def test_shop_redact_in_a_batch_leaves_other_shops_events_alone(send_webhook, payload, db, app):
    other = "other-shop.myshopify.com"
    send_webhook("customers/create", payload("customers_create"), shop=other)
    send_webhook("orders/create", payload("orders_create"), process=False)
    send_webhook("shop/redact", {"shop_domain": other}, shop=other, process=False)
    send_webhook("products/create", payload("products_create"), process=False)

    assert run_worker(app) == {"processed": 3}
    assert {e.topic: e.status for e in rows(db, WebhookEvent)} == {
        "orders/create": "processed",
        "products/create": "processed",
    }
    assert count(db, Order) == 1


def test_the_intake_keeps_its_connection_and_gets_a_new_one_when_it_was_lost(send_webhook, payload, db, app):
    """Each web thread keeps one autocommit connection between deliveries; when the database
    dropped it (a restart), the next delivery is still recorded, once, on a new connection."""
    from app.shopify.intake import HeldConnection

    held = ext.cache(HeldConnection, app)
    assert send_webhook("orders/create", payload("orders_create"), webhook_id="wh-1", process=False).status_code == 200
    first = held.conn
    assert send_webhook("orders/create", payload("orders_create"), webhook_id="wh-2", process=False).status_code == 200
    assert held.conn is first and not first.closed

    raw = first.connection.dbapi_connection
    if first.dialect.name == "postgresql":
        with ext.engine(app).connect() as other:
            other.exec_driver_sql(f"SELECT pg_terminate_backend({raw.info.backend_pid})")
    else:
        raw.close()
    response = send_webhook("orders/create", payload("orders_create"), webhook_id="wh-3", process=False)

    assert response.status_code == 200 and response.get_json() == {"status": "received"}
    assert held.conn is not first
    assert sorted(e.webhook_id for e in rows(db, WebhookEvent)) == ["wh-1", "wh-2", "wh-3"]

    # A threaded server's request thread checks one out per delivery and gives it back.
    pool, kept = ext.engine(app).pool, held.conn
    out_before = pool.checkedout()
    answers = []
    thread = threading.Thread(
        target=lambda: answers.append(send_webhook("orders/create", payload("orders_create"), process=False))
    )
    thread.start()
    thread.join()
    assert answers[0].status_code == 200 and held.conn is kept and pool.checkedout() == out_before
    assert count(db, WebhookEvent) == 4
