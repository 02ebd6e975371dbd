"""The Flows page's back-in-stock part: the factor (1–10) and expiry (7–365 days) fields
refused by field outside their ranges and nothing saved; the requests waiting per variant
and the 30 days' results (requests, notified, clicks, orders and revenue, expired) in the
API and on the page, for this shop only."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from app import create_app, ext
from app.flows import restock_requests
from app.models import BackInStockRequest, ProductVariant, Shop
from app.models import BackInStockStatus as Req
from app.timeutil import utcnow
from app.tracking import rollups
from tests.helpers import fresh, make_shop, rows
from tests.plugins.search import product


@pytest.fixture
def api(client, fake_shopify):
    def call(method: str, path: str, body: dict | None = None, shop: str = "test-shop"):
        return client.open(
            path,
            method=method,
            json=body if body is not None else {},
            headers={"Authorization": f"Bearer {fake_shopify.session_token(shop)}"},
        )

    return call


def _settings(db, shop_id: int) -> dict:
    fresh(db)
    return ((rows(db, Shop, Shop.id == shop_id)[0].settings or {}).get("flows") or {}).get("back_in_stock")


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"factor": 0}, "factor"),
        ({"factor": 11}, "factor"),
        ({"factor": "x"}, "factor"),
        ({"expiry_days": 6}, "expiry_days"),
        ({"expiry_days": 366}, "expiry_days"),
        ({"expiry_days": 30.5}, "expiry_days"),
    ],
)
def test_factor_and_expiry_outside_their_ranges_are_refused_by_field(api, shop, db, given, field):
    response = api("PUT", "/api/flows/back_in_stock", {"settings": {"enabled": True, **given}})

    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {field}
    assert ("1" if field == "factor" else "7") in errors[field]
    assert _settings(db, shop.id) is None  # nothing saved


def test_factor_and_expiry_at_their_bounds_are_saved(api, shop, db):
    response = api("PUT", "/api/flows/back_in_stock", {"settings": {"enabled": True, "factor": 10, "expiry_days": 7}})
    assert response.status_code == 200
    assert _settings(db, shop.id) == {"enabled": True, "factor": 10, "expiry_days": 7}
    response = api("PUT", "/api/flows/back_in_stock", {"settings": {"factor": 1, "expiry_days": 365}})
    assert _settings(db, shop.id) == {"enabled": True, "factor": 1, "expiry_days": 365}


@pytest.fixture
def waiting_setup(db, shop, catalog, linked_friends):
    """Two sold-out variants asked for (3 and 1 waiting), one notified and one lapsed request,
    a click and an attributed order three days ago, all in `shop`."""
    tea, kettle = product("手摘み 煎茶", price="1980", quantity=0), product("鉄瓶", price="9800", quantity=0)
    catalog(tea)
    catalog(kettle)
    fresh(db)
    variants = {v.shopify_id: v for v in rows(db, ProductVariant)}
    tea_v, kettle_v = variants[tea["variants"][0]["id"]], variants[kettle["variants"][0]["id"]]
    friends = linked_friends(6)
    now = utcnow()
    for i, friend in enumerate(friends[:3]):
        restock_requests.request(session=db, shop=shop, friend=friend, variant=tea_v, now=now - timedelta(hours=5 - i))
    restock_requests.request(session=db, shop=shop, friend=friends[3], variant=kettle_v, now=now - timedelta(hours=1))
    # asked 40 days ago, notified two days ago
    restock_requests.request(session=db, shop=shop, friend=friends[4], variant=kettle_v, now=now - timedelta(days=40))
    # asked 95 days ago, lapsed 5 days ago (still "waiting": no restock has marked it)
    restock_requests.request(session=db, shop=shop, friend=friends[5], variant=tea_v, now=now - timedelta(days=95))
    db.commit()
    fresh(db)
    for r in rows(db, BackInStockRequest, BackInStockRequest.friend_id == friends[4].id):
        r.status, r.notified_at = Req.NOTIFIED, now - timedelta(days=2)
        db.add(r)
    rollups.click(session=db, shop_id=shop.id, at=now - timedelta(days=3), flow="back_in_stock")
    rollups.click(session=db, shop_id=shop.id, at=now - timedelta(days=3), flow="repurchase")  # another flow's
    deltas = rollups.Deltas(db)
    deltas.add(shop.id, now - timedelta(days=3), rollups.Scope("back_in_stock"), orders=1, revenue=Decimal("9800"))
    deltas.add(shop.id, now - timedelta(days=40), rollups.Scope("back_in_stock"), orders=1, revenue=Decimal("500"))
    deltas.write()
    db.commit()
    return tea, kettle


def test_the_api_lists_waiting_requests_per_variant_and_the_results(api, db, shop, waiting_setup):
    tea, kettle = waiting_setup
    body = api("GET", "/api/back-in-stock").get_json()

    waiting = body["waiting"]
    assert [(w["variant_id"], w["waiting"], w["in_stock"]) for w in waiting] == [
        (tea["variants"][0]["id"], 3, False),  # the lapsed request is not waiting any more
        (kettle["variants"][0]["id"], 1, False),
    ]
    assert waiting[0]["title"] == "手摘み 煎茶"
    assert waiting[0]["oldest"] < waiting[1]["oldest"]
    assert body["results"] == {
        "days": 30,
        "requests": 4,  # the 40- and 95-day-old requests were made before the window
        "notified": 1,
        "clicks": 1,
        "orders": 1,
        "revenue": "9800.00",
        "currency": "JPY",
        "expired": 1,
    }
    other = make_shop(db, domain="other-shop.myshopify.com")
    assert other.id != shop.id
    assert api("GET", "/api/back-in-stock", shop="other-shop").get_json()["waiting"] == []


def test_a_restocked_variant_shows_as_on_sale(api, db, shop, waiting_setup):
    tea, _kettle = waiting_setup
    fresh(db)
    variant = db.exec(select(ProductVariant).where(ProductVariant.shopify_id == tea["variants"][0]["id"])).one()
    variant.available, variant.inventory_quantity = True, 4
    db.add(variant)
    db.commit()
    first = api("GET", "/api/back-in-stock").get_json()["waiting"][0]
    assert (first["in_stock"], first["quantity"]) == (True, 4)


@pytest.fixture
def demo_app(settings):
    app = create_app(settings.with_(shopify_api_key=""))
    yield app
    ext.engine(app).dispose()


def test_the_flows_page_shows_the_card_and_the_editor_fields(db, demo_app, catalog, linked_friends):
    demo = make_shop(db, domain="tsunagu-demo.myshopify.com", name="つなぐ デモストア", is_demo=True)
    tea = product("手摘み 煎茶", price="1980", quantity=0)
    catalog(tea)
    fresh(db)
    variant = rows(db, ProductVariant)[0]
    variant.shop_id = demo.id  # the catalog fixture fills the test shop; the page is the demo's
    db.add(variant)
    db.commit()
    friends = linked_friends(2)
    for friend in friends:
        friend.shop_id = demo.id
        restock_requests.request(session=db, shop=demo, friend=friend, variant=variant, now=utcnow())
    db.commit()

    page = demo_app.test_client().get(
        "/flows", environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"Host": "localhost"}
    )
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    assert 'data-setting="factor"' in html and 'data-setting="expiry_days"' in html
    card = html.split('id="back-in-stock"', 1)[1].split("</section>", 1)[0]
    assert "再入荷のお知らせ" in card and "過去30日の結果" in card
    assert f'data-variant="{variant.shopify_id}"' in card
    assert '<td class="num" data-result="requests">2</td>' in card
    assert "売り切れ" in card
