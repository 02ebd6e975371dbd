"""Settings → audience sources as JSON: starting the follower import and reading its state
(with the reason in the merchant's words when LINE does not offer follower ids), and the
shop's Shopify segments with how many members are linked to LINE."""

from __future__ import annotations

import pytest

from app import ext
from app.line.followers import Step, advance_imports
from app.shopify.client import NOT_CONFIGURED, ShopifyError, for_shop
from app.timeutil import utcnow
from tests.plugins.people import customer, friend

PATH = "/api/line/followers/import"


def work(app) -> dict:
    with app.app_context():
        return advance_imports(engine=ext.engine(app), now=utcnow(), step=Step(budget_s=60.0))


def test_the_import_is_started_and_its_state_read(app, api, shop, channel, fake_line):
    for i in range(3):
        fake_line.add_user(f"U{i:032x}", f"フォロワー{i}")
    assert api("GET", PATH).get_json()["follower_import"] is None

    started = api("POST", PATH)
    assert started.status_code == 202 and started.get_json()["follower_import"]["status"] == "running"
    assert work(app) == {"completed": 1}

    state = api("GET", PATH).get_json()["follower_import"]
    assert (state["status"], state["seen"], state["new"], state["profiles"]) == ("completed", 3, 3, 3)
    assert "新しい友だちは 3 人" in state["message"] and "あいさつメッセージは送っていません" in state["message"]
    again = api("POST", PATH)  # a finished import starts over
    assert again.status_code == 202 and again.get_json()["follower_import"]["new"] == 0


def test_an_account_without_follower_ids_is_told_why(app, api, shop, channel, fake_line):
    fake_line.followers_available = False
    api("POST", PATH)
    work(app)

    state = api("GET", PATH).get_json()["follower_import"]
    assert state["status"] == "unavailable"
    assert "認証済みアカウント" in state["message"] and "プレミアムアカウント" in state["message"]


def test_no_import_without_a_connected_channel(api, shop):
    answer = api("POST", PATH)
    assert answer.status_code == 409 and "接続" in answer.get_json()["message"]


def test_segments_are_listed_and_counted_with_linked_members(api, db, shop, fake_shopify):
    linked = customer(db, shop, shopify_id=501)
    friend(db, shop, "花子", linked)
    customer(db, shop, shopify_id=502)
    vip = fake_shopify.segments.add("VIP", [501, 502, 503])
    fake_shopify.segments.add("休眠顧客", [])

    listed = api("GET", "/api/shopify/segments")
    number = vip.rsplit("/", 1)[1]
    counted = api("GET", f"/api/shopify/segments/{number}/count")
    fake_shopify.segments.delete(vip)
    gone = api("GET", f"/api/shopify/segments/{number}/count")

    assert listed.status_code == 200
    assert listed.get_json()["segments"] == [
        {"id": vip, "name": "VIP"},
        {"id": listed.get_json()["segments"][1]["id"], "name": "休眠顧客"},
    ]
    assert counted.status_code == 200 and (counted.get_json()["members"], counted.get_json()["linked"]) == (3, 1)
    assert gone.status_code == 404 and "削除" in gone.get_json()["message"]


def test_segments_without_shopify_credentials_are_explained_not_a_500(app, api, shop, monkeypatch):
    # The demo store has no Shopify credentials, and the package refuses an empty secret. The
    # session token is still checked with the test's secret: only the Admin API client lacks one.
    from shopify_app import ShopifyApp

    from app.shopify import client

    monkeypatch.setattr(client, "shopify_app", lambda: ShopifyApp(client_id="demo", client_secret=""))
    listed = api("GET", "/api/shopify/segments")
    counted = api("GET", "/api/shopify/segments/1/count")

    for answer in (listed, counted):
        assert answer.status_code == 409
        assert "Shopify に接続されていない" in answer.get_json()["message"]


def test_a_client_without_credentials_is_a_shopify_error(app, shop):
    with app.app_context():
        ext.use_settings(app, ext.settings().with_(shopify_api_secret=""))
        with pytest.raises(ShopifyError) as raised:
            for_shop(shop)
    assert raised.value.code == NOT_CONFIGURED and "secret" not in str(raised.value).lower()
