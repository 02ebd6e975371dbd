"""Retention: with time moved forward (`run-due --now`), raw bodies, chat texts, dry runs,
searchers and spent link requests are trimmed after their periods, in batches."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app import ext
from app.config import Settings, SettingsError
from app.models import LineDryRun, LineEvent, LinkNonce, SearchLog, WebhookEvent, WebhookStatus
from app.privacy import retention
from app.privacy.periods import retention_summary
from app.shopify import handlers
from app.timeutil import utcnow
from tests.helpers import count, make_shop, rows
from tests.test_config import GOOD
from tests.test_worker import run_due


def trimmed(app, days: float) -> dict:
    return run_due(app, utcnow() + timedelta(days=days))["trim_personal_data"]


def event(db, topic: str) -> WebhookEvent:
    return rows(db, WebhookEvent, WebhookEvent.topic == topic)[0]


def test_handled_bodies_are_summarised_after_seven_days_failed_ones_after_thirty(
    app, db, send_webhook, payload, monkeypatch
):
    make_shop(db)
    send_webhook("orders/create", payload("orders_create"))
    send_webhook("carts/create", payload("carts_create"))
    send_webhook("orders/edited", {"id": 1, "email": "x@example.jp"})  # no handler: ignored
    broken = lambda **_: (_ for _ in ()).throw(RuntimeError("bug"))  # noqa: E731
    monkeypatch.setitem(handlers.TOPIC_HANDLERS, "checkouts/create", broken)  # failing on every retry
    send_webhook("checkouts/create", payload("checkouts_create"))
    assert event(db, "checkouts/create").status == WebhookStatus.FAILED

    assert trimmed(app, 6.9) == {}
    assert "hanako" in event(db, "orders/create").body

    assert trimmed(app, 8) == {"deliveries": 3}
    order = event(db, "orders/create")
    assert order.body_trimmed_at is not None and order.status == WebhookStatus.PROCESSED
    summary = json.loads(order.body)
    assert summary["trimmed"] == "retention" and summary["id"] == 820982911946154508
    assert summary["updated_at"] and summary["bytes"] > 1000 and "email" in summary["keys"]
    assert "hanako" not in order.body and "山田" not in order.body and "渋谷" not in order.body
    assert "hanako" in event(db, "checkouts/create").body  # failed: kept for a retry

    assert trimmed(app, 31) == {"failed_deliveries": 1}
    failed = event(db, "checkouts/create")
    assert "hanako" not in failed.body and failed.next_attempt_at is None and failed.status == WebhookStatus.FAILED


def test_a_trimmed_delivery_retried_by_hand_fails_and_changes_nothing(app, db, send_webhook, payload):
    from app.models import Order

    make_shop(db)
    send_webhook("orders/create", payload("orders_create"))
    trimmed(app, 8)
    db.execute(Order.__table__.delete())  # the merchant deleted it meanwhile; a retry must not bring it back
    row = event(db, "orders/create")
    row.status, row.next_attempt_at = WebhookStatus.FAILED, utcnow()  # the admin's "retry"
    db.add(row)
    db.commit()

    run_due(app, utcnow() + timedelta(days=8))

    row = event(db, "orders/create")
    assert row.status == WebhookStatus.FAILED and "trimmed" in row.error
    assert count(db, Order) == 0


def test_trimming_runs_in_batches_and_goes_on_next_time(app, db, send_webhook, payload, monkeypatch):
    make_shop(db)
    for n in range(7):
        send_webhook("orders/create", {**payload("orders_create"), "id": n + 1, "name": f"#{n}"})
    monkeypatch.setattr(retention, "BATCH", 2)
    monkeypatch.setattr(retention, "MAX_BATCHES", 2)

    assert trimmed(app, 8) == {"deliveries": 4}
    assert trimmed(app, 8) == {"deliveries": 3}
    assert trimmed(app, 8) == {}
    assert count(db, WebhookEvent, WebhookEvent.body_trimmed_at.is_(None)) == 0


def test_the_periods_are_settings(app, db, send_webhook, payload):
    make_shop(db)
    send_webhook("orders/create", payload("orders_create"))
    assert trimmed(app, 2) == {}
    ext.use_settings(app, ext.settings(app).with_(retention_webhook_days=1))
    assert trimmed(app, 2) == {"deliveries": 1}


def test_chat_texts_dry_runs_searchers_and_spent_nonces_go_after_their_periods(app, db, chat, fake_line, user, shop):
    chat(fake_line.follow_event(user))
    chat(fake_line.text_event(user, "玄米のおすすめ"))
    db.add(LineDryRun(shop_id=shop.id, kind="push", path="/v2/bot/message/push", body={"to": user}))
    db.add(
        LinkNonce(
            shop_id=shop.id,
            kind="login",
            nonce="n" * 32,
            customer_shopify_id=1,
            expires_at=utcnow() + timedelta(minutes=10),
        )
    )
    db.commit()
    [search] = rows(db, SearchLog)
    assert search.friend_id is not None and search.shown == "玄米のおすすめ"

    assert trimmed(app, 89) == {"link_requests": 1}
    assert trimmed(app, 91) == {"chat": 2, "dry_runs": 1, "searches": 1}

    message = rows(db, LineEvent, LineEvent.type == "message")[0]
    assert "玄米" not in json.dumps(message.body, ensure_ascii=False)
    assert "replyToken" not in message.body and user not in json.dumps(message.body)
    assert message.body["message"]["type"] == "text" and message.line_user_id == user
    assert count(db, LineDryRun) == 0
    [search] = rows(db, SearchLog)
    assert search.friend_id is None and search.results == 0  # an anonymous count now


def test_a_received_but_unhandled_chat_event_is_not_trimmed(app, db, shop, channel, user):
    db.add(
        LineEvent(
            shop_id=shop.id,
            channel_id=channel.id,
            webhook_event_id="01PENDING",
            type="message",
            line_user_id=user,
            body={"message": {"type": "text", "text": "まだ"}},
            received_at=utcnow() - timedelta(days=200),
        )
    )
    db.commit()
    retention.trim_expired(
        engine=ext.engine(app),
        now=utcnow(),
        periods=retention.Periods.from_settings(ext.settings(app)),
    )
    assert rows(db, LineEvent)[0].body["message"]["text"] == "まだ"


def test_retention_summary_for_the_privacy_page(app, db):
    shop = make_shop(db, locale="en")
    settings = ext.settings(app).with_(retention_webhook_days=5)

    summary = retention_summary(shop=shop, settings=settings)

    assert [(r.key, r.days) for r in summary] == [
        ("deliveries", 5),
        ("failed_deliveries", 30),
        ("chat", 90),
        ("link_requests", 1),
    ]
    assert summary[0].then.startswith("After 5 days")
    shop.locale = "ja"
    assert "5日後" in retention_summary(shop=shop, settings=settings)[0].then


def test_retention_settings_come_from_the_environment():
    settings = Settings.from_env({**GOOD, "RETENTION_WEBHOOK_DAYS": "3", "RETENTION_CHAT_DAYS": "30"})
    assert (settings.retention_webhook_days, settings.retention_failed_webhook_days) == (3, 30)
    assert settings.retention_chat_days == 30
    for bad in ("0", "-1", "seven", "9999"):
        with pytest.raises(SettingsError, match="RETENTION_CHAT_DAYS"):
            Settings.from_env({**GOOD, "RETENTION_CHAT_DAYS": bad})
