"""Embedded admin pages: the demo is loopback-only; pages render; data stays in its shop."""

from __future__ import annotations

import pytest

from app import create_app, ext
from app.models import ComplianceRequest
from tests.helpers import make_shop

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}
PAGES = [
    "/",
    "/flows",
    "/customers",
    "/messages",
    "/audiences",
    "/campaigns",
    "/sequences",
    "/rich-menus",
    "/sources",
    "/keywords",
    "/simulator",
    "/settings",
    "/privacy",
]


@pytest.fixture
def demo_app(settings):
    app = create_app(settings.with_(shopify_api_key=""))
    yield app
    ext.engine(app).dispose()


@pytest.fixture
def demo_shop(db):
    return make_shop(db, domain="tsunagu-demo.myshopify.com", name="つなぐ デモストア", is_demo=True)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_in_the_demo_with_the_nav(demo_app, demo_shop, path):
    response = demo_app.test_client().get(path, environ_base=LOCAL, headers={"Host": "127.0.0.1:8000"})

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for href in PAGES:
        assert f'href="{href}"' in page
    assert "app-bridge.js" not in page  # App Bridge would bounce a non-embedded page to the admin
    assert "デモストア" in page


def test_home_checklist_reflects_the_store(demo_app, demo_shop, send_webhook, payload):
    page = demo_app.test_client().get("/", environ_base=LOCAL, headers={"Host": "localhost"}).get_data(as_text=True)

    assert "ストアの接続" in page and "つなぐ デモストア に接続済み" in page
    assert "LINE 公式アカウントの接続" in page and "未接続です" in page
    assert "まだ商品が同期されていません" in page


def test_failed_webhooks_are_listed_on_home(demo_app, demo_shop, db):
    from app.models import WebhookEvent

    db.add(
        WebhookEvent(
            shop_id=demo_shop.id,
            webhook_id="w",
            topic="orders/create",
            status="failed",
            attempts=2,
            error="RuntimeError: boom",
            body="{}",
        )
    )
    db.commit()
    page = demo_app.test_client().get("/", environ_base=LOCAL, headers={"Host": "localhost"}).get_data(as_text=True)

    assert "orders/create" in page and "RuntimeError: boom" in page


@pytest.mark.parametrize("environ,host", [({"REMOTE_ADDR": "192.168.1.20"}, "127.0.0.1"), (LOCAL, "evil.example.com")])
def test_demo_admin_refuses_anything_but_loopback(demo_app, demo_shop, environ, host):
    response = demo_app.test_client().get("/", environ_base=environ, headers={"Host": host})
    assert response.status_code == 403


def test_demo_without_a_demo_store_explains_how_to_make_one(demo_app):
    response = demo_app.test_client().get("/", environ_base=LOCAL, headers={"Host": "localhost"})

    assert response.status_code == 503
    assert "flask --app wsgi demo" in response.get_data(as_text=True)


def test_english_shop_gets_english_pages(demo_app, db):
    make_shop(db, domain="tsunagu-demo.myshopify.com", name="Demo", is_demo=True, locale="en-US")
    page = demo_app.test_client().get("/", environ_base=LOCAL, headers={"Host": "localhost"}).get_data(as_text=True)

    assert "Get started" in page and "Store connected" in page and 'lang="en"' in page


def test_privacy_export_downloads_only_within_the_shop(demo_app, demo_shop, db):
    other = make_shop(db, domain="other-shop.myshopify.com")
    mine = ComplianceRequest(
        shop_id=demo_shop.id,
        topic="customers/data_request",
        customer_shopify_id=5,
        export={"customer": {"email": "a@example.jp"}},
    )
    theirs = ComplianceRequest(
        shop_id=other.id,
        topic="customers/data_request",
        customer_shopify_id=6,
        export={"customer": {"email": "b@example.jp"}},
    )
    db.add_all([mine, theirs])
    db.commit()
    client = demo_app.test_client()

    own = client.get(f"/privacy/requests/{mine.id}.json", environ_base=LOCAL, headers={"Host": "localhost"})
    foreign = client.get(f"/privacy/requests/{theirs.id}.json", environ_base=LOCAL, headers={"Host": "localhost"})
    listing = client.get("/privacy", environ_base=LOCAL, headers={"Host": "localhost"}).get_data(as_text=True)

    assert own.status_code == 200 and own.get_json() == {"customer": {"email": "a@example.jp"}}
    assert "attachment" in own.headers["Content-Disposition"]
    assert foreign.status_code == 404
    assert "データ開示" in listing and f"/privacy/requests/{theirs.id}.json" not in listing


def test_embedded_pages_require_a_session_token(client):
    assert client.get("/flows").status_code == 302  # to the patch-id-token page, never the content
