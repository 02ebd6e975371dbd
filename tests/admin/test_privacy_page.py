"""The Privacy page shows how long personal data is kept (from the settings) and the
deliveries refused because their signed body named another shop."""

from __future__ import annotations

import pytest

from app import create_app, ext
from app.models import WebhookEvent, WebhookStatus
from app.timeutil import utcnow
from tests.helpers import make_shop

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


@pytest.fixture
def demo_app(settings):
    app = create_app(settings.with_(shopify_api_key="", retention_webhook_days=5, retention_chat_days=30))
    yield app
    ext.engine(app).dispose()


@pytest.fixture
def shop(db):
    return make_shop(db, domain="tsunagu-demo.myshopify.com", name="つなぐ デモストア", is_demo=True)


@pytest.fixture
def page(demo_app, shop):
    def get():
        return demo_app.test_client().get("/privacy", environ_base=LOCAL, headers={"Host": "127.0.0.1:8000"})

    return get


def test_retention_periods_follow_the_settings(shop, page):
    html = page().get_data(as_text=True)
    assert "保存期間" in html
    assert "5日後に" in html and "30日後に" in html


def test_refused_deliveries_are_listed_with_their_reason(db, shop, page):
    db.add(
        WebhookEvent(
            shop_id=shop.id,
            webhook_id="refused-1",
            topic="shop/redact",
            body="{}",
            status=WebhookStatus.REFUSED,
            error="the body names shop 'other.myshopify.com', the header 'test-shop.myshopify.com'",
            received_at=utcnow(),
        )
    )
    db.commit()
    html = page().get_data(as_text=True)
    assert "拒否した Webhook" in html and "shop/redact" in html and "other.myshopify.com" in html
    assert "拒否した Webhook はありません" not in html


def test_each_section_appears_once_and_the_title_stays_plain(shop, page):
    html = page().get_data(as_text=True)
    title = html[html.index("<title>") : html.index("</title>")]
    assert "<section" not in title
    assert html.count('id="retention"') == 1 and html.count('id="refused"') == 1
