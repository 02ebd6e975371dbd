"""The results page in a real browser on the demo store: the A/B test's variants with what
LINE withheld shown as "< 20", the holdout campaign's comparison with its interval sentence,
and the scheduled campaign saying it has not been sent. Screenshots for a person to look at."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from app import ext
from app.models import Campaign
from tests.plugins.browser import SHOTS

pytestmark = pytest.mark.browser


def _campaigns(app) -> dict[str, Campaign]:
    with Session(ext.engine(app)) as s:
        return {c.name: c for c in s.exec(select(Campaign))}


def test_results_of_the_demo_campaigns(demo_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    found = _campaigns(demo_server.app)
    ab = found["年末セール（A/B テスト）"]
    page.goto(f"{demo_server.url}/campaigns/{ab.id}/results")
    table = page.locator("#variant-table")
    text = table.inner_text()
    assert "パターンA" in text and "パターンB" in text and "合計" in text
    assert "< 20" in text  # A's clicks: LINE withheld them
    assert page.locator("[data-cell=opened]").all_inner_texts()[:2] == ["31", "38"]
    assert page.locator("[data-cell=orders]").all_inner_texts() == ["2", "3", "5"]  # the demo's orders after it
    assert "勝ち" in table.locator("tbody tr").nth(1).inner_text()  # B won
    page.screenshot(path=str(SHOTS / "admin-campaign-results-ab.png"), full_page=True)

    winter = found["冬の新作のお知らせ（ホールドアウト 10%）"]
    page.goto(f"{demo_server.url}/campaigns/{winter.id}/results")
    holdout = page.locator("#holdout")
    assert "ホールドアウト" in holdout.locator("#holdout-table").inner_text()
    verdicts = holdout.locator(".cr-verdict").all_inner_texts()
    assert len(verdicts) == 2 and "95%区間" in verdicts[0] and "95%区間" in verdicts[1]
    assert "購入率の差" in verdicts[0] and "1人あたり売上の差" in verdicts[1]
    assert all("有意" in v for v in verdicts)
    assert page.locator("[data-cell=clicked]").first.inner_text() == "< 20"
    page.screenshot(path=str(SHOTS / "admin-campaign-results-holdout.png"), full_page=True)

    scheduled = found["お正月の福袋 予約開始"]
    page.goto(f"{demo_server.url}/campaigns/{scheduled.id}/results")
    assert "まだ送信されていません" in page.locator("#not-started").inner_text()
