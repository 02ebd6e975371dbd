"""`flask simulate`: signed sample webhooks for a demo customer through the real route;
`flask run-due` then prints what LINE would receive (the demo runs dry)."""

from __future__ import annotations

import json
from datetime import timedelta

from app import ext
from app.models import LineDryRun, Notification, WebhookEvent
from app.timeutil import utcnow
from tests.helpers import count, rows


def _json(output: str) -> dict:
    return json.loads(output[output.index("{") :])


def test_abandon_order_ship_deliver_in_the_demo(settings, db):
    from app import create_app

    app = create_app(settings.with_(shopify_api_key=""))  # the demo: no Shopify, dry run
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0

    abandoned = runner.invoke(args=["simulate", "abandon-checkout"])
    assert abandoned.exit_code == 0, abandoned.output
    assert [n["flow"] for n in _json(abandoned.output)["notifications"]] == ["abandoned_checkout"] * 2
    assert count(db, WebhookEvent, WebhookEvent.topic == "checkouts/create") == 1  # through the route

    ordered = _json(runner.invoke(args=["simulate", "order"]).output)
    flows = {n["flow"]: n for n in ordered["notifications"]}
    assert flows["abandoned_checkout"]["status"] == "cancelled" and flows["order_confirmation"]["status"] == "scheduled"

    assert runner.invoke(args=["simulate", "ship"]).exit_code == 0
    assert runner.invoke(args=["simulate", "deliver"]).exit_code == 0
    later = (utcnow() + timedelta(minutes=5)).isoformat()
    sent = runner.invoke(args=["run-due", "--now", later])

    assert sent.exit_code == 0, sent.output
    assert "ご注文ありがとうございます" in sent.output and "を発送しました" in sent.output
    assert "をお届けしました" in sent.output and "お買い物カゴ" not in sent.output
    pushes = rows(db, LineDryRun, LineDryRun.kind == "push")
    assert len(pushes) == 3 and len({p.retry_key for p in pushes}) == 3
    db.expire_all()
    assert {n.status for n in rows(db, Notification, Notification.flow == "shipping_update")} == {"sent"}
    ext.engine(app).dispose()


def test_simulate_ship_without_an_order_says_what_to_do(settings):
    from app import create_app

    app = create_app(settings.with_(shopify_api_key=""))
    runner = app.test_cli_runner()
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["simulate", "ship", "--customer", "nobody-matches-this"])
    assert result.exit_code != 0 and "no linked demo customer" in result.output
    ext.engine(app).dispose()
