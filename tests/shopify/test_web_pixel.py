"""The web pixel is created in each installed shop that granted write_pixels, pointing at
this app's /pixel/product-viewed; once; a taken pixel is found and updated; a failure is
retried later; documents and answers checked against Shopify's schema."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app import ext
from app.models import Shop
from app.shopify import web_pixel as wp
from app.timeutil import utcnow
from tests.fakes.shopify_schema import as_shopify_answers
from tests.helpers import fresh, make_shop

TOKEN = "shpat_pixel"
PIXEL = "gid://shopify/WebPixel/41"
ENDPOINT = "https://tsunagu.test/pixel/product-viewed"


@pytest.fixture
def shop(db, app, fake_shopify):
    row = make_shop(
        db,
        access_token_enc=ext.vault(app).encrypt(TOKEN),
        access_token_expires_at=utcnow() + timedelta(hours=1),
        scopes="read_products,write_pixels,read_customer_events",
    )
    fake_shopify.access_tokens[TOKEN] = "test-shop"
    return row


class PixelBook:
    """The shop's one pixel as Shopify keeps it (TAKEN when made twice)."""

    def __init__(self, existing: str | None = None):
        self.pixel = {"id": existing, "settings": "{}"} if existing else None
        self.calls: list[str] = []

    def install(self, fake_shopify) -> None:
        fake_shopify.resolvers[wp.CREATE.strip()] = self.create
        fake_shopify.resolvers[wp.UPDATE.strip()] = self.update
        fake_shopify.resolvers[wp.FIND.strip()] = self.find

    def create(self, variables: dict) -> dict:
        self.calls.append("create")
        if self.pixel is not None:
            error = {"code": "TAKEN", "field": ["webPixel"], "message": "Web pixel already exists"}
            return {"webPixelCreate": {"webPixel": None, "userErrors": [error]}}
        self.pixel = {"id": PIXEL, "settings": variables["settings"]}
        return {"webPixelCreate": {"webPixel": dict(self.pixel), "userErrors": []}}

    def update(self, variables: dict) -> dict:
        self.calls.append("update")
        self.pixel = {"id": variables["id"], "settings": variables["settings"]}
        return {"webPixelUpdate": {"webPixel": dict(self.pixel), "userErrors": []}}

    def find(self, variables: dict) -> dict:
        self.calls.append("find")
        return {"webPixel": dict(self.pixel) if self.pixel else None}


def _run(app, now=None):
    with app.app_context():
        return wp.activate_due(engine=ext.engine(app), now=now or utcnow())


def _state(db, shop) -> dict:
    fresh(db)
    return db.get(Shop, shop.id).settings.get(wp.KEY)


def test_documents_and_answers_match_shopifys_schema():
    book = PixelBook()
    settings = {"settings": json.dumps({"endpoint": ENDPOINT})}
    as_shopify_answers(wp.CREATE, settings, book.create(settings))
    as_shopify_answers(wp.CREATE, settings, book.create(settings))  # refused: taken
    as_shopify_answers(wp.FIND, {}, book.find({}))
    update = {"id": PIXEL, **settings}
    as_shopify_answers(wp.UPDATE, update, book.update(update))


def test_the_pixel_is_created_once_with_the_apps_endpoint(app, db, shop, fake_shopify):
    book = PixelBook()
    book.install(fake_shopify)

    assert _run(app) == {"activated": 1}
    assert json.loads(book.pixel["settings"]) == {"endpoint": ENDPOINT}
    assert _state(db, shop) == {"id": PIXEL, "endpoint": ENDPOINT}
    assert _run(app) == {}  # done: not asked again
    assert book.calls == ["create"]


def test_a_taken_pixel_is_found_and_pointed_at_this_app(app, db, shop, fake_shopify):
    book = PixelBook(existing="gid://shopify/WebPixel/7")
    book.install(fake_shopify)

    assert _run(app) == {"activated": 1}
    assert book.calls == ["create", "find", "update"]
    assert json.loads(book.pixel["settings"]) == {"endpoint": ENDPOINT}
    assert _state(db, shop)["id"] == "gid://shopify/WebPixel/7"


def test_a_shop_without_the_scope_or_uninstalled_is_left_alone(app, db, shop, fake_shopify):
    book = PixelBook()
    book.install(fake_shopify)
    shop.scopes = "read_products"
    db.add(shop)
    db.commit()
    assert _run(app) == {}
    assert book.calls == []


def test_a_failure_is_retried_later(app, db, shop, fake_shopify):
    book = PixelBook()
    book.install(fake_shopify)
    fake_shopify.access_tokens.pop(TOKEN)  # Shopify refuses the token
    now = utcnow()

    assert _run(app, now) == {"failed": 1}
    state = _state(db, shop)
    assert state["attempts"] == 1 and state["error"] and "shpat" not in state["error"]
    fake_shopify.access_tokens[TOKEN] = "test-shop"
    assert _run(app, now + timedelta(seconds=30)) == {}  # backing off
    assert _run(app, now + timedelta(minutes=3)) == {"activated": 1}
    assert _state(db, shop) == {"id": PIXEL, "endpoint": ENDPOINT}
