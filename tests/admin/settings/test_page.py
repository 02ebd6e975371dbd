"""Settings → LINE: the greeting preview is what a new friend gets, the merchant's own coupon
line included; the demo refuses a real LINE channel, saying so in the merchant's language."""

from __future__ import annotations

import pytest

from app import create_app, ext
from tests.helpers import make_shop

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


@pytest.fixture
def demo_app(settings):
    app = create_app(settings.with_(shopify_api_key=""))
    yield app
    ext.engine(app).dispose()


def _bubble(app) -> str:
    page = app.test_client().get("/settings", environ_base=LOCAL, headers={"Host": "localhost"}).get_data(as_text=True)
    start = page.index('<div class="bubble" lang="ja">') + len('<div class="bubble" lang="ja">')
    return page[start : page.index("</div>", start)]


def test_the_preview_shows_the_merchants_own_coupon_line(demo_app, db):
    make_shop(
        db,
        domain="tsunagu-demo.myshopify.com",
        name="茶房つなぐ",
        is_demo=True,
        settings={
            "line_coupon_code": "FRIENDS10",
            "line_texts": {
                "greeting": {"ja": "{shop_name}へようこそ！"},
                "coupon": {"ja": "🍵 LINE 友だちだけのクーポン {coupon_code} をどうぞ"},
            },
        },
    )

    assert _bubble(demo_app) == "茶房つなぐへようこそ！\n\n🍵 LINE 友だちだけのクーポン FRIENDS10 をどうぞ"


def test_the_preview_uses_the_default_coupon_line_and_none_without_a_code(demo_app, db):
    shop = make_shop(db, domain="tsunagu-demo.myshopify.com", is_demo=True, settings={"line_coupon_code": "FRIENDS10"})
    with_code = _bubble(demo_app)
    shop.settings = {}
    db.add(shop)
    db.commit()
    without = _bubble(demo_app)

    assert with_code.startswith(without) and with_code.endswith("FRIENDS10") and "FRIENDS10" not in without
    assert with_code[len(without) :].startswith("\n\n")


@pytest.mark.parametrize("locale,message", [("ja", "デモストアでは LINE に接続できません。"), ("en-US", "demo store")])
def test_the_demo_refuses_to_connect_a_real_channel(demo_app, db, locale, message):
    make_shop(db, domain="tsunagu-demo.myshopify.com", is_demo=True, locale=locale)
    response = demo_app.test_client().post(
        "/api/line/connect", json={"channel_secret": "x"}, environ_base=LOCAL, headers={"Host": "localhost"}
    )
    assert response.status_code == 422 and message in response.get_json()["message"]


def _settings_page(app) -> str:
    return app.test_client().get("/settings", environ_base=LOCAL, headers={"Host": "localhost"}).get_data(as_text=True)


def test_the_follower_import_card_explains_an_account_that_cannot_list_friends(demo_app, db):
    from app.models import FollowerImport

    shop = make_shop(db, domain="tsunagu-demo.myshopify.com", name="デモ", is_demo=True)
    assert "既存の友だちの取り込み" in _settings_page(demo_app)
    assert 'data-import-status="unavailable"' not in _settings_page(demo_app)

    db.add(FollowerImport(shop_id=shop.id, status="unavailable"))
    db.commit()
    page = _settings_page(demo_app)
    assert 'data-import-status="unavailable"' in page and "認証済みアカウント" in page
