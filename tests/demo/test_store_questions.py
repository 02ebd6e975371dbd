"""The demo store answers store questions from its policies: seeded through `flask demo`
(its fake Shopify answers shop.shopPolicies), asked through `flask chat` (the real LINE
webhook route, run dry). "送料" used to answer with dog food and teacups whose descriptions
say 送料無料; now it answers with the shipping policy and its link."""

from __future__ import annotations

from app import ext
from app.demo.catalog import DEMO_SHOP_DOMAIN
from app.models import ShopPolicy
from app.search.query import search
from tests.helpers import rows


def test_demo_answers_shipping_from_its_policy_not_with_products(seeded, app, db):
    assert {p.type for p in rows(db, ShopPolicy)} >= {"SHIPPING_POLICY", "REFUND_POLICY", "LEGAL_NOTICE"}
    runner = app.test_cli_runner()

    shipping = runner.invoke(args=["chat", "送料"])
    returns = runner.invoke(args=["chat", "返品したい"])
    payment = runner.invoke(args=["chat", "支払い方法"])
    points = runner.invoke(args=["chat", "ポイント"])

    assert shipping.exit_code == 0, shipping.output
    assert "配送ポリシー" in shipping.output and "全国一律660円" in shipping.output
    assert f"https://{DEMO_SHOP_DOMAIN}/policies/shipping-policy" in shipping.output
    assert "ドッグフード" not in shipping.output and "¥" not in shipping.output  # no product carousel
    assert "返品・返金ポリシー" in returns.output and "8日以内" in returns.output
    assert "お支払い方法：クレジットカード" in payment.output
    assert "ポイントの残高やご利用方法は" in points.output  # the demo has no points policy: the fixed text
    ext.engine(app).dispose()


def test_the_trap_is_still_there_for_search(seeded, app, db):
    """Search itself would still find products for 送料 (tags and descriptions say 送料無料):
    the store question is what keeps them out of the answer."""
    from app.demo.seed import demo_shop

    shop = demo_shop(session=db)
    assert search(session=db, shop=shop, query="送料").found
