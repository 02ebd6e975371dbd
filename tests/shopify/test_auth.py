"""App-home verification, token exchange and refresh against a fake Shopify over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from app import ext
from app.models import Shop
from app.shopify.tokens import refresh_expiring_tokens
from app.timeutil import utcnow
from tests.conftest import CLIENT_SECRET
from tests.helpers import fresh, rows

SHOP = "test-shop"


def app_home(client, fake, *, token=None, path="/", headers=None):
    token = token or fake.session_token(SHOP)
    return client.get(
        f"{path}?embedded=1&shop={SHOP}.myshopify.com&host=abc&locale=ja&id_token={token}", headers=headers or {}
    )


def token_calls(fake, grant=None):
    return [
        r
        for r in fake.requests
        if r.path.endswith("/admin/oauth/access_token") and (grant is None or r.body.get("grant_type") == grant)
    ]


def test_first_load_exchanges_an_expiring_offline_token_and_stores_it_encrypted(client, fake_shopify, db, app):
    response = app_home(client, fake_shopify)

    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == (
        f"frame-ancestors https://{SHOP}.myshopify.com https://admin.shopify.com;"
    )
    [call] = token_calls(fake_shopify)
    assert call.body["requested_token_type"] == "urn:shopify:params:oauth:token-type:offline-access-token"
    assert call.body["expiring"] == 1
    [shop] = rows(db, Shop)
    issued = next(iter(fake_shopify.access_tokens))
    assert shop.is_installed and shop.name == f"{SHOP} ストア"
    assert shop.access_token_expires_at > utcnow() + timedelta(minutes=55)
    assert shop.refresh_token_expires_at > utcnow() + timedelta(days=89)
    raw = db.exec(text("select access_token_enc, refresh_token_enc from shops")).one()
    assert issued not in raw[0] and "shprt_" not in raw[1]
    assert ext.vault(app).decrypt(shop.access_token_enc) == issued
    page = response.get_data(as_text=True)
    assert 'name="shopify-api-key" content="test-client-id"' in page
    assert "<s-app-nav>" in page and "自動配信" in page


def test_next_load_reuses_the_stored_token(client, fake_shopify):
    app_home(client, fake_shopify)
    app_home(client, fake_shopify, path="/flows")

    assert len(token_calls(fake_shopify)) == 1


def test_expired_token_is_refreshed_and_the_refresh_token_rotates(client, fake_shopify, db, app):
    app_home(client, fake_shopify)
    shop = db.exec(select(Shop)).one()
    first_refresh = ext.vault(app).decrypt(shop.refresh_token_enc)
    shop.access_token_expires_at = utcnow() - timedelta(minutes=1)
    db.add(shop)
    db.commit()

    assert app_home(client, fake_shopify).status_code == 200

    [refresh] = token_calls(fake_shopify, "refresh_token")
    assert refresh.body["refresh_token"] == first_refresh
    fresh(db)
    db.refresh(shop)
    assert shop.access_token_expires_at > utcnow() + timedelta(minutes=55)
    assert ext.vault(app).decrypt(shop.refresh_token_enc) != first_refresh
    assert first_refresh not in fake_shopify.refresh_tokens  # the old one is spent


def test_revoked_refresh_token_falls_back_to_token_exchange(client, fake_shopify, db):
    app_home(client, fake_shopify)
    fake_shopify.refresh_tokens.clear()  # Shopify no longer knows it
    shop = db.exec(select(Shop)).one()
    shop.access_token_expires_at = utcnow() - timedelta(minutes=1)
    db.add(shop)
    db.commit()

    assert app_home(client, fake_shopify).status_code == 200
    exchanges = token_calls(fake_shopify, "urn:ietf:params:oauth:grant-type:token-exchange")
    assert len(exchanges) == 2 and len(token_calls(fake_shopify, "refresh_token")) == 1


def test_document_request_without_id_token_goes_to_the_patch_page(client):
    response = client.get(f"/?embedded=1&shop={SHOP}.myshopify.com&host=abc")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("http://localhost/auth/patch-id-token?")
    assert "shopify-reload=%2F%3Fembedded%3D1" in response.headers["Location"]


def test_patch_page_loads_app_bridge_with_the_api_key(client):
    response = client.get(f"/auth/patch-id-token?shop={SHOP}.myshopify.com&shopify-reload=%2F")

    assert response.status_code == 200
    assert 'data-api-key="test-client-id"' in response.get_data(as_text=True)
    assert "frame-ancestors" in response.headers["Content-Security-Policy"]


def test_expired_session_token_redirects_documents_and_401s_fetches(client, fake_shopify, db):
    expired = fake_shopify.session_token(SHOP, exp_in=-120)

    document = app_home(client, fake_shopify, token=expired)
    fetch = client.get("/", headers={"Authorization": f"Bearer {expired}"})

    assert document.status_code == 302 and "/auth/patch-id-token" in document.headers["Location"]
    assert fetch.status_code == 401
    assert fetch.headers["X-Shopify-Retry-Invalid-Session-Request"] == "1"
    assert rows(db, Shop) == [] and token_calls(fake_shopify) == []


@pytest.mark.parametrize("kind", ["wrong_audience", "forged"])
def test_wrong_audience_or_forged_token_gets_401(client, fake_shopify, db, kind):
    token = (
        fake_shopify.session_token(SHOP, aud="another-app")
        if kind == "wrong_audience"
        else fake_shopify.session_token(SHOP, secret="not-our-secret-but-long-enough-0123")
    )

    response = client.get("/", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert rows(db, Shop) == [] and token_calls(fake_shopify) == []


def test_failed_exchange_returns_the_packages_response(client, fake_shopify, db):
    fake_shopify.client_secret = "rotated-on-shopify"  # our secret no longer matches
    token = fake_shopify.session_token(SHOP, secret=CLIENT_SECRET)

    response = app_home(client, fake_shopify, token=token)

    assert response.status_code == 500
    [shop] = rows(db, Shop)
    assert shop.access_token_enc is None and shop.token_error == "invalid_client"


def test_worker_refreshes_tokens_before_they_expire(client, fake_shopify, db, app):
    app_home(client, fake_shopify)
    shop = db.exec(select(Shop)).one()
    expires = shop.access_token_expires_at

    with app.app_context():
        early = refresh_expiring_tokens(session=db, now=utcnow())
        due = refresh_expiring_tokens(session=db, now=expires - timedelta(minutes=5))

    assert early == {"refreshed": 0, "failed": 0}
    assert due == {"refreshed": 1, "failed": 0}
    fresh(db)
    db.refresh(shop)
    assert shop.access_token_expires_at > expires - timedelta(seconds=5)
    assert len(token_calls(fake_shopify, "refresh_token")) == 1
