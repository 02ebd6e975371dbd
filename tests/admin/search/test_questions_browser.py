"""The store questions card in a real browser (demo mode): the policy answering each question,
an error beside its field, an edit that the chat simulator answers with at once."""

from __future__ import annotations

import pytest

from tests.plugins.browser import SHOTS

pytestmark = pytest.mark.browser


def test_store_questions_are_edited_in_the_page_and_answer_in_the_simulator(demo_server, page):
    page.goto(demo_server.url + "/keywords")
    card = page.locator("#questions-form")
    assert card.locator("a", has_text="配送ポリシー").get_attribute("href").endswith("/policies/shipping-policy")
    assert "ポリシーなし" in card.locator("[data-topic=points]").inner_text()  # Shopify has no points policy

    page.fill("#points_keywords", "")
    card.get_by_role("button", name="保存").click()
    page.locator("#points_keywords-error").wait_for(state="visible")
    assert page.get_attribute("#points_keywords", "aria-invalid") == "true"

    page.fill("#points_keywords", "ポイント, マイル")
    page.fill("#points_text_ja", "{shop_name}では100円ごとに1マイル貯まります。")
    card.get_by_role("button", name="保存").click()
    page.wait_for_load_state("load")
    page.wait_for_function("document.getElementById('points_keywords').value === 'ポイント, マイル'")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#questions-form").screenshot(path=str(SHOTS / "admin-keywords-store-questions.png"))

    page.goto(demo_server.url + "/simulator")
    page.fill("#message", "マイルは貯まりますか")
    page.get_by_role("button", name="送信").click()
    page.locator(".tf-chat", has_text="つなぐ デモストアでは100円ごとに1マイル貯まります。").wait_for()
    page.fill("#message", "送料はいくら？")
    page.get_by_role("button", name="送信").click()
    page.locator(".tf-chat", has_text="全国一律660円").wait_for()
    page.locator(".tf-chat a", has_text="詳しく見る").last.wait_for()
