"""The Shopify Flow page: the ready-made workflows, the action, and which triggers the
shop's workflows use (from Flow's lifecycle callback); linked from the Flows page."""

from __future__ import annotations

import pytest

from app import create_app, ext
from app.admin.shopify_flow.queries import RECIPES
from app.models import ShopifyFlowRun, ShopifyFlowTrigger
from app.shopify_flow import triggers
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
    return make_shop(db, domain="tsunagu-demo.myshopify.com", name="つなぐ デモストア", is_demo=True)


def _get(app, path):
    response = app.test_client().get(path, environ_base=LOCAL, headers={"Host": "127.0.0.1:8000"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_page_lists_the_workflows_and_the_triggers_in_use(demo_app, demo_shop, db):
    db.add(ShopifyFlowTrigger(shop_id=demo_shop.id, handle=triggers.FRIEND_ADDED, enabled=True, changed_at=utcnow()))
    db.add(
        ShopifyFlowRun(
            shop_id=demo_shop.id, action_run_id="r1", handle="send-line-message", status=422, outcome="unlinked"
        )
    )
    db.commit()
    page = _get(demo_app, "/shopify-flow")
    for recipe in RECIPES:
        assert f'data-recipe="{recipe}"' in page
    assert "誕生日クーポン" in page and "90 日ぶりの掘り起こし" in page and "残りわずかのお知らせ" in page
    assert page.count('data-trigger="') == len(triggers.HANDLES)
    row = page.split(f'data-trigger="{triggers.FRIEND_ADDED}"')[1].split("</tr>")[0]
    assert "使用中" in row
    other = page.split(f'data-trigger="{triggers.FRIEND_BLOCKED}"')[1].split("</tr>")[0]
    assert "未使用" in other
    assert "<code>unlinked</code>" in page
    assert "https://admin.shopify.com/store/tsunagu-demo/apps/flow" in page


def test_the_flows_page_links_to_it(demo_app, demo_shop):
    assert 'href="/shopify-flow"' in _get(demo_app, "/flows")
