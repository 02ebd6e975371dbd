"""Shared fixtures: the app on a migrated database, its settings, a fake Shopify over HTTP,
the test shop, signed webhooks and the worker's webhook step.

The database (`db_url`) comes from tests/plugins/databases.py: every database test runs on
SQLite and, when TEST_DATABASE_URL is set, again on PostgreSQL (the test id says which).
The fixtures of each area (LINE, flows, tracking, search, people, browser) come from the
other plugins listed below, so a test anywhere asks for them by name and imports none.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import uuid

import pytest
from cryptography.fernet import Fernet
from sqlmodel import Session

from app import create_app, ext
from app.config import Settings
from tests.fakes.line_richmenus import DATA_PREFIX
from tests.fakes.server import LiveServer
from tests.fakes.shopify import FakeShopify
from tests.helpers import make_shop

pytest_plugins = [
    "tests.plugins.environment",
    "tests.plugins.databases",
    "tests.plugins.line",
    "tests.plugins.flows",
    "tests.plugins.tracking",
    "tests.plugins.search",
    "tests.plugins.people",
    "tests.plugins.browser",
    "tests.plugins.campaigns",
    "tests.plugins.sequences",
]

CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret-0123456789abcdef"
SHOP_DOMAIN = "test-shop.myshopify.com"


@pytest.fixture
def fake_shopify():
    fake = FakeShopify(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    with LiveServer(fake) as server:
        fake.url = server.url
        yield fake


@pytest.fixture
def settings(request, db_url, fake_shopify) -> Settings:
    """Test settings. LINE is the fake LINE when the test uses it (`fake_line` among its
    fixtures, directly or through `channel`, `chat`...), else a closed port: never the internet."""
    settings = Settings(
        env="test",
        database_url=db_url,
        secret_key="s" * 40,
        encryption_keys=(Fernet.generate_key().decode(),),
        app_url="https://tsunagu.test",
        shopify_api_key=CLIENT_ID,
        shopify_api_secret=CLIENT_SECRET,
        shopify_api_base=f"{fake_shopify.url}/{{shop}}",
        line_api_base="http://127.0.0.1:9",
        line_data_api_base="http://127.0.0.1:9",
    )
    if "fake_line" in request.fixturenames:
        fake_line = request.getfixturevalue("fake_line")
        settings = settings.with_(line_api_base=fake_line.url, line_data_api_base=fake_line.url + DATA_PREFIX)
    return settings


@pytest.fixture
def app(settings):
    application = create_app(settings)
    yield application
    ext.engine(application).dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """A session on the app's database, for arranging and asserting."""
    with Session(ext.engine(app), expire_on_commit=False) as session:
        yield session


@pytest.fixture
def shop(db):
    """The test shop (test-shop.myshopify.com), installed."""
    return make_shop(db)


def sign(body: bytes, secret: str = CLIENT_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def run_worker(app) -> dict:
    """What the worker's process_webhooks job does every second."""
    from app.shopify.processing import process_due_events
    from app.timeutil import utcnow

    with app.app_context():
        return process_due_events(engine=ext.engine(app), now=utcnow())


@pytest.fixture
def send_webhook(client, app):
    """POST a signed webhook the way Shopify does, then let the worker run (unless
    process=False); returns the HTTP response."""

    def send(
        topic: str,
        payload=None,
        *,
        webhook_id: str | None = None,
        shop: str = SHOP_DOMAIN,
        secret: str = CLIENT_SECRET,
        body: bytes | None = None,
        headers: dict | None = None,
        triggered_at: str = "2026-11-25T01:00:00.000Z",
        process: bool = True,
    ):
        raw = body if body is not None else json.dumps(payload, ensure_ascii=False).encode()
        sent = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign(raw, secret),
            "X-Shopify-Shop-Domain": shop,
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            "X-Shopify-Triggered-At": triggered_at,
            "X-Shopify-API-Version": "2026-10",
        }
        sent.update(headers or {})
        response = client.post("/webhooks/shopify", data=raw, headers={k: v for k, v in sent.items() if v is not None})
        if process:
            run_worker(app)
        return response

    return send


FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def load_payload(name: str) -> dict:
    with open(os.path.join(FIXTURES, "shopify", f"{name}.json"), encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture
def payload():
    return load_payload
