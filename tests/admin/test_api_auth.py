"""Every /api/* endpoint (read from the app's URL map, so new ones are covered) refuses a
request without a valid session token, and a token of one shop never reaches another's rows."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from werkzeug.routing import IntegerConverter, UUIDConverter

from app import create_app, ext
from app.config import Settings
from app.models import (
    Campaign,
    Customer,
    FriendSource,
    KeywordRule,
    LineFriend,
    Notification,
    RichMenu,
    RichMenuRule,
    Segment,
    Sequence,
    WebhookEvent,
)
from app.timeutil import utcnow
from tests.conftest import CLIENT_SECRET
from tests.helpers import count, fresh, make_shop

RETRY = "X-Shopify-Retry-Invalid-Session-Request"
PUBLIC = {"/api/openapi.json": "the contract: the same for every shop, holds no shop data"}
# Path parameters that name no row (the flow's name): a token can only ever reach its own shop's settings.
# Path arguments that name no row of ours. A Shopify segment is read with the shop's own
# Admin API token, so Shopify itself keeps shop A from another shop's segments.
NOT_ROWS = {"flow": "repurchase", "segment_id": 1}


def _endpoints() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(method, rule, endpoint, argument names) of every /api/* route, from a throwaway app."""
    app = create_app(
        Settings(
            env="test",
            database_url="sqlite://",
            secret_key="s" * 40,
            encryption_keys=("RDxoY2jC4xHf3K0V3kH1l0P8j3iQJ3kZ7qv0n9m2y5w=",),
            app_url="https://tsunagu.test",
            shopify_api_key="k",
            shopify_api_secret=CLIENT_SECRET,
        )
    )
    found = [
        (method, r.rule, r.endpoint, tuple(r.arguments))
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/") and r.rule not in PUBLIC
        for method in sorted(r.methods - {"HEAD", "OPTIONS"})
    ]
    ext.engine(app).dispose()
    return found


ENDPOINTS = _endpoints()
IDS = [f"{method} {rule}" for method, rule, *_ in ENDPOINTS]


def _placeholder(app, endpoint: str, rule: str, name: str):
    converter = next(r for r in app.url_map.iter_rules(endpoint) if r.rule == rule)._converters[name]
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, UUIDConverter):
        return uuid.uuid4()
    return NOT_ROWS.get(name, str(uuid.uuid4()))


def _url(app, endpoint: str, rule: str, values: dict) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


