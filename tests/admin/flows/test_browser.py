"""The Flows editor in a real browser (demo store): the switch saves at once, the preview
follows the text being typed, an invalid text is refused next to its field, a test send is
captured in the dry run. Screenshots: artifacts/screenshots/admin-flows-*.png."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select

from app.models import LineDryRun, Shop
from tests.plugins.browser import SHOTS

pytestmark = pytest.mark.browser


@pytest.fixture
def engine(settings):
    engine = create_engine(settings.database_url)
    yield engine
    engine.dispose()


def _shop_settings(engine) -> dict:
    with Session(engine) as s:
        return s.exec(select(Shop).where(Shop.is_demo.is_(True))).first().settings or {}


def _open(page, demo_server, flow: str) -> None:
    page.goto(demo_server.url + "/flows")
    page.locator(f'.fe-tab[data-tab="{flow}"]').click()
    page.wait_for_selector(f"#fe-{flow} [data-preview] .tf-row")


def test_switch_a_flow_off_and_on(demo_server, page, engine):
    _open(page, demo_server, "abandoned_checkout")
    form = page.locator("#fe-abandoned_checkout")
    badge = page.locator('[data-state-of="abandoned_checkout"]')

    form.locator("[data-switch]").uncheck()
    page.wait_for_function("document.querySelector('[data-state-of=abandoned_checkout]').textContent.trim() == 'オフ'")
    assert form.locator("[data-switch-status]").inner_text() == "オフにしました。"
    assert _shop_settings(engine)["flows"]["abandoned_checkout"]["enabled"] is False
    page.reload()
    assert not page.locator("#fe-abandoned_checkout [data-switch]").is_checked()  # saved, not just drawn

    page.locator("#fe-abandoned_checkout [data-switch]").check()
    page.wait_for_function("document.querySelector('[data-state-of=abandoned_checkout]').textContent.trim() == 'オン'")
    assert badge.inner_text() == "オン"
    assert _shop_settings(engine)["flows"]["abandoned_checkout"]["enabled"] is True


def test_the_preview_follows_the_text_and_chips_insert_variables(demo_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    _open(page, demo_server, "abandoned_checkout")
    form = page.locator("#fe-abandoned_checkout")
    chat = form.locator("[data-preview]")
    assert "お買い物カゴに商品が残っています" in chat.inner_text()
    assert form.locator(".tf-row").count() == 2  # the text, then the cart card with its button
    page.screenshot(path=str(SHOTS / "admin-flows-editor.png"), full_page=True)

    area = form.locator("textarea[data-lang=ja]")
    area.fill("本日限定！{customer_name}様、カートの商品をお取り置き中です。")
    area.press("End")
    form.locator('.fe-chip[data-var="total"]').click()
    assert area.input_value().endswith("{total}")
    # The preview of the fill can land before the chip's (each is a request after a 300 ms
    # pause): wait for the text that ends in the filled-in total.
    page.wait_for_function(
        "document.querySelector('#fe-abandoned_checkout [data-preview]').innerText.includes('お取り置き中です。¥')"
    )
    text = chat.inner_text()
    assert "様、カートの商品をお取り置き中です。¥" in text  # {total} filled in from the demo's order
    assert "{customer_name}" not in text

    form.locator("[data-discount-type]").first.select_option("percentage")
    area.fill("{customer_name}様、クーポン {discount_code} をどうぞ")
    page.wait_for_function(
        "document.querySelector('#fe-abandoned_checkout [data-preview]').innerText.includes('LINE-SAMPLE01 をどうぞ')"
    )
    chat.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "admin-flows-preview.png"), full_page=True)


def test_an_invalid_text_is_refused_next_to_its_field(demo_server, page, engine):
    _open(page, demo_server, "shipping_update")
    form = page.locator("#fe-shipping_update")
    area = form.locator("#fe-shipping_update-delivered-en")
    area.fill("Delivered {order_name}, see {coupon}")
    form.locator("[type=submit]").click()

    slot = form.locator('[data-error-for="templates.shipping_update:delivered.en"]')
    slot.wait_for(state="visible")
    assert "{coupon}" in slot.inner_text()
    assert area.get_attribute("aria-invalid") == "true"
    assert "保存できませんでした" in form.locator("[data-form-message]").inner_text()
    assert "flow:shipping_update:delivered" not in (_shop_settings(engine).get("line_texts") or {})
    slot.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "admin-flows-error.png"), full_page=False)

    area.fill("Delivered: {order_name}. Enjoy!")
    form.locator("[type=submit]").click()
    page.wait_for_function(
        "document.querySelector('#fe-shipping_update [data-form-message]').textContent.includes('保存しました')"
    )
    assert _shop_settings(engine)["line_texts"]["flow:shipping_update:delivered"] == {
        "en": "Delivered: {order_name}. Enjoy!"
    }


def test_a_test_send_in_the_demo_is_captured(demo_server, page, engine):
    _open(page, demo_server, "repurchase")
    form = page.locator("#fe-repurchase")
    assert "ドライラン" in form.locator(".fe-test").inner_text()
    form.locator("textarea[data-lang=ja]").fill("{customer_name}様、{product_title} のテストです")
    form.locator("[data-test-send]").click()
    page.wait_for_function("document.querySelector('#fe-repurchase [data-test-message]').textContent.length > 0")
    assert "記録しました" in form.locator("[data-test-message]").inner_text()
    with Session(engine) as s:
        captured = s.exec(select(LineDryRun).order_by(LineDryRun.id.desc())).first()
    assert "のテストです" in str(captured.body)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_back_in_stock_settings_refused_by_field_then_saved_and_the_card_lists_requests(demo_server, page, engine):
    from datetime import timedelta

    from app.flows import restock_requests
    from app.models import LineFriend, ProductVariant
    from app.timeutil import utcnow

    with Session(engine) as s:  # two demo friends ask for a sold-out variant
        shop = s.exec(select(Shop).where(Shop.is_demo.is_(True))).first()
        variant = s.exec(select(ProductVariant).where(ProductVariant.shop_id == shop.id)).first()
        variant.available, variant.inventory_quantity = False, 0
        s.add(variant)
        friends = s.exec(select(LineFriend).where(LineFriend.shop_id == shop.id).limit(2)).all()
        for i, friend in enumerate(friends):
            restock_requests.request(
                session=s, shop=shop, friend=friend, variant=variant, now=utcnow() - timedelta(hours=2 - i)
            )
        s.commit()
        variant_id = variant.shopify_id
    assert len(friends) == 2

    _open(page, demo_server, "back_in_stock")
    form = page.locator("#fe-back_in_stock")
    form.locator('[data-setting="factor"]').fill("11")
    form.locator('[data-setting="expiry_days"]').fill("3")
    form.locator("[type=submit]").click()
    slot = form.locator('[data-error-for="factor"]')
    slot.wait_for(state="visible")
    assert "1" in slot.inner_text() and "10" in slot.inner_text()
    assert "7" in form.locator('[data-error-for="expiry_days"]').inner_text()
    assert "back_in_stock" not in (_shop_settings(engine).get("flows") or {})
    slot.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "admin-flows-restock-error.png"), full_page=False)

    form.locator('[data-setting="factor"]').fill("5")
    form.locator('[data-setting="expiry_days"]').fill("60")
    form.locator("[type=submit]").click()
    page.wait_for_function(
        "document.querySelector('#fe-back_in_stock [data-form-message]').textContent.includes('保存しました')"
    )
    stored = _shop_settings(engine)["flows"]["back_in_stock"]
    assert (stored["factor"], stored["expiry_days"]) == (5, 60)

    card = page.locator("#back-in-stock")
    row = card.locator(f'tr[data-variant="{variant_id}"]')
    assert row.locator("td.num").inner_text() == "2"
    assert "売り切れ" in row.inner_text()
    assert card.locator('[data-result="requests"]').inner_text() == "2"
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "admin-flows-restock.png"), full_page=False)
