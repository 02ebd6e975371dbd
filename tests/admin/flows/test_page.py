"""The Flows page: each flow's switch and recent outcomes, the quota notice, cycle suggestions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import create_app, ext
from app.models import Customer, Notification, Order, OrderLineItem, Product
from app.models import NotificationStatus as St
from app.timeutil import utcnow
from tests.helpers import make_shop

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


@pytest.fixture
def demo_app(settings):
    app = create_app(settings.with_(shopify_api_key=""))
    yield app
    ext.engine(app).dispose()


@pytest.fixture
def demo_shop(db):
    return make_shop(
        db,
        domain="tsunagu-demo.myshopify.com",
        name="つなぐ デモストア",
        is_demo=True,
        settings={"flows": {"after_delivery": {"enabled": True}}},
    )


def _page(app, path: str) -> str:
    response = app.test_client().get(path, environ_base=LOCAL, headers={"Host": "localhost"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _note(db, shop, key: str, status: str, reason: str | None = None) -> None:
    db.add(
        Notification(
            shop_id=shop.id,
            flow="abandoned_checkout",
            dedupe_key=key,
            marketing=True,
            due_at=utcnow(),
            status=status,
            reason=reason,
            messages=[],
        )
    )


def test_flows_page_counts_outcomes_and_warns_when_quota_holds_marketing(demo_app, demo_shop, db):
    _note(db, demo_shop, "a", St.SENT)
    _note(db, demo_shop, "b", St.SENT)
    _note(db, demo_shop, "c", St.SCHEDULED, "quota_held")
    db.commit()

    page = _page(demo_app, "/flows")
    home = _page(demo_app, "/")

    assert "カゴ落ち（チェックアウト）" in page and "お届け後のフォロー" in page
    row = page[page.index("カゴ落ち（チェックアウト）") : page.index("カゴ落ち（カート）")]
    assert '<td class="num">1</td>' in row and '<td class="num">2</td>' in row  # 1 scheduled, 2 sent
    assert "販促メッセージ 1 件を保留しています" in page and "販促メッセージ 1 件を保留しています" in home
    assert page.count("オン") >= 6  # every flow on here (after delivery switched on for this shop)


def test_cycle_suggestions_come_from_repeat_purchases(demo_app, demo_shop, db):
    product = Product(shop_id=demo_shop.id, shopify_id=555, title="国産 ほうじ茶 100g", status="active")
    db.add(product)
    start = utcnow() - timedelta(days=300)
    for c in range(3):
        db.add(Customer(shop_id=demo_shop.id, shopify_id=900 + c))
        for k in range(3):  # every 40 days: two repeats per customer, six in all
            order = Order(
                shop_id=demo_shop.id,
                shopify_id=c * 10 + k + 1,
                customer_shopify_id=900 + c,
                processed_at=start + timedelta(days=40 * k + c),
            )
            db.add(order)
            db.flush()
            db.add(
                OrderLineItem(
                    shop_id=demo_shop.id,
                    order_id=order.id,
                    shopify_id=order.shopify_id * 7,
                    product_shopify_id=555,
                    quantity=1,
                )
            )
    db.commit()

    page = _page(demo_app, "/flows")

    assert "国産 ほうじ茶 100g" in page and "40日" in page
    assert "提案に十分なリピート購入がまだありません" not in page


def test_browse_abandonment_is_on_the_page_with_its_delay_and_preview(demo_app, demo_shop, db):
    page = _page(demo_app, "/flows")

    assert "閲覧放棄" in page
    assert 'data-setting="delay_hours"' in page and 'value="4"' in page
    assert "最後に商品を見てから何時間後に送るか" in page and "ウェブピクセル" in page
