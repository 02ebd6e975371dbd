"""The rich menu page in a real browser (demo store): the demo's tab menu in the phone
frame, tabs switched by tapping them, each area outlined with its action; the editor
draws a menu, refuses a non-HTTPS link by the button, saves, and publishes (dry run)."""

from __future__ import annotations

import pytest

from tests.plugins.browser import SHOTS

pytestmark = pytest.mark.browser


def test_switch_tabs_in_the_phone_frame_then_draw_save_and_publish_a_menu(demo_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(demo_server.url + "/rich-menus")
    areas = page.locator("#phone-areas .rm-area")
    assert areas.count() == 6  # three tabs and three buttons
    assert page.locator("#phone-bar").inner_text() == "メニュー"
    first_image = page.locator("#phone-image").get_attribute("src")
    assert first_image.startswith("data:image/png;base64,")
    assert "タブ切替: demo-tab-1" in areas.nth(1).get_attribute("title")
    legend = page.locator("#phone-legend li")
    assert legend.count() == 6 and legend.nth(1).inner_text() == "タブ切替: demo-tab-1"
    assert "リンクを開く: https://" in areas.nth(3).get_attribute("title")
    page.screenshot(path=str(SHOTS / "admin-richmenus-home-tab.png"), full_page=True)

    areas.nth(1).click()  # the セール tab
    page.wait_for_function(f"document.getElementById('phone-image').src !== {first_image!r}")
    assert "リンクを開く: https://tsunagu-demo.myshopify.com/collections/sale" in page.locator(
        "#phone-areas .rm-area"
    ).nth(3).get_attribute("title")
    page.screenshot(path=str(SHOTS / "admin-richmenus-sale-tab.png"), full_page=True)

    button = page.locator(".rm-button").first
    button.locator("[data-key=label]").fill("新着")
    button.locator("[data-key=type]").select_option("uri")
    button.locator("[data-key=value]").fill("http://tsunagu-demo.myshopify.com/")
    page.locator("#rm-size").select_option("compact")
    page.locator("#rm-preview").click()
    page.wait_for_function("document.getElementById('phone-note').textContent.includes('KB')")
    assert page.locator("#phone-areas .rm-area").count() == 3
    page.get_by_role("button", name="保存").click()
    error = button.locator(".field-error")
    error.wait_for(state="visible")
    assert error.inner_text() == "リンク先は https:// で始まる URL にしてください。"
    page.screenshot(path=str(SHOTS / "admin-richmenus-refused.png"), full_page=True)

    button.locator("[data-key=value]").fill("https://tsunagu-demo.myshopify.com/collections/new")
    search = page.locator(".rm-button").nth(1)
    search.locator("[data-key=type]").select_option("search")  # the store's search, with the words typed
    search.locator("[data-key=value]").fill("コート")
    page.get_by_role("button", name="保存").click()
    page.wait_for_function("document.getElementById('editor-message').textContent.includes('保存しました')")
    assert page.locator("#menu-list li").count() == 3  # the tab set, the unlinked menu, the new one
    page.get_by_role("button", name="LINE に公開").click()
    page.wait_for_function("document.getElementById('publish-message').textContent.includes('公開しました')")
    assert "公開中" in page.locator("#menu-list li").last.inner_text()
    assert "is-ok" in page.get_attribute("#publish-message", "class")  # shown as a success, not an error
    assert "is-ok" in page.get_attribute("#editor-message", "class")
    page.screenshot(path=str(SHOTS / "admin-richmenus-published.png"), full_page=True)
    search_area = page.locator("#phone-areas .rm-area").nth(1).get_attribute("title")
    assert "リンクを開く: https://tsunagu-demo.myshopify.com/search?q=%E3%82%B3%E3%83%BC%E3%83%88" in search_area


def test_the_results_table_shows_taps_orders_revenue_and_links_per_button(demo_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(demo_server.url + "/rich-menus")
    table = page.locator("#taps-table")
    table.scroll_into_view_if_needed()
    headers = table.locator("thead th").all_inner_texts()
    assert headers[-3:] == ["注文数", "売上", "連携した友だち"]
    totals = table.locator("tr[data-total]")
    assert totals.count() == 4  # one per demo menu (three tabs, the unlinked friends' menu)
    orders = sum(int(t) for t in totals.locator("[data-cell=orders]").all_inner_texts())
    assert orders == 6  # the demo's orders that landed from a web button
    assert any(r.startswith("¥") and r != "¥0" for r in totals.locator("[data-cell=revenue]").all_inner_texts())
    link_row = table.locator("tr[data-kind=postback]", has_text="action=link")
    assert int(link_row.locator("[data-cell=linked]").inner_text()) >= 1
    assert "アカウント連携" in link_row.inner_text()  # the button's own label names the row
    assert "セール" in table.locator("tr[data-kind=postback]", has_text="tab=1").first.inner_text()  # a tab
    assert "アトリビューション期間" in page.locator("#results-note").inner_text()
    table.screenshot(path=str(SHOTS / "admin-richmenus-results.png"))
    page.screenshot(path=str(SHOTS / "admin-richmenus-results-page.png"), full_page=True)
