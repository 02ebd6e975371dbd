"""A shop domain from a query string, a header or a token is trusted only when it is one
shop's `*.myshopify.com` domain (app/shopify/domains.py): the patch-id-token page, the
webhook header, the app proxy and the app home all refuse anything else."""

from __future__ import annotations

import pytest

from app.models import Shop, WebhookEvent
from app.shopify.domains import from_handle, myshopify_domain
from tests.conftest import CLIENT_SECRET
from tests.helpers import proxy_query, rows

NOT_A_SHOP = [
    "*",
    "*.myshopify.com",
    "test-shop.myshopify.com\r\nSet-Cookie: x=1",
    "test-shop.myshopify.com\n",
    " test-shop.myshopify.com",
    "evil.example",
    "evil.example/.myshopify.com",
    "test-shop.myshopify.com.evil.example",
    "test-shop.myshopify.com:443",
    "https://test-shop.myshopify.com",
    "test-shop.myshopify.com evil.example",
    "a.b.myshopify.com",
    "test_shop.myshopify.com",
    "-shop.myshopify.com",
    "shop-.myshopify.com",
    "myshopify.com",
    ".myshopify.com",
    "\u212aelvin.myshopify.com",  # the Kelvin sign lower-cases to an ASCII k
    "ｔｅｓｔ.myshopify.com",
    "a" * 64 + ".myshopify.com",
    "",
]


@pytest.mark.parametrize(
    "value", ["test-shop.myshopify.com", "a.myshopify.com", "x1-2y.myshopify.com", "a" * 63 + ".myshopify.com"]
)
def test_a_shops_domain_is_accepted(value):
    assert myshopify_domain(value) == value
    assert from_handle(value.removesuffix(".myshopify.com")) == value


def test_upper_case_is_read_as_lower_case():
    assert myshopify_domain("Test-Shop.MyShopify.com") == "test-shop.myshopify.com"


@pytest.mark.parametrize("value", NOT_A_SHOP + [None, 42, b"test-shop.myshopify.com"])
def test_anything_else_is_refused(value):
    assert myshopify_domain(value) is None


@pytest.mark.parametrize("handle", ["", None, "*", "test-shop.myshopify.com", "a b", "evil.example/x"])
def test_a_handle_that_names_no_shop_is_refused(handle):
    assert from_handle(handle) is None


# -- /auth/patch-id-token ----------------------------------------------------------------------


def patch_page(client, shop: str | list[str]):
    shops = shop if isinstance(shop, list) else [shop]
    return client.get("/auth/patch-id-token", query_string=[("shop", s) for s in shops] + [("shopify-reload", "/")])


@pytest.mark.parametrize("value", NOT_A_SHOP)
def test_patch_page_refuses_a_shop_that_is_not_a_myshopify_domain(client, value):
    response = patch_page(client, value)

    assert response.status_code == 400
    assert "example.myshopify.com" in response.get_data(as_text=True)  # says what it wants
    assert "app-bridge" not in response.get_data(as_text=True)
    # Only the app itself may frame the refusal: nothing of the value reached a header.
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self'"


def test_patch_page_refuses_two_shops(client):
    response = patch_page(client, ["test-shop.myshopify.com", "*"])

    assert response.status_code == 400 and "https://*" not in str(response.headers)


def test_patch_page_for_a_shop_names_it_and_shopifys_admin_as_framers(client):
    response = patch_page(client, "test-shop.myshopify.com")

    assert response.status_code == 200
    assert 'data-api-key="test-client-id"' in response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"] == (
        "frame-ancestors https://test-shop.myshopify.com https://admin.shopify.com;"
    )
    assert "X-Frame-Options" not in response.headers  # Shopify's admin frames it


# -- the other doors a shop domain comes through -------------------------------------------------


@pytest.mark.parametrize("header", ["*", "evil.example", "test-shop.myshopify.com\tx", "a.b.myshopify.com"])
def test_webhook_with_a_header_that_names_no_shop_is_refused_and_stores_nothing(send_webhook, db, header):
    response = send_webhook("orders/create", {"id": 1}, shop=header, process=False)

    assert response.status_code == 400
    assert response.get_json() == {"error": "shopify.webhook.missing-headers"}
    assert rows(db, Shop) == [] and rows(db, WebhookEvent) == []


def test_webhook_header_in_upper_case_is_the_same_shop(send_webhook, db, shop):
    response = send_webhook("shop/update", None, body=b"{}", shop="TEST-SHOP.myshopify.com", process=False)

    assert response.status_code == 200
    assert [e.shop_id for e in rows(db, WebhookEvent)] == [shop.id] and len(rows(db, Shop)) == 1


@pytest.mark.parametrize("value", ["*.myshopify.com", "evil.example", "a.b.myshopify.com"])
def test_proxy_request_signed_for_a_shop_that_is_no_domain_is_refused(client, db, shop, value):
    params = {"shop": value, "path_prefix": "/apps/tsunagu", "logged_in_customer_id": "1", "token": "abc"}

    response = client.get(f"/proxy/cart?{proxy_query(params, CLIENT_SECRET)}")

    assert response.status_code == 400
    assert [s.domain for s in rows(db, Shop)] == ["test-shop.myshopify.com"]


def test_app_home_with_a_token_for_a_shop_that_is_no_domain_creates_no_shop(client, fake_shopify, db):
    token = fake_shopify.session_token("bad_shop")

    response = client.get(f"/?embedded=1&shop=bad_shop.myshopify.com&host=abc&id_token={token}")

    assert response.status_code == 400
    assert rows(db, Shop) == [] and not fake_shopify.requests
