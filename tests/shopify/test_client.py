"""The Admin GraphQL client: cost-based throttling, THROTTLED retries, its own error type."""

from __future__ import annotations

import time

import httpx
import pytest
from shopify_app import ShopifyApp

from app.shopify.client import AdminClient, ShopifyError
from app.shopify.http import make_client
from tests.conftest import CLIENT_ID, CLIENT_SECRET

QUERY = "query { shop { name } }"


@pytest.fixture
def admin(fake_shopify, settings):
    fake_shopify.access_tokens["shpat_test"] = "test-shop"
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        time.sleep(seconds)

    http = make_client(settings)
    client = AdminClient(
        app=ShopifyApp(CLIENT_ID, CLIENT_SECRET),
        http=http,
        shop_domain="test-shop.myshopify.com",
        access_token="shpat_test",
        api_version="2026-10",
        sleep=sleep,
    )
    yield client, sleeps
    http.close()


def test_query_goes_to_the_configured_base_over_http(admin, fake_shopify):
    client, _ = admin
    data = client.query(QUERY)

    assert data["shop"]["currencyCode"] == "JPY"
    [call] = [r for r in fake_shopify.requests if r.path.endswith("graphql.json")]
    assert call.path == "/test-shop/admin/api/2026-10/graphql.json"
    assert call.headers["X-Shopify-Access-Token"] == "shpat_test"


def test_client_waits_before_the_bucket_runs_dry(admin, fake_shopify):
    client, sleeps = admin
    fake_shopify.bucket_max, fake_shopify.restore_rate, fake_shopify.query_cost = 30.0, 100.0, 10
    fake_shopify._available = 30.0

    for _ in range(6):
        client.query(QUERY)

    # 30 points buy three queries at once; after that the client sleeps ~0.1 s per query
    # (cost 10 at 100 points/s) and Shopify never has to answer THROTTLED.
    assert fake_shopify.throttled_count == 0
    assert len(sleeps) >= 2 and all(0 < s <= 0.11 for s in sleeps)


def test_throttled_answer_is_retried(admin, fake_shopify):
    client, sleeps = admin
    fake_shopify.bucket_max, fake_shopify.query_cost, fake_shopify.restore_rate = 5.0, 10, 50.0
    fake_shopify._available = 0.0

    with pytest.raises(ShopifyError) as err:
        client.query(QUERY)
    # cost 10 never fits a bucket of 5: THROTTLED every time, retried, then our own error
    assert err.value.code == "throttled"
    assert len([r for r in fake_shopify.requests if r.path.endswith("graphql.json")]) == 4


def test_bad_token_raises_our_error_without_the_token(admin, fake_shopify):
    client, _ = admin
    fake_shopify.access_tokens.clear()

    with pytest.raises(ShopifyError) as err:
        client.query(QUERY)
    assert err.value.status == 401
    assert "shpat_test" not in str(err.value)


def test_one_http_client_is_reused(app):
    from app.shopify.http import shared_client

    with app.app_context():
        first, second = shared_client(), shared_client()
    assert first is second and isinstance(first, httpx.Client)
