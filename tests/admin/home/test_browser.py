"""The Home dashboard in a real browser (demo): charts with data, period links, a tracked
link's click counted, the plan select; screenshots at 1100 px and 400 px."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from app import ext
from app.flows.registry import Flow
from app.models import Attribution, FriendBlock, LineFriend, Notification, Order, Shop, TrackedLink
from app.timeutil import utcnow
from tests.plugins.browser import SHOTS

pytestmark = pytest.mark.browser
FLOWS = (Flow.ABANDONED_CHECKOUT, Flow.ORDER_CONFIRMATION, Flow.SHIPPING_UPDATE, Flow.REPURCHASE)


def _history(session: Session, shop: Shop) -> None:
    """Until the demo seeds its own history: 90 days of sends, orders and blocks."""
    if session.exec(select(Notification).where(Notification.shop_id == shop.id, Notification.status == "sent")).first():
        return
    rng, now = random.Random(3), utcnow()
    friends = list(session.exec(select(LineFriend.id).where(LineFriend.shop_id == shop.id)))
    for day in range(90):
        for n in range(rng.randint(2, 9)):
            at = now - timedelta(days=day, hours=rng.randint(0, 20))
            flow = rng.choice(FLOWS)
            session.add(
                Notification(
                    shop_id=shop.id,
                    flow=flow,
                    dedupe_key=f"hist-{day}-{n}",
                    status="sent",
                    due_at=at,
                    sent_at=at,
                    friend_id=rng.choice(friends),
                )
            )
        if day % 3 == 0:
            order = Order(shop_id=shop.id, shopify_id=900000 + day, name=f"#H{day}", total_price=Decimal(4980))
            session.add(order)
            session.flush()
            session.add(
                Attribution(
                    shop_id=shop.id,
                    order_id=order.id,
                    flow="abandoned_checkout",
                    kind="recovered_checkout",
                    revenue=Decimal(rng.choice([2980, 4980, 8600])),
                    ordered_at=now - timedelta(days=day, hours=2),
                )
            )
        if day % 9 == 4:
            session.add(FriendBlock(shop_id=shop.id, flow="repurchase", blocked_at=now - timedelta(days=day)))
    session.commit()


@pytest.fixture
def demo(demo_server):
    """The demo store with a month of history behind its dashboard."""
    with Session(ext.engine(demo_server.app), expire_on_commit=False) as session:
        _history(session, session.exec(select(Shop).where(Shop.is_demo.is_(True))).one())
    return demo_server


def test_home_dashboard_shows_charts_with_data_at_both_widths(demo, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(demo.url + "/?period=30")

    charts = page.locator("figure.dash-chart")
    assert charts.count() == 3
    assert page.locator("figure.dash-chart svg").count() == 3  # none of them empty
    assert page.locator("figure.dash-chart").first.locator("svg rect").count() > 20
    assert page.locator(".dash-legend li").count() >= 2
    assert page.locator('.dash-periods a[aria-current="true"]').inner_text() == "30日間"
    tiles = page.locator(".dash-tiles").inner_text()
    assert "LINE 経由の注文" in tiles and "¥" in tiles
    assert page.locator(".dash-flows tbody tr").count() >= 4
    assert "ドライラン" in page.locator("#quota-title + .dash-quota").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SHOTS / "admin-home.png"), full_page=True)

    page.get_by_role("link", name="7日間").click()
    page.wait_for_url(demo.url + "/?period=7")
    assert page.locator("figure.dash-chart").first.locator("details tbody tr").count() == 7

    page.set_viewport_size({"width": 400, "height": 900})
    page.goto(demo.url + "/?period=30")
    page.screenshot(path=str(SHOTS / "admin-home-narrow.png"), full_page=True)
    wide = page.evaluate(
        """[...document.querySelectorAll('body *')]
        .filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > window.innerWidth + 1)
        .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
        .slice(0, 8)"""
    )
    assert wide == [] and page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    width = page.locator("figure.dash-chart svg").first.bounding_box()["width"]
    assert 300 < width <= 400
    page.locator("figure.dash-chart").nth(1).screenshot(path=str(SHOTS / "admin-home-narrow-chart.png"))
    page.screenshot(path=str(SHOTS / "admin-home-narrow.png"), full_page=True)


def test_plan_select_and_link_button_tick_save(demo, page):
    page.goto(demo.url + "/")
    page.select_option("#dash-plan", "standard")
    with page.expect_navigation():  # saved, then the page reloads with the new price
        page.locator(".dash-plan button").click()
    assert "¥15,000" in page.locator(".dash-quota-cost").inner_text()

    item = page.locator('[data-check="check.link"]')
    item.locator("input[name=link_button]").check()
    item.locator("button").click()
    page.wait_for_selector('[data-check="check.link"].is-done')


def test_following_a_tracked_link_counts_the_click(demo, page):
    # The route is part of the app: its absence fails here, never skips.
    assert "/r/<token>" in {r.rule for r in demo.app.url_map.iter_rules()}, "the /r/<token> route is missing"
    with Session(ext.engine(demo.app), expire_on_commit=False) as session:
        shop = session.exec(select(Shop).where(Shop.is_demo.is_(True))).one()
        link = TrackedLink(shop_id=shop.id, token="dashtest" + "0" * 16, flow="repurchase", target=demo.url + "/flows")
        session.add(link)
        session.commit()
    page.goto(demo.url + "/?period=7")
    before = int(page.locator('.dash-flows tr[data-flow="repurchase"] td').nth(1).inner_text().replace(",", ""))
    # A shopper's browser (a "Headless" user agent is counted as a bot, rightly).
    shopper = page.context.browser.new_context(
        user_agent=("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Line/14.0.0")
    )
    followed = shopper.new_page()
    followed.goto(demo.url + "/r/" + link.token)
    assert followed.url == demo.url + "/flows"
    shopper.close()
    page.goto(demo.url + "/?period=7")
    after = int(page.locator('.dash-flows tr[data-flow="repurchase"] td').nth(1).inner_text().replace(",", ""))
    assert after == before + 1
