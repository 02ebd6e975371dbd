"""The campaign composer in a real browser (demo store, no Shopify CDN): add a text with a
variable chip, an image (a bad file refused with its reason beside the field, then a good
one), product cards from the catalog search, a button and a coupon with a code per
recipient; the phone preview shows each of them; save and reach the forecast."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.plugins.browser import SHOTS

pytestmark = pytest.mark.browser


def _png() -> bytes:
    out = io.BytesIO()
    picture = Image.new("RGB", (1040, 680), (255, 247, 230))
    for x in range(0, 1040, 80):  # stripes, so the picture is visibly the uploaded one
        picture.paste((6, 199, 85), (x, 0, x + 40, 680))
    picture.save(out, format="PNG")
    return out.getvalue()


def test_compose_text_image_products_and_button_with_a_live_preview(demo_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(demo_server.url + "/campaigns")
    page.get_by_role("link", name="新しい配信").click()
    page.wait_for_url(demo_server.url + "/campaigns/new")
    page.fill("#name", "冬の緑茶フェア")

    text = page.locator("[data-field='blocks[0].text']")
    text.fill("さん、冬の緑茶フェアのお知らせです 🍵")
    text.evaluate("area => area.setSelectionRange(0, 0)")
    page.locator("[data-block='0'] [data-var=customer_name]").click()  # inserted at the cursor
    assert text.input_value() == "{customer_name}さん、冬の緑茶フェアのお知らせです 🍵"
    preview = page.locator("#preview")
    preview.locator(".tf-says", has_text="山田 花子さん、冬の緑茶フェアのお知らせです 🍵").wait_for()

    page.get_by_role("button", name="＋ 画像").click()
    image_input = page.locator("[data-field='blocks[1].image']")
    image_input.set_input_files(
        files=[{"name": "banner.jpg", "mimeType": "image/jpeg", "buffer": b"GIF89a" + b"\0" * 64}]
    )
    error = page.locator("[data-error='blocks[1].image']")
    error.wait_for(state="visible")
    assert error.inner_text() == "JPEG か PNG の画像を選んでください（このファイルはどちらでもありません）。"
    assert image_input.get_attribute("aria-invalid") == "true"
    page.screenshot(path=str(SHOTS / "admin-campaigns-composer-bad-image.png"), full_page=True)

    image_input.set_input_files(files=[{"name": "banner.png", "mimeType": "image/png", "buffer": _png()}])
    page.locator("[data-block='1'] [data-image-info]", has_text="1040×680 px").wait_for()
    photo = preview.locator(".tf-photo img")
    photo.wait_for()
    assert re.search(r"^/media/[\w-]+-preview\.png$", photo.get_attribute("src"))
    page.wait_for_function("document.querySelector('#preview .tf-photo img').naturalWidth > 0")  # served by /media/
    assert error.is_hidden()

    page.get_by_role("button", name="＋ 商品").click()
    page.locator("[data-field='blocks[2].search']").fill("緑茶")
    found = page.locator("[data-block='2'] .cmp-found li")
    found.first.wait_for()
    first_title = found.first.locator("span").inner_text().split(" (")[0]
    found.nth(0).get_by_role("button", name="追加").click()
    found.nth(1).get_by_role("button", name="追加").click()
    assert page.locator("[data-block='2'] [data-chosen] li").count() == 2
    preview.locator(".tf-carousel, .tf-bubble", has_text=first_title).first.wait_for()

    page.get_by_role("button", name="＋ ボタン").click()
    page.locator("[data-field='blocks[3].text']").fill("フェア会場はこちら")
    page.locator("[data-field='blocks[3].label']").fill("フェアを見る")
    page.locator("[data-field='blocks[3].url']").fill("https://tsunagu-demo.myshopify.com/collections/green-tea")
    preview.get_by_text("フェアを見る").wait_for()

    page.get_by_role("button", name="＋ クーポン").click()  # the fifth: no more can be added
    assert page.get_by_role("button", name="＋ テキスト").is_disabled()
    page.locator("[data-field='blocks[4].mode']").select_option("unique")
    page.locator("[data-field='blocks[4].discount_id']").fill("2")
    page.locator("[data-field='blocks[4].text']").fill("あなた専用のコード: ")
    page.locator("[data-block='4'] [data-var=coupon_code]").click()
    preview.locator(".tf-says", has_text="あなた専用のコード: SAMPLE-1234").wait_for()  # a placeholder code
    page.wait_for_function("document.getElementById('preview-status').textContent === ''")
    assert preview.locator(".tf-row").count() == 5
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / "admin-campaigns-composer.png"), full_page=True)

    page.get_by_role("button", name="保存して見込みを確認").click()
    page.wait_for_url(re.compile(r".*/campaigns/\d+/forecast$"))
    page.locator("#figures [data-figure=recipients]").wait_for()
    assert page.locator("#preview .tf-row").count() == 5
    assert page.locator("#figures [data-figure=transport] dd").inner_text() == "プッシュ"  # a name, a unique code

    page.get_by_role("link", name="配信", exact=True).click()
    row = page.locator("tr", has_text="冬の緑茶フェア")
    assert "下書き" in row.inner_text()
