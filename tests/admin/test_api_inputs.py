"""Inputs that once reached the database as errors: now a clear 4xx, nothing stored."""

from __future__ import annotations

import pytest

from app import create_app, ext
from app.models import KeywordRule
from tests.helpers import count, make_shop

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


@pytest.fixture
def demo(settings, db):
    app = create_app(settings.with_(shopify_api_key=""))
    make_shop(db, domain="tsunagu-demo.myshopify.com", is_demo=True)
    yield app.test_client()
    ext.engine(app).dispose()


@pytest.mark.parametrize(
    "method,path",
    [
        ("put", "/api/keyword-rules/99999999999999999999"),
        ("delete", "/api/keyword-rules/99999999999999999999"),
        ("post", "/api/customers/99999999999999999999/line-link"),
    ],
)
def test_an_id_no_column_can_hold_is_not_found(demo, method, path):
    response = getattr(demo, method)(path, json={}, environ_base=LOCAL)
    assert response.status_code in (404, 405)  # no route takes it: never a database error


def test_nul_characters_are_refused_before_the_database(demo, db):
    rule = {"keywords": ["送料\u0000"], "match": "contains", "answer": "text", "text": "無料です"}
    texts = {"greeting": "こんにちは\u0000"}

    assert demo.post("/api/keyword-rules", json=rule, environ_base=LOCAL).status_code == 400
    assert demo.put("/api/line/texts", json=texts, environ_base=LOCAL).status_code == 400
    assert count(db, KeywordRule) == 0


def test_a_unicode_digit_is_a_handle_not_a_product_id(demo, db):
    rule = {"keywords": ["送料"], "match": "contains", "answer": "products", "product_ids": "²"}
    response = demo.post("/api/keyword-rules", json=rule, environ_base=LOCAL)
    assert response.status_code == 422 and "product_ids" in response.get_json()["errors"]


def test_a_greeting_with_a_stray_brace_is_refused_next_to_the_field(demo, db):
    response = demo.put("/api/line/texts", json={"greeting": "ようこそ {shop_name"}, environ_base=LOCAL)
    assert response.status_code == 422 and "greeting" in response.get_json()["errors"]


def test_a_malformed_stored_template_is_sent_as_written_not_a_crash(db):
    from app.line import texts

    shop = make_shop(db, settings={"line_texts": {"greeting": {"ja": "ようこそ {"}}})
    assert texts.text(shop, "greeting", "ja") == "ようこそ {"
