"""The audience editor in a real browser (demo store, no Shopify CDN): build a segment, see
the live count change with each edit (linked and unlinked apart), a wrong field refused
with its reason beside it, save, and find it in the list with its size."""

from __future__ import annotations

import re

import pytest

from tests.plugins.browser import SHOTS

pytestmark = pytest.mark.browser


def _number(text: str) -> int:
    return int(re.sub(r"\D", "", text) or -1)


def test_build_a_segment_watch_the_count_and_save_it(demo_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(demo_server.url + "/audiences")
    table = page.locator("#segment-table")
    assert "VIP（累計 3 万円以上）" in table.inner_text()  # the demo's saved segments
    page.get_by_role("link", name="新しいセグメント").click()
    page.wait_for_url(demo_server.url + "/audiences/new")

    linked, unlinked = page.locator("#count-linked"), page.locator("#count-unlinked")
    page.wait_for_function("document.getElementById('count-linked').textContent.includes('人')")
    assert _number(linked.inner_text()) > 0 and _number(unlinked.inner_text()) == 0  # the first condition: linked

    condition = page.locator(".aud-condition").first
    condition.locator("[data-key=value]").select_option("false")  # not linked
    page.wait_for_function("document.getElementById('count-linked').textContent === '0 人'")
    page.wait_for_function("document.getElementById('count-unlinked').textContent !== '0 人'")
    unlinked_friends = _number(unlinked.inner_text())
    assert unlinked_friends > 0

    condition.locator("[data-key=field]").select_option("last_order")
    days = page.locator(".aud-condition").first.locator("[data-key=days]")
    days.fill("0")
    error = page.locator(".aud-condition .field-error").first
    error.wait_for(state="visible")
    assert "日数は 1〜3,650 の整数で入力してください。" in error.inner_text()
    assert days.get_attribute("aria-invalid") == "true"
    assert linked.inner_text() == "–"
    page.screenshot(path=str(SHOTS / "admin-audiences-refused.png"), full_page=True)

    days.fill("365")
    page.wait_for_function("document.getElementById('count-linked').textContent.includes('人')")
    assert error.is_hidden() and days.get_attribute("aria-invalid") is None
    ordered = _number(linked.inner_text())
    assert ordered > 0 and _number(unlinked.inner_text()) == 0

    page.get_by_role("button", name="＋ グループを追加").click()  # OR the not-linked friends back in
    page.locator("#match").select_option("any")
    second = page.locator(".aud-group").nth(1).locator(".aud-condition").first
    second.locator("[data-key=field]").select_option("linked")
    second.locator("[data-key=value]").select_option("false")
    page.wait_for_function(
        f"document.getElementById('count-unlinked').textContent === '{unlinked_friends} 人'"
        f" && document.getElementById('count-linked').textContent === '{ordered} 人'"
    )

    page.get_by_role("button", name="保存").click()  # no name yet: refused beside the field
    page.locator("#name-error").wait_for(state="visible")
    assert page.get_attribute("#name", "aria-invalid") == "true"
    page.fill("#name", "一年以内に購入 または 未連携")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r".*/audiences/\d+\?saved=1$"))
    page.locator(".form-message", has_text="保存しました").wait_for()
    page.wait_for_function(f"document.getElementById('count-total').textContent === '{ordered + unlinked_friends} 人'")
    page.screenshot(path=str(SHOTS / "admin-audiences-editor.png"), full_page=True)

    page.get_by_role("link", name="セグメント一覧").click()
    row = page.locator("tr", has_text="一年以内に購入 または 未連携")
    row.wait_for()
    assert _number(row.locator("[data-cell=total]").inner_text()) == ordered + unlinked_friends
    page.screenshot(path=str(SHOTS / "admin-audiences.png"), full_page=True)
