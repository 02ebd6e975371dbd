"""A sequence's steps in the composer's block editor, in a real browser (demo store, no
Shopify CDN): a new sequence started by a friend source chosen by name, a step with product
cards from the catalog search and an uploaded image (both in the phone preview), a second
step whose bad button link is refused beside that step's field with nothing saved and
whose coupon offers a shared code only, then saved and reopened with every block, its
products by name and the source selected."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from app import ext
from app.models import FriendSource, Sequence, SequenceStep
from tests.admin.campaigns.test_browser_composer import _png
from tests.plugins.browser import SHOTS

pytestmark = pytest.mark.browser


def test_steps_get_products_and_an_image_saved_reopened_and_errors_by_step(demo_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(demo_server.url + "/sequences/new")
    page.fill("#seq-name", "同梱チラシから")
    page.select_option("#seq-trigger", "source")
    page.select_option("#seq-source", label="同梱チラシ")

    first = page.locator("#steps > li[data-step='0']")
    first.locator("[data-field='steps[0].blocks[0].text']").fill("{customer_name}さん、おすすめの緑茶です")
    first.get_by_role("button", name="＋ 商品").click()
    first.locator("[data-field='steps[0].blocks[1].search']").fill("緑茶")
    found = first.locator("[data-block='1'] .cmp-found li")
    found.first.wait_for()
    title = found.first.locator("span").inner_text().split(" (")[0]
    found.first.get_by_role("button", name="追加").click()
    assert first.locator("[data-block='1'] [data-chosen] li").inner_text().startswith(title)
    preview = page.locator("#preview")
    preview.locator(".tf-carousel, .tf-bubble", has_text=title).first.wait_for()

    first.get_by_role("button", name="＋ 画像").click()
    first.locator("[data-field='steps[0].blocks[2].image']").set_input_files(
        files=[{"name": "tea.png", "mimeType": "image/png", "buffer": _png()}]
    )
    first.locator("[data-block='2'] [data-image-info]", has_text="1040×680 px").wait_for()
    page.wait_for_function("(document.querySelector('#preview .tf-photo img') || {}).naturalWidth > 0")
    assert page.locator("#preview-step").inner_text() == "(ステップ 1)"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / "admin-sequences-editor-blocks.png"), full_page=True)

    page.get_by_role("button", name="ステップを追加").click()
    second = page.locator("#steps > li[data-step='1']")
    second.locator("[data-field='steps[1].blocks[0].text']").fill("特集ページもどうぞ")
    assert "＋ クーポン" in second.locator(".cmp-add").inner_text()
    second.get_by_role("button", name="＋ ボタン").click()
    second.locator("[data-field='steps[1].blocks[1].label']").fill("特集を見る")
    url = second.locator("[data-field='steps[1].blocks[1].url']")
    url.fill("http://tsunagu-demo.myshopify.com/collections/green-tea")
    page.get_by_role("button", name="保存").click()
    error = second.locator("[data-error='steps[1].blocks[1].url']")
    error.wait_for(state="visible")
    assert "https://" in error.inner_text()
    assert url.get_attribute("aria-invalid") == "true"
    assert first.locator(".field-error:not(:empty)").count() == 0  # nothing wrong in the first step
    page.screenshot(path=str(SHOTS / "admin-sequences-editor-blocks-error.png"), full_page=True)
    with Session(ext.engine(demo_server.app)) as s:
        assert s.exec(select(Sequence).where(Sequence.name == "同梱チラシから")).first() is None

    url.fill("https://tsunagu-demo.myshopify.com/collections/green-tea")
    second.get_by_role("button", name="＋ クーポン").click()  # a shared code only: no choice of a code per person
    assert second.locator("[data-field='steps[1].blocks[2].mode']").count() == 0
    second.locator("[data-field='steps[1].blocks[2].code']").fill("GREENTEA10")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r".*/sequences/\d+$"))
    page.reload()
    first = page.locator("#steps > li[data-step='0']")
    assert [first.locator("[data-block]").nth(i).get_attribute("data-type") for i in range(3)] == [
        "text",
        "products",
        "image",
    ]
    first.locator("[data-block='1'] [data-chosen] li", has_text=title).wait_for()
    assert page.locator("#seq-source option:checked").inner_text() == "同梱チラシ"
    assert page.locator("[data-field='steps[1].blocks[1].label']").input_value() == "特集を見る"
    preview.locator(".tf-carousel, .tf-bubble", has_text=title).first.wait_for()

    with Session(ext.engine(demo_server.app)) as s:
        sequence = s.exec(select(Sequence).where(Sequence.name == "同梱チラシから")).one()
        flyer = s.exec(select(FriendSource).where(FriendSource.slug == "parcel-flyer")).one()
        assert sequence.trigger == "source" and sequence.trigger_params == {"source_id": flyer.id}
        steps = s.exec(
            select(SequenceStep).where(SequenceStep.sequence_id == sequence.id).order_by(SequenceStep.position)
        ).all()
        assert [[b["type"] for b in step.blocks] for step in steps] == [
            ["text", "products", "image"],
            ["text", "button", "coupon"],
        ]
        assert steps[1].blocks[2]["mode"] == "shared" and steps[1].blocks[2]["code"] == "GREENTEA10"
