"""The friend sources page in a real browser (demo store): the figures and chart, a
refusal shown by its field, a source created, edited and deleted, a QR code downloaded."""

from __future__ import annotations

import pytest

from tests.plugins.browser import SHOTS

pytestmark = pytest.mark.browser


def test_sources_page_create_refuse_edit_download_and_delete(demo_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(demo_server.url + "/sources")
    table = page.locator("#source-table")
    assert "店頭POP（渋谷店）" in table.inner_text()
    assert page.locator(".dash-chart svg").first.is_visible()
    assert page.locator("#no-login").is_visible()  # the demo has no LINE Login channel
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SHOTS / "admin-sources.png"), full_page=True)

    page.fill("#name", "駅ポスター")
    page.fill("#slug", "shibuya-pop")  # taken by the demo's POP
    page.fill("#cost_yen", "abc")
    page.get_by_role("button", name="保存").click()
    page.locator("#slug-error").wait_for(state="visible")
    assert "ほかの流入経路で使われています" in page.locator("#slug-error").inner_text()
    assert page.locator("#cost_yen-error").inner_text() == "0 以上の整数で入力してください。"
    assert page.get_attribute("#slug", "aria-invalid") == "true"
    page.screenshot(path=str(SHOTS / "admin-sources-errors.png"), full_page=True)

    page.fill("#slug", "station-poster")
    page.fill("#cost_yen", "50000")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("li.src-code:has-text('駅ポスター')")
    poster = page.locator("li.src-code", has_text="駅ポスター")
    assert "/s/tsunagu-demo/station-poster" in poster.inner_text()

    with page.expect_download() as download:
        poster.get_by_role("button", name="PNG 40 mm").click()
    assert download.value.suggested_filename == "line-station-poster-40mm.png"

    poster.get_by_role("button", name="編集").click()
    assert page.input_value("#slug") == "station-poster"
    page.fill("#name", "駅ポスター（渋谷）")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("li.src-code:has-text('駅ポスター（渋谷）')")

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("li.src-code", has_text="駅ポスター（渋谷）").get_by_role("button", name="削除").click()
    page.wait_for_function("!document.body.innerText.includes('駅ポスター')")
