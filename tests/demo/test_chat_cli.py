"""`flask chat`: a signed text event through the real webhook, the dry-run reply printed."""

from __future__ import annotations

from app import ext
from app.models import LineDryRun, LineEvent
from tests.helpers import count


def test_chat_cli_answers_like_the_bot(settings, db):
    from app import create_app

    app = create_app(settings.with_(shopify_api_key=""))  # the demo: no Shopify, dry run
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    seeded = count(db, LineDryRun)  # the demo's rich menus are published in dry run

    order = runner.invoke(args=["chat", "注文"])
    resume = runner.invoke(args=["chat", "配信再開"])
    stop = runner.invoke(args=["chat", "配信停止"])

    assert order.exit_code == 0, order.output
    assert "ご注文 #" in order.output and "¥" in order.output
    assert "配信を再開しました" in resume.output and "配信を停止しました" in stop.output
    assert count(db, LineEvent) == 3 and count(db, LineDryRun) - seeded == 3  # recorded, and nothing sent
    ext.engine(app).dispose()


def test_chat_cli_without_a_demo_store_says_what_to_do(settings):
    from app import create_app

    app = create_app(settings.with_(shopify_api_key=""))
    result = app.test_cli_runner().invoke(args=["chat", "注文"])

    assert result.exit_code != 0 and "flask --app wsgi demo" in result.output
