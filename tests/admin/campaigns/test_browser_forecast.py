"""The forecast page in a real browser (demo store): what the forecast says before sending
(recipients after exclusions, how it is sent and why, messages, quota, cost, requests,
duration), a time in the past refused beside the field, scheduling, and a campaign over the
month's quota that cannot be confirmed and says how many it could reach."""

from __future__ import annotations

import json
import re

import pytest

from tests.plugins.browser import SHOTS

pytestmark = pytest.mark.browser


def _draft(page, base: str, name: str) -> str:
    page.goto(base + "/campaigns/new")
    page.fill("#name", name)
    page.locator("[data-field='blocks[0].text']").fill("年末のご挨拶セールを始めました。")
    page.get_by_role("button", name="保存して見込みを確認").click()
    page.wait_for_url(re.compile(r".*/campaigns/\d+/forecast$"))
    return page.url


def test_forecast_then_schedule(demo_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    _draft(page, demo_server.url, "年末の感謝セール")
    recipients = page.locator("#figures [data-figure=recipients] dd")
    recipients.wait_for()
    assert re.fullmatch(r"[\d,]+ 人", recipients.inner_text()) and recipients.inner_text() != "0 人"
    assert page.locator("#figures [data-figure=transport] dd").inner_text() == "マルチキャスト"
    assert page.locator("#figures [data-figure=quota] dd").inner_text() == "不明"  # a dry run reads no quota
    notes = page.locator("#notes").inner_text()
    assert "500人ずつのマルチキャスト" in notes or "マルチキャストで送ります" in notes
    assert "LINE への送信は" in notes and "円" in notes
    confirm = page.get_by_role("button", name="この内容で配信する")
    assert confirm.is_enabled() and page.locator("#over-quota").is_hidden()
    page.screenshot(path=str(SHOTS / "admin-campaigns-forecast.png"), full_page=True)

    page.get_by_label("日時を指定").first.check()
    page.locator("#scheduled-at").fill("2020-01-01T10:00")
    confirm.click()
    error = page.locator("#scheduled-at-error")
    error.wait_for(state="visible")
    assert error.inner_text() == "配信日時が過ぎています。これから先の日時を選んでください。"
    assert page.get_attribute("#scheduled-at", "aria-invalid") == "true"

    page.locator("#scheduled-at").fill("2030-01-01T10:00")
    page.get_by_role("button", name="この内容で配信する").click()
    page.wait_for_url(demo_server.url + "/campaigns")
    row = page.locator("tr", has_text="年末の感謝セール")
    assert "予約済み" in row.inner_text() and "2030" in row.inner_text()
    page.screenshot(path=str(SHOTS / "admin-campaigns-scheduled.png"), full_page=True)

    page.once("dialog", lambda dialog: dialog.accept())  # "cancel this campaign?"
    row.get_by_role("button", name="配信をやめる").click()
    page.wait_for_function(
        "[...document.querySelectorAll('tr')].some(r => r.textContent.includes('年末の感謝セール')"
        " && r.dataset.status === 'cancelled')"
    )


def test_over_the_quota_the_button_is_disabled_and_the_page_says_how_many(demo_server, page):
    """The demo's LINE is a dry run with no quota: LINE's answer is stood in for at the
    forecast call (the server side of the quota is tested in tests/campaigns)."""
    forecast = {
        "audience": 1200,
        "excluded": {"blocked": 30, "opted_out": 20, "capped": 0},
        "recipients": 1150,
        "messages": 1150,
        "transport": "multicast",
        "transport_reason": "segment",
        "plan": "light",
        "quota_limit": 5000,
        "quota_used": 4400,
        "room": 100,
        "cost_yen": 0,
        "api_calls": 3,
        "duration_s": 0.1,
        "starts_at": "2030-01-01T01:00:00+00:00",
        "quiet_hours": False,
        "fits": False,
        "could_reach": 100,
        "notes": ["今月の残り通数を超えます。届けられるのは 100 人までです（対象 1,150 人）。"],
    }
    body = json.dumps({"forecast": forecast, "confirm": {"recipients": 1150, "messages": 1150, "cost_yen": 0}})
    page.route(
        re.compile(r".*/api/campaigns/\d+/forecast$"),
        lambda route: route.fulfill(status=200, content_type="application/json", body=body),
    )
    _draft(page, demo_server.url, "上限を超える配信")
    banner = page.locator("#over-quota")
    banner.wait_for(state="visible")
    assert "届けられるのは 100 人までです（対象 1,150 人）" in banner.inner_text()
    assert page.get_by_role("button", name="この内容で配信する").is_disabled()
    assert page.locator("#figures [data-figure=quota] dd").inner_text() == "4,400 / 5,000"
    assert page.locator("#figures [data-figure=room] dd").inner_text() == "100"
    page.screenshot(path=str(SHOTS / "admin-campaigns-forecast-over-quota.png"), full_page=True)