def _call(client, method: str, url: str, token: str | None, body: dict | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(url, method=method, json=body or {}, headers=headers)


def test_every_api_endpoint_is_checked():
    assert len(ENDPOINTS) >= 15 and "PUT /api/keyword-rules/<int:rule_id>" in IDS


@pytest.mark.parametrize("method,rule,endpoint,args", ENDPOINTS, ids=IDS)
def test_no_token_is_refused_and_changes_nothing(app, client, db, method, rule, endpoint, args):
    make_shop(db)
    url = _url(app, endpoint, rule, {a: _placeholder(app, endpoint, rule, a) for a in args})

    response = _call(client, method, url, None)

    # The shopifyapp package sends a request with neither header nor id_token to the
    # patch-id-token page (its document flow); either way nothing is served.
    assert response.status_code in (302, 401), response.status_code
    if response.status_code == 302:
        assert "/auth/patch-id-token" in response.headers["Location"]


@pytest.mark.parametrize("kind", ["expired", "forged", "wrong_audience", "not_bearer"])
@pytest.mark.parametrize("method,rule,endpoint,args", ENDPOINTS, ids=IDS)
def test_bad_tokens_get_401_with_shopifys_retry_header(
    app, client, db, fake_shopify, method, rule, endpoint, args, kind
):
    make_shop(db)
    url = _url(app, endpoint, rule, {a: _placeholder(app, endpoint, rule, a) for a in args})
    token = {
        "expired": lambda: fake_shopify.session_token("test-shop", exp_in=-120),
        "forged": lambda: fake_shopify.session_token("test-shop", secret="not-our-secret-but-long-enough-0123"),
        "wrong_audience": lambda: fake_shopify.session_token("test-shop", aud="another-app"),
        "not_bearer": lambda: None,
    }[kind]()
    headers = {"Authorization": f"Bearer {token}" if token else "Basic dXNlcjpwYXNz"}

    response = client.open(url, method=method, json={}, headers=headers)

    assert response.status_code == 401
    assert response.headers.get(RETRY) == "1"  # App Bridge fetches a fresh token and retries once
    assert not (response.is_json and response.get_json().get("ok") is True)  # no view ran


def test_an_api_call_without_a_token_gets_401(client, db):
    make_shop(db)

    response = client.get("/api/keyword-rules")

    assert response.status_code == 401 and response.headers.get(RETRY) == "1"
    assert response.is_json  # a fetch() gets JSON, not the page-load bounce


# -- shop A's token against shop B's rows ---------------------------------------------------


def _shop_b_rows(db, shop_b) -> dict:
    """One row of shop B for each kind of id an /api/* path can carry."""
    now = utcnow()
    friend = LineFriend(shop_id=shop_b.id, line_user_id="U" + "b" * 32, display_name="B の友だち")
    rows = {
        "customer_id": Customer(shop_id=shop_b.id, shopify_id=777, email="b@example.com", first_name="B"),
        "rule_id": KeywordRule(shop_id=shop_b.id, keywords=["秘密"], text="B の返信", position=1),
        "event_id": WebhookEvent(
            shop_id=shop_b.id,
            webhook_id="b-1",
            topic="orders/create",
            status="failed",
            attempts=3,
            error="boom",
            body="{}",
        ),
        "friend": friend,
        "campaign_id": Campaign(shop_id=shop_b.id, name="B の配信", messages=[{"type": "text", "text": "B"}]),
        "segment_id": Segment(shop_id=shop_b.id, name="B の上得意様", definition={"match": "all", "groups": []}),
        "sequence_id": Sequence(shop_id=shop_b.id, name="B のステップ配信", trigger="friend_added", enabled=True),
        "source_id": FriendSource(shop_id=shop_b.id, name="B の店頭POP", slug="b-pop"),
    }
    db.add_all(rows.values())
    db.commit()
    rows["notification_id"] = Notification(
        shop_id=shop_b.id,
        friend_id=friend.id,
        flow="repurchase",
        dedupe_key="b-1",
        due_at=now + timedelta(days=1),
        status="scheduled",
        messages=[{"type": "text", "text": "B"}],
    )
    db.add(rows["notification_id"])
    rows["menu_id"] = RichMenu(shop_id=shop_b.id, name="B のメニュー", chat_bar_text="メニュー", areas=[])
    db.add(rows["menu_id"])
    db.commit()
    rows["menu_rule_id"] = RichMenuRule(shop_id=shop_b.id, menu_id=rows["menu_id"].id, kind="linked")
    db.add(rows["menu_rule_id"])
    db.commit()
    return rows


def _snapshot(db, rows: dict) -> dict:
    fresh(db)
    return {
        name: (type(row), db.get(type(row), row.id).model_dump() if db.get(type(row), row.id) else None)
        for name, row in rows.items()
    }


ROW_ENDPOINTS = [e for e in ENDPOINTS if any(a not in NOT_ROWS for a in e[3])]


@pytest.mark.parametrize("method,rule,endpoint,args", ROW_ENDPOINTS, ids=[f"{m} {r}" for m, r, *_ in ROW_ENDPOINTS])
def test_a_token_of_shop_a_never_reaches_shop_b_rows(app, client, db, fake_shopify, method, rule, endpoint, args):
    make_shop(db)
    rows = _shop_b_rows(db, make_shop(db, domain="other-shop.myshopify.com"))
    unknown = [a for a in args if a not in rows and a not in NOT_ROWS]
    assert not unknown, f"add a shop-B row for {unknown} to _shop_b_rows"
    before = _snapshot(db, rows)
    url = _url(app, endpoint, rule, {a: rows[a].id if a in rows else NOT_ROWS[a] for a in args})
    body = {"friend_id": rows["friend"].id, "keywords": "上書き", "text": "上書き", "direction": "down"}

    response = _call(client, method, url, fake_shopify.session_token("test-shop"), body)

    assert response.status_code == 404, (response.status_code, response.get_data(as_text=True)[:200])
    assert _snapshot(db, rows) == before


def test_shop_a_cannot_link_its_customer_to_shop_b_friend(client, db, fake_shopify):
    shop_a = make_shop(db)
    rows = _shop_b_rows(db, make_shop(db, domain="other-shop.myshopify.com"))
    mine = Customer(shop_id=shop_a.id, shopify_id=1, email="a@example.com")
    db.add(mine)
    db.commit()
    before = _snapshot(db, rows)

    response = _call(
        client,
        "POST",
        f"/api/customers/{mine.id}/line-link",
        fake_shopify.session_token("test-shop"),
        {"friend_id": rows["friend"].id},
    )

    assert response.status_code == 404
    assert _snapshot(db, rows) == before


def test_shop_a_never_finds_nor_uses_shop_b_composer_rows(app, client, db, fake_shopify, fake_line):
    """The composer's routes carry ids in their bodies and queries, not their paths: shop B's
    friends, products and images are neither listed to shop A nor usable by it."""
    from app.campaigns import images
    from app.models import CampaignImage, Product
    from tests.campaigns.test_images import picture

    make_shop(db)
    shop_b = make_shop(db, domain="other-shop.myshopify.com")
    rows = _shop_b_rows(db, shop_b)
    data = picture("PNG")
    checked, _ = images.check(data)
    image = images.store(session=db, shop=shop_b, data=data, checked=checked)
    product = Product(shop_id=shop_b.id, shopify_id=1, handle="b", title="B の商品")
    db.add(product)
    db.commit()
    token = fake_shopify.session_token("test-shop")
    before = _snapshot(db, {**rows, "image": image, "product": product})

    assert _call(client, "GET", "/api/campaign-friends?q=B", token).get_json()["friends"] == []
    assert _call(client, "GET", "/api/campaign-products?q=B の商品", token).get_json()["products"] == []
    blocks = [{"type": "image", "token": image.token}, {"type": "products", "product_ids": [product.id]}]
    preview = _call(client, "POST", "/api/campaigns/preview", token, {"blocks": blocks})
    assert preview.status_code == 422 and set(preview.get_json()["errors"]) == {"blocks[0].image", "blocks[1].products"}
    body = {"blocks": [{"type": "text", "text": "x"}], "friend_ids": [rows["friend"].id]}
    sent = _call(client, "POST", "/api/campaigns/test", token, body)
    assert sent.status_code == 422 and fake_line.pushes() == []
    assert _snapshot(db, {**rows, "image": image, "product": product}) == before
    assert count(db, CampaignImage) == 1
