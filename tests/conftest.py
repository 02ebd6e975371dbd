"""Shared fixtures: a migrated database per backend, the app, a fake Shopify over HTTP.

Every database test runs on SQLite and, when TEST_DATABASE_URL names a reachable
PostgreSQL, again on PostgreSQL (the test id says which).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import uuid

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel

from app import create_app
from app.config import Settings
from app.schema import upgrade
from app.shopify.client import reset_throttle_state
from tests.fakes.server import LiveServer
from tests.fakes.shopify import FakeShopify

CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret-0123456789abcdef"
SHOP_DOMAIN = "test-shop.myshopify.com"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def _pg_available() -> bool:
    if not PG_URL:
        return False
    try:
        with create_engine(PG_URL).connect() as conn:
            conn.execute(text("select 1"))
        return True
    except Exception:
        return False


BACKENDS = ["sqlite"] + (["postgresql"] if _pg_available() else [])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(scope="session")
def pg_migrated() -> str:
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    upgrade(PG_URL)
    return PG_URL


def truncate_all(url: str) -> None:
    import app.models  # noqa: F401

    engine = create_engine(url)
    names = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_migrated")
        yield url
        truncate_all(url)


@pytest.fixture
def fake_shopify():
    fake = FakeShopify(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    with LiveServer(fake) as server:
        fake.url = server.url
        yield fake


@pytest.fixture
def settings(db_url, fake_shopify) -> Settings:
    return Settings(
        env="test",
        database_url=db_url,
        secret_key="s" * 40,
        encryption_keys=(Fernet.generate_key().decode(),),
        app_url="https://tsunagu.test",
        shopify_api_key=CLIENT_ID,
        shopify_api_secret=CLIENT_SECRET,
        shopify_api_base=f"{fake_shopify.url}/{{shop}}",
        # Never the internet: tests that talk to LINE point this at a fake LINE.
        line_api_base="http://127.0.0.1:9",
    )


@pytest.fixture
def app(settings):
    reset_throttle_state()
    application = create_app(settings)
    yield application
    application.extensions["tsunagu.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """A session on the app's database, for arranging and asserting."""
    with Session(app.extensions["tsunagu.engine"], expire_on_commit=False) as session:
        yield session


def sign(body: bytes, secret: str = CLIENT_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def run_worker(app) -> dict:
    """What the worker's process_webhooks job does every second."""
    from app.shopify.events import process_due_events
    from app.timeutil import utcnow

    with app.app_context():
        return process_due_events(engine=app.extensions["tsunagu.engine"], now=utcnow())


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


@pytest.fixture
def catalog(db, shop, app):
    """Add products (see tests.search.conftest.product) through the real upsert."""
    from app.sync.products import upsert_product

    def add(*payloads: dict):
        made = {}
        with app.app_context():
            for payload in payloads:
                made[payload["title"]] = upsert_product(session=db, shop=shop, payload=payload)
            db.commit()
        return made

    return add
