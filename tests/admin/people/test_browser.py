"""Customers and Messages in a real browser (demo store): filter the message log and act
on a row without reloading; link a customer to a LINE friend by hand and unlink them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select

from app.models import Customer, LineFriend, Notification, Shop, WebhookEvent
from app.timeutil import utcnow
from tests.plugins.browser import SHOTS

pytestmark = pytest.mark.browser

OUTCOMES = [
    ("order_confirmation", "sent", None, None),
    ("shipping_update", "sent", None, None),
    ("abandoned_checkout", "skipped", "opted_out", None),
    ("repurchase", "scheduled", "quiet_hours", None),
    ("abandoned_cart", "cancelled", "ordered", None),
    ("order_confirmation", "failed", None, "LINE 400: The property, 'to', in the request body is invalid"),
    ("abandoned_checkout", "scheduled", None, None),
    ("repurchase", "skipped", "cap_per_day", None),
]


def _messages(settings) -> dict:
    """The demo seeds no sends; give its linked customers a history like a week of flows."""
    engine = create_engine(settings.database_url)
    with Session(engine) as s:
        shop = s.exec(select(Shop).where(Shop.is_demo.is_(True))).one()
        linked = s.exec(
            select(LineFriend)
            .where(LineFriend.shop_id == shop.id, LineFriend.customer_id.is_not(None))
            .order_by(LineFriend.id)
            .limit(len(OUTCOMES) * 2)
        ).all()
        now = utcnow()
        for n, friend in enumerate(linked):
            flow, status, reason, error = OUTCOMES[n % len(OUTCOMES)]
            created = now - timedelta(hours=5 * n + 1)
            s.add(
                Notification(
                    shop_id=shop.id,
                    friend_id=friend.id,
                    customer_id=friend.customer_id,
                    flow=flow,
                    status=status,
                    reason=reason,
                    last_error=error,
                    dedupe_key=f"demo:{n}",
                    marketing=flow not in ("order_confirmation", "shipping_update"),
                    created_at=created,
                    due_at=created + timedelta(hours=1 if status == "scheduled" else 0),
                    sent_at=created if status == "sent" else None,
                    attempts=5 if error else 0,
                )
            )
        s.add(
            WebhookEvent(
                shop_id=shop.id,
                webhook_id="demo-failed",
                topic="orders/updated",
                status="failed",
                attempts=5,
                error="KeyError: 'line_items'",
                body="{}",
            )
        )
        unlinked_customer = s.exec(
            select(Customer)
            .where(
                Customer.shop_id == shop.id,
                ~Customer.id.in_(select(LineFriend.customer_id).where(LineFriend.customer_id.is_not(None))),
            )
            .order_by(Customer.id)
        ).first()
        free_friend = s.exec(
            select(LineFriend)
            .where(LineFriend.shop_id == shop.id, LineFriend.customer_id.is_(None), LineFriend.is_blocked.is_(False))
            .order_by(LineFriend.id)
        ).first()
        s.commit()
        failed = len(
            s.exec(
                select(Notification.id).where(Notification.shop_id == shop.id, Notification.status == "failed")
            ).all()
        )
        found = {
            "customer": unlinked_customer.last_name,
            "customer_id": unlinked_customer.id,
            "friend": free_friend.display_name,
            "failed": failed,
        }
    engine.dispose()
    return found


def test_filter_the_message_log_and_retry_a_failed_message(demo_server, page, settings):
    failed = min(50, _messages(settings)["failed"])  # the demo's own history, and ours
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(demo_server.url + "/messages")
    everything = page.locator("#message-rows tr").count()
    assert 16 <= everything <= 50

    page.get_by_label("状態").select_option("failed")
    page.wait_for_function(f"document.querySelectorAll('#message-rows tr').length === {failed}")
    assert page.locator("#message-rows .badge").all_inner_texts() == ["失敗"] * failed
    assert "LINE のエラー：LINE 400" in page.locator("#message-rows").inner_text()
    assert "status=failed" in page.url  # the filter survives a reload

    page.locator("#message-rows tr").first.get_by_role("button", name="再送する").click()
    page.locator("#message-rows tr.is-updated .badge", has_text="予定").wait_for()
    assert "再送を予定しました" in page.locator("#message-status").inner_text()
    page.screenshot(path=str(SHOTS / "admin-messages-filtered.png"), full_page=True)

    page.get_by_label("状態").select_option("")
    page.wait_for_function(f"document.querySelectorAll('#message-rows tr').length === {everything}")
    page.get_by_role("button", name="再試行").click()
    page.get_by_text("再試行を予定しました。").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SHOTS / "admin-messages.png"), full_page=True)


def test_search_a_customer_then_link_and_unlink_a_friend_by_hand(demo_server, page, settings):
    found = _messages(settings)
    page.goto(demo_server.url + "/customers")
    assert page.locator("#customer-rows tr").count() == 50
    page.screenshot(path=str(SHOTS / "admin-customers.png"), full_page=True)

    page.get_by_label("名前・メール・電話番号・LINE の表示名で検索").fill(found["customer"])
    page.wait_for_function("[...document.querySelectorAll('#customer-rows tr')].length < 50")
    row = page.locator(f'#customer-rows tr[data-customer-id="{found["customer_id"]}"]')
    assert "未連携" in row.inner_text()
    row.get_by_role("link").click()
    page.wait_for_url(f"**/customers/{found['customer_id']}")

    page.get_by_label("未連携の友だちを表示名で検索").fill(found["friend"])
    page.keyboard.press("Enter")
    page.get_by_role("button", name=f"連携する: {found['friend']}").first.click()
    page.locator("#link-summary", has_text=f"「{found['friend']}」と連携しています").wait_for()
    assert "連携しました" in page.locator("#link-message").inner_text()
    page.screenshot(path=str(SHOTS / "admin-customers-linked.png"), full_page=True)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="連携を解除").click()
    page.locator("#link-unlinked").wait_for(state="visible")
    assert "連携を解除しました" in page.locator("#link-message").inner_text()
    page.reload()  # and it stuck
    assert page.locator("#link-unlinked").is_visible() and page.locator("#link-linked").is_hidden()
