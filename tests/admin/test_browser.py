"""The admin in a real browser (headless Chromium), in demo mode, without Shopify's CDN.

Screenshots land in artifacts/screenshots/ for a person to look at (the browser fixtures
are in tests/plugins/browser.py).
"""

from __future__ import annotations

import pytest

from app import ext
from tests.plugins.browser import SHOTS

pytestmark = pytest.mark.browser

PAGES = [
    ("/", "home"),
    ("/flows", "flows"),
    ("/customers", "customers"),
    ("/messages", "messages"),
    ("/audiences", "audiences"),
    ("/campaigns", "campaigns"),
    ("/sequences", "sequences"),
    ("/rich-menus", "richmenus"),
    ("/sources", "sources"),
    ("/keywords", "keywords"),
    ("/simulator", "simulator"),
    ("/settings", "settings"),
    ("/privacy", "privacy"),
]


def test_every_admin_page_is_readable_and_navigable_without_the_cdn(demo_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(demo_server.url + "/")
    for path, name in PAGES:
        page.get_by_role("navigation").get_by_role("link").nth([p for p, _ in PAGES].index(path)).click()
        page.wait_for_url(demo_server.url + path)
        assert page.locator("h1").first.is_visible()
        current = page.locator('.local-nav a[aria-current="page"]')
        assert current.count() == 1 and current.get_attribute("href") == path
        # Nothing wider than the window: no horizontal scrolling.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(SHOTS / f"admin-{name}.png"), full_page=True)


def test_home_shows_the_checklist_and_store_numbers(demo_server, page):
    page.goto(demo_server.url + "/")

    checks = page.locator(".checklist li")
    assert checks.count() == 5
    assert "つなぐ デモストア に接続済み" in checks.nth(0).inner_text()
    assert "LINE 公式アカウントの接続" in checks.nth(1).inner_text()
    assert "つなぐ デモストア に接続済み" in checks.nth(1).inner_text()  # the demo's dry-run channel
    assert "240 件の商品" in checks.nth(2).inner_text()
    stats = page.locator(".stats").inner_text()
    assert "顧客" in stats and "50" in stats


def test_keyboard_reaches_the_navigation(demo_server, page):
    page.goto(demo_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")

    assert focused == "ホーム"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(demo_server.url + "/flows")


def test_settings_form_shows_errors_next_to_fields_and_saves(demo_server, page):
    page.goto(demo_server.url + "/settings")
    assert page.locator(".qr svg").is_visible()  # the demo's add-friend QR, drawn locally

    page.fill("#greeting", "あ" * 2001)
    page.get_by_role("button", name="保存").click()
    error = page.locator("#greeting-error")
    error.wait_for(state="visible")
    assert "2,000" in error.inner_text()
    assert page.get_attribute("#greeting", "aria-invalid") == "true"

    page.fill("#greeting", "{shop_name}へようこそ！")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("load")
    page.locator(".bubble", has_text="つなぐ デモストアへようこそ！").wait_for()
    page.screenshot(path=str(SHOTS / "admin-settings-saved.png"), full_page=True)


def test_keyword_rule_made_in_the_page_answers_in_the_simulator(demo_server, page):
    page.goto(demo_server.url + "/keywords")
    assert page.locator("[data-answer=products]").is_hidden()  # only the chosen answer's fields

    page.get_by_role("button", name="保存").first.click()  # empty: refused, errors beside the fields
    page.locator("#keywords-error").wait_for(state="visible")
    assert page.get_attribute("#keywords", "aria-invalid") == "true"

    page.fill("#keywords", "送料, 配送料")
    page.fill("#text", "送料は全国一律500円です。")
    page.get_by_role("button", name="保存").first.click()
    page.wait_for_load_state("load")
    page.locator("table.rules", has_text="配送料").wait_for()
    page.screenshot(path=str(SHOTS / "admin-keywords-rule.png"), full_page=True)

    page.goto(demo_server.url + "/simulator")
    page.fill("#message", "送料はいくら？")
    page.get_by_role("button", name="送信").click()
    page.locator(".tf-chat", has_text="送料は全国一律500円です。").wait_for()
    page.fill("#message", "緑茶")
    page.get_by_role("button", name="送信").click()
    page.locator(".tf-chat a", has_text="詳しく見る").first.wait_for()
    page.screenshot(path=str(SHOTS / "admin-simulator.png"), full_page=True)


def test_a_failed_api_call_is_shown_in_the_merchants_language(demo_server, page):
    page.goto(demo_server.url + "/simulator")
    alert = page.locator("#api-error")
    assert alert.is_hidden()

    page.route("**/api/chat/simulate", lambda route: route.abort())  # the network is gone
    page.fill("#message", "緑茶")
    page.get_by_role("button", name="送信").click()
    alert.wait_for(state="visible")
    assert "アプリに接続できませんでした" in alert.inner_text()

    page.unroute("**/api/chat/simulate")
    page.route("**/api/chat/simulate", lambda route: route.fulfill(status=500, body="<h1>oops</h1>"))
    page.fill("#message", "送料")
    page.get_by_role("button", name="送信").click()
    page.wait_for_function("document.getElementById('api-error').textContent.includes('500')")
    assert "処理できませんでした（500）" in alert.inner_text()

    page.unroute("**/api/chat/simulate")
    page.fill("#message", "緑茶")
    page.get_by_role("button", name="送信").click()
    alert.wait_for(state="hidden")  # a call that works clears it

    page.goto(demo_server.url + "/keywords")  # a form's failure lands in its own message box
    page.route("**/api/synonyms", lambda route: route.abort())
    form = page.locator("form[data-api='/api/synonyms']")
    form.get_by_role("button").click()
    form.locator(".form-message", has_text="アプリに接続できませんでした").wait_for()
    page.screenshot(path=str(SHOTS / "admin-api-error.png"), full_page=True)


def _set_locale(demo_server, locale: str) -> None:
    from sqlmodel import Session, select

    from app.models import Shop

    with Session(ext.engine(demo_server.app)) as session:
        shop = session.exec(select(Shop).where(Shop.is_demo.is_(True))).one()
        shop.locale = locale
        session.add(shop)
        session.commit()


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_home_and_the_flows_editor_in_either_language(demo_server, page, locale):
    SHOTS.mkdir(parents=True, exist_ok=True)
    _set_locale(demo_server, locale)
    page.goto(demo_server.url + "/?period=30")
    assert page.locator("html").get_attribute("lang") == locale
    heading = page.locator("h1").first.inner_text()
    assert heading == ("Get started" if locale == "en" else "はじめに")
    page.screenshot(path=str(SHOTS / f"admin-home-{locale}.png"), full_page=True)

    page.goto(demo_server.url + "/flows")
    page.wait_for_selector("#fe-abandoned_checkout [data-preview] .tf-row")
    assert page.locator("#fe-title").inner_text() == ("Settings and texts" if locale == "en" else "配信の設定と文面")
    page.screenshot(path=str(SHOTS / f"admin-flows-editor-{locale}.png"), full_page=True)
    form = page.locator("#fe-abandoned_checkout")
    assert form.locator("[data-preview]").get_attribute("lang") == "ja"  # the Japanese text's preview, marked
    form.locator("[data-switch]").uncheck()  # what the script says comes from the page too
    status = form.locator("[data-switch-status]")
    status.wait_for(state="visible")
    page.wait_for_function("document.querySelector('#fe-abandoned_checkout [data-switch-status]').textContent != ''")
    assert status.inner_text() == ("Switched off." if locale == "en" else "オフにしました。")
    form.locator("[data-switch]").check()
    page.wait_for_function(
        "(want) => document.querySelector('[data-state-of=abandoned_checkout]').textContent.trim() == want",
        arg="On" if locale == "en" else "オン",
    )
