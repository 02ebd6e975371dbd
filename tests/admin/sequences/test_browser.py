"""The sequence editor in a real browser (demo store, no Shopify CDN): the shipped welcome
sequence is listed off; its editor shows the steps on a timeline with real dates, the day-1
step in the phone preview; a delay out of range is refused beside its field and nothing is
saved; a fixed one saves and moves its date; the list's switch turns it on."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from app import ext
from app.models import Sequence, SequenceStep
from tests.plugins.browser import SHOTS

pytestmark = pytest.mark.browser


def test_the_welcome_sequence_in_the_editor(demo_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(demo_server.url + "/sequences")
    row = page.locator("#sequence-table tbody tr").first
    assert "ようこそ（友だち追加）" in row.inner_text() and "友だち追加" in row.inner_text()
    assert not row.locator("[data-switch]").is_checked()
    row.get_by_role("link").click()
    page.wait_for_url(re.compile(r".*/sequences/\d+$"))
    assert page.locator("#running-note").is_visible()

    steps = page.locator("#steps > li")
    assert steps.count() == 3
    assert "あいさつ" in steps.nth(0).inner_text()
    dates = [page.locator(f"[data-when='{i}']").inner_text() for i in range(3)]
    assert all(re.search(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}", d) for d in dates), dates
    assert dates[1].endswith("10:00") and dates[2].endswith("10:00")
    preview = page.locator("#preview")
    preview.locator(".tf-says", has_text="キーワード").wait_for()  # day 1, compiled by the composer
    page.screenshot(path=str(SHOTS / "admin-sequences-editor.png"), full_page=True)

    amount = steps.nth(1).locator("input[type=number]")
    amount.fill("120")
    page.get_by_role("button", name="保存").click()
    error = page.locator("[data-error='steps[1].delay.amount']")
    error.wait_for(state="visible")
    assert "0〜90" in error.inner_text()
    page.screenshot(path=str(SHOTS / "admin-sequences-editor-error.png"), full_page=True)
    with Session(ext.engine(demo_server.app)) as s:
        saved = s.exec(select(SequenceStep).where(SequenceStep.position == 2)).one()
        assert saved.delay_amount == 1  # refused: nothing saved

    amount.fill("2")
    page.get_by_role("button", name="保存").click()
    page.locator("#save-message", has_text="保存しました").wait_for()
    assert page.locator("[data-when='1']").inner_text() != dates[1]
    with Session(ext.engine(demo_server.app)) as s:
        assert s.exec(select(SequenceStep).where(SequenceStep.position == 2)).one().delay_amount == 2

    page.goto(demo_server.url + "/sequences")
    page.locator("[data-switch]").first.check()
    page.locator("#switch-message", has_text="オンにしました").wait_for()
    with Session(ext.engine(demo_server.app)) as s:
        assert s.exec(select(Sequence)).one().enabled
