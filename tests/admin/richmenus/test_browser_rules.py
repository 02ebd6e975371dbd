"""The rich menu page's rule and tab-set editing in a real browser (demo store): a rule with
a period in the shop's time zone refused by its field, then added, moved to the top (kept
after a reload) and removed; a tab set made from two drawn menus, a wrong alias refused by
its tab, then shown in the phone frame with its tab strip."""

from __future__ import annotations

import pytest

from tests.plugins.browser import SHOTS

pytestmark = pytest.mark.browser


def rule_texts(page) -> list[str]:
    return [t.strip() for t in page.locator("#rule-list .rm-rule-text").all_inner_texts()]


def test_add_reorder_and_remove_a_rule_with_a_local_period(demo_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(demo_server.url + "/rich-menus")
    before = rule_texts(page)
    assert before[0].startswith("未連携の友だち → 未連携の友だち向け") and len(before) == 2
    form = page.locator("#rule-form")
    form.locator("#rule-menu").select_option(label="未連携の友だち向け")
    form.locator("#rule-kind").select_option("linked")
    form.locator("#rule-start").fill("2026-12-10T10:00")
    form.locator("#rule-end").fill("2026-12-10T09:00")
    form.get_by_role("button", name="ルールを追加").click()
    error = form.locator('[data-error="ends_at"]')
    error.wait_for(state="visible")
    assert error.inner_text() == "終了は開始より後にしてください。"
    assert rule_texts(page) == before  # nothing saved
    page.screenshot(path=str(SHOTS / "admin-richmenus-rule-refused.png"), full_page=True)

    form.locator("#rule-end").fill("2026-12-25T23:59")
    form.get_by_role("button", name="ルールを追加").click()
    page.wait_for_function("document.querySelectorAll('#rule-list .rm-rule-text').length === 3")
    assert rule_texts(page)[2] == "連携済みの友だち → 未連携の友だち向け（2026-12-10 10:00〜2026-12-25 23:59）"
    assert form.locator('[data-error="ends_at"]').inner_text() == ""

    page.locator("#rule-list li").nth(2).get_by_role("button", name="上へ").click()
    # The list is drawn again once the move is saved: the next click waits for it (clicking
    # at once, under load, pressed the button of the row before the move).
    page.wait_for_function(
        "document.querySelectorAll('#rule-list .rm-rule-text')[1].textContent.includes('2026-12-10 10:00')"
    )
    page.locator("#rule-list li").nth(1).get_by_role("button", name="上へ").click()
    page.wait_for_function(
        "document.querySelector('#rule-list .rm-rule-text').textContent.includes('2026-12-10 10:00')"
    )
    page.reload()
    assert rule_texts(page) == [
        "連携済みの友だち → 未連携の友だち向け（2026-12-10 10:00〜2026-12-25 23:59）",
        *before,
    ]
    page.screenshot(path=str(SHOTS / "admin-richmenus-rules.png"), full_page=True)
    page.locator("#rule-list li").first.get_by_role("button", name="削除").click()
    page.wait_for_function("document.querySelectorAll('#rule-list .rm-rule-text').length === 2")
    page.reload()
    assert rule_texts(page) == before


def test_make_a_tab_set_from_two_drawn_menus(demo_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(demo_server.url + "/rich-menus")
    page.locator("#rm-name").fill("会員メニュー")
    page.get_by_role("button", name="保存").click()
    page.wait_for_function("document.getElementById('editor-message').textContent.includes('保存しました')")
    lists_before = page.locator("#menu-list li").count()

    form = page.locator("#tabset-form")
    form.locator("#tabset-name").fill("冬のタブ")
    tabs = form.locator(".rm-tab")
    tabs.nth(0).locator("[data-key=menu_id]").select_option(label="未連携の友だち向け")
    tabs.nth(0).locator("[data-key=label]").fill("はじめて")
    tabs.nth(0).locator("[data-key=alias_id]").fill("winter-first")
    tabs.nth(1).locator("[data-key=menu_id]").select_option(label="会員メニュー")
    tabs.nth(1).locator("[data-key=label]").fill("会員")
    tabs.nth(1).locator("[data-key=alias_id]").fill("winter member")  # a space: not an alias id
    form.get_by_role("button", name="タブセットを作成").click()
    error = tabs.nth(1).locator('[data-error="tabs[1].alias_id"]')
    error.wait_for(state="visible")
    assert error.inner_text() == "タブ ID は半角英数字・「-」・「_」で 1〜32 文字です。"
    assert tabs.nth(0).locator('[data-error="tabs[0].alias_id"]').inner_text() == ""
    assert page.locator("#menu-list li").count() == lists_before  # nothing saved
    page.screenshot(path=str(SHOTS / "admin-richmenus-tabset-refused.png"), full_page=True)

    tabs.nth(1).locator("[data-key=alias_id]").fill("winter-member")
    form.get_by_role("button", name="タブセットを作成").click()
    page.wait_for_function("document.getElementById('tabset-message').textContent.includes('作成しました')")
    assert page.locator("#menu-list li").count() == lists_before + 1  # one entry for the set
    assert "2 タブ" in page.locator("#menu-list li").last.inner_text()
    areas = page.locator("#phone-areas .rm-area")
    assert areas.count() == 2 + 2  # two tab cells above the first menu's two buttons
    assert "タブ切替: winter-member" in areas.nth(1).get_attribute("title")
    first_image = page.locator("#phone-image").get_attribute("src")
    page.screenshot(path=str(SHOTS / "admin-richmenus-tabset.png"), full_page=True)
    areas.nth(1).click()  # to the 会員 tab
    page.wait_for_function(f"document.getElementById('phone-image').src !== {first_image!r}")
    assert page.locator("#phone-bar").inner_text() == "メニュー"  # the 会員 tab (the editor's menu)
    assert page.locator("#phone-areas .rm-area").count() == 2 + 3
