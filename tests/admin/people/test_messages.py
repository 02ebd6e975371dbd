"""Messages: the log filtered by flow, status and dates in keyset pages, reasons in the
merchant's words; cancel a scheduled message, retry a failed one (same retry key), retry
a failed webhook; other shops' rows are out of reach; bad input is refused per field."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app import ext
from app.models import Notification, WebhookEvent
from app.timeutil import utcnow
from tests.helpers import make_shop, rows
from tests.plugins.people import (
    conforms,
    notification,
)

JST = timezone(timedelta(hours=9))


@pytest.fixture
def shop(db):
    return make_shop(db, timezone="Asia/Tokyo")


def listed(api, **query) -> dict:
    response = api("GET", "/api/messages", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    conforms("/api/messages", "get", 200, response.get_json())
    return response.get_json()


def test_filters_by_flow_status_and_days_in_the_shops_time_zone(api, db, shop):
    late_on_the_1st = datetime(2026, 3, 1, 23, 30, tzinfo=JST)  # 14:30 UTC: still the 1st in Tokyo
    early_on_the_2nd = datetime(2026, 3, 2, 0, 30, tzinfo=JST)
    a = notification(db, shop, flow="order_confirmation", status="sent", created=late_on_the_1st)
    b = notification(
        db, shop, flow="abandoned_checkout", status="skipped", reason="quiet_hours", created=early_on_the_2nd
    )
    c = notification(
        db,
        shop,
        flow="abandoned_checkout",
        status="failed",
        last_error="LINE 400: Invalid reply token",
        created=early_on_the_2nd + timedelta(hours=1),
    )

    def ids(body):
        return [m["id"] for m in body["messages"]]

    assert ids(listed(api)) == [str(c.id), str(b.id), str(a.id)]
    assert ids(listed(api, flow="abandoned_checkout")) == [str(c.id), str(b.id)]
    assert ids(listed(api, status="failed")) == [str(c.id)]
    assert ids(listed(api, **{"from": "2026-03-01", "to": "2026-03-01"})) == [str(a.id)]
    assert ids(listed(api, **{"from": "2026-03-02"})) == [str(c.id), str(b.id)]
    assert ids(listed(api, flow="abandoned_checkout", status="skipped", to="2026-03-02")) == [str(b.id)]


def test_reasons_read_in_the_merchants_words_in_japanese_and_english(api, db, shop):
    notification(db, shop, status="skipped", reason="cap_per_day")
    notification(db, shop, status="failed", last_error="LINE 400: The property, 'to', in the request body is invalid")
    notification(db, shop, status="cancelled", reason="ordered")

    labels = {m["status"]: (m["status_label"], m["reason_label"]) for m in listed(api)["messages"]}
    assert labels == {
        "skipped": ("見送り", "1日の配信上限に達したため"),
        "failed": ("失敗", "LINE のエラー：LINE 400: The property, 'to', in the request body is invalid"),
        "cancelled": ("取消", "お客様がすでに注文したため"),
    }
    shop.locale = "en"
    db.add(shop)
    db.commit()
    english = {m["status"]: m["reason_label"] for m in listed(api)["messages"]}
    assert english["skipped"] == "The daily cap for this friend was reached"


def test_keyset_pages_walk_every_row_once_even_with_equal_times(api, db, shop):
    same = utcnow() - timedelta(days=1)
    made = [notification(db, shop, created=same if n % 3 == 0 else same - timedelta(minutes=n)) for n in range(120)]
    seen, cursor, pages = [], None, 0
    while True:
        body = listed(api, **({"cursor": cursor} if cursor else {}))
        assert len(body["messages"]) <= 50
        seen += [m["id"] for m in body["messages"]]
        pages, cursor = pages + 1, body["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and sorted(seen) == sorted(str(m.id) for m in made) and len(set(seen)) == 120


def test_cancel_a_scheduled_message_and_only_a_scheduled_one(api, db, shop):
    waiting = notification(db, shop, status="scheduled", due_at=utcnow() + timedelta(hours=1), marketing=True)
    sent = notification(db, shop, status="sent")

    response = api("POST", f"/api/messages/{waiting.id}/cancel")

    assert response.status_code == 200
    conforms("/api/messages/{notification_id}/cancel", "post", 200, response.get_json())
    assert response.get_json()["message"]["reason_label"] == "管理画面で取り消しました"
    [row] = rows(db, Notification, Notification.id == waiting.id)
    assert (row.status, row.reason) == ("cancelled", "merchant_cancelled")
    again = api("POST", f"/api/messages/{sent.id}/cancel")
    assert again.status_code == 409 and rows(db, Notification, Notification.id == sent.id)[0].status == "sent"


def test_retry_a_failed_message_now_with_the_same_retry_key(api, db, shop):
    failed = notification(
        db, shop, status="failed", attempts=5, last_error="LINE 500", due_at=utcnow() - timedelta(days=1)
    )
    before = utcnow()

    response = api("POST", f"/api/messages/{failed.id}/retry")

    assert response.status_code == 200
    conforms("/api/messages/{notification_id}/retry", "post", 200, response.get_json())
    [row] = rows(db, Notification, Notification.id == failed.id)
    assert (row.status, row.attempts, row.id) == ("scheduled", 0, failed.id)  # the id is LINE's retry key
    assert before - timedelta(seconds=1) <= row.due_at <= utcnow()
    assert api("POST", f"/api/messages/{failed.id}/retry").status_code == 409  # no longer failed


def test_retry_a_failed_webhook_makes_it_due_now(api, db, shop):
    event = WebhookEvent(
        shop_id=shop.id,
        webhook_id="w1",
        topic="orders/create",
        status="failed",
        attempts=5,
        error="RuntimeError: boom",
        body="{}",
    )
    done = WebhookEvent(shop_id=shop.id, webhook_id="w2", topic="orders/create", status="processed", body="{}")
    db.add_all([event, done])
    db.commit()

    response = api("POST", f"/api/webhook-events/{event.id}/retry")

    assert response.status_code == 200
    conforms("/api/webhook-events/{event_id}/retry", "post", 200, response.get_json())
    [row] = rows(db, WebhookEvent, WebhookEvent.id == event.id)
    assert row.status == "failed" and row.next_attempt_at is not None and row.next_attempt_at <= utcnow()
    assert api("POST", f"/api/webhook-events/{done.id}/retry").status_code == 409


def test_another_shops_messages_and_webhooks_are_out_of_reach(api, db, shop):
    other = make_shop(db, domain="other-shop.myshopify.com")
    theirs = notification(db, other, status="scheduled")
    their_failure = notification(db, other, status="failed")
    event = WebhookEvent(shop_id=other.id, webhook_id="w", topic="orders/create", status="failed", body="{}")
    db.add(event)
    db.commit()

    assert listed(api)["messages"] == []
    for path in (
        f"/api/messages/{theirs.id}/cancel",
        f"/api/messages/{their_failure.id}/retry",
        f"/api/webhook-events/{event.id}/retry",
        "/api/messages/not-a-uuid/cancel",
        "/api/messages/00000000-0000-0000-0000-000000000000/retry",
        "/api/webhook-events/99999999/retry",
    ):
        response = api("POST", path)
        assert response.status_code == 404 and response.is_json, path
    assert sorted(r.status for r in rows(db, Notification)) == ["failed", "scheduled"]
    assert rows(db, WebhookEvent)[0].next_attempt_at is None


@pytest.mark.parametrize(
    "query,fields",
    [
        ({"status": "lost"}, {"status"}),
        ({"flow": "newsletter"}, {"flow"}),
        ({"from": "2026-13-01"}, {"from"}),
        ({"to": "yesterday"}, {"to"}),
        ({"from": "2026-03-02", "to": "2026-03-01"}, {"to"}),
        ({"cursor": "!!"}, {"cursor"}),
        ({"status": "x", "flow": "y"}, {"status", "flow"}),
    ],
)
def test_bad_filters_are_refused_field_by_field(api, shop, query, fields):
    response = api("GET", "/api/messages", query_string=query)
    assert response.status_code == 422 and set(response.get_json()["errors"]) == fields


def test_actions_take_json_bodies_only(api, db, shop):
    waiting = notification(db, shop, status="scheduled")
    response = api(
        "POST", f"/api/messages/{waiting.id}/cancel", data="x=1", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415 and response.is_json
    assert rows(db, Notification)[0].status == "scheduled"


LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


@pytest.fixture
def demo_client(settings):
    from app import create_app

    app = create_app(settings.with_(shopify_api_key=""))
    yield app.test_client()
    ext.engine(app).dispose()


def test_messages_page_renders_the_first_page_and_failed_webhooks_without_js(demo_client, db):
    demo = make_shop(db, domain="tsunagu-demo.myshopify.com", is_demo=True, timezone="Asia/Tokyo")
    notification(db, demo, flow="abandoned_cart", status="skipped", reason="opted_out")
    notification(db, demo, flow="order_confirmation", status="failed", last_error="LINE 400: bad")
    db.add(
        WebhookEvent(
            shop_id=demo.id, webhook_id="w", topic="orders/paid", status="failed", error="KeyError: x", body="{}"
        )
    )
    db.commit()

    page = demo_client.get("/messages", environ_base=LOCAL, headers={"Host": "localhost"}).get_data(as_text=True)
    filtered = demo_client.get(
        "/messages?status=failed&from=nope", environ_base=LOCAL, headers={"Host": "localhost"}
    ).get_data(as_text=True)

    assert "お客様が配信停止しているため" in page and "LINE のエラー：LINE 400: bad" in page
    assert "orders/paid" in page and "KeyError: x" in page and 'data-action="retry-webhook"' in page
    assert '<label for="flow">' in page and '<label for="from">' in page
    assert "LINE 400: bad" in filtered and "お客様が配信停止しているため" not in filtered
    assert "日付は YYYY-MM-DD の形で入力してください。" in filtered  # the bad date, explained beside its field
