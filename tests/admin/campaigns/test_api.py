"""The campaigns JSON API: drafts checked field by field, the forecast, confirm-and-send with
the figures echoed back (refused when they changed or exceed the quota), scheduling in the
shop's time zone, cancel/pause/resume, progress, and another shop's campaigns unseen."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from app.i18n import t
from app.models import Campaign, Shop
from app.timeutil import utcnow
from tests.helpers import fresh, make_shop

TEXT = [{"type": "text", "text": "冬のセールのお知らせ"}]


@pytest.fixture
def anytime(db, shop):
    """No quiet hours: these tests send at the machine's real time."""
    stored = db.get(Shop, shop.id)
    stored.settings = {"policies": {"quiet_start": "00:00", "quiet_end": "00:00"}}
    db.add(stored)
    db.commit()
    return stored


def test_a_draft_is_checked_field_by_field(api, shop):
    past = (utcnow() - timedelta(hours=1)).astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%dT%H:%M")
    answer = api(
        "POST",
        "/api/campaigns",
        {"name": "", "messages": [{"type": "text", "text": " "}] * 6, "scheduled_at": past},
    )
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {
        "name": "配信名を入力してください。",
        "messages": "メッセージは5つまでです。",
        "scheduled_at": "配信日時が過ぎています。これから先の日時を選んでください。",
    }
    answer = api(
        "POST",
        "/api/campaigns",
        {"name": "x", "messages": [{"type": "text", "text": "あ" * 5001}], "audience": {"kind": "tags"}},
    )
    assert answer.get_json()["errors"] == {
        "messages[0].text": "本文は5,000文字までです。",
        "audience": t("campaigns.err.audience", "ja", n="10,000"),
    }


def test_forecast_then_send_with_the_figures_seen(api, db, shop, anytime, fake_line, many_friends, run_campaigns):
    friends = many_friends(600)
    created = api("POST", "/api/campaigns", {"name": "冬のセール", "messages": TEXT})
    assert created.status_code == 201
    campaign = created.get_json()["campaign"]
    assert (campaign["status"], campaign["audience"]) == ("draft", {"kind": "all"})
    answer = api("POST", f"/api/campaigns/{campaign['id']}/forecast").get_json()
    seen = answer["forecast"]
    assert (seen["recipients"], seen["messages"], seen["api_calls"], seen["transport"]) == (600, 600, 2, "multicast")
    assert answer["confirm"] == {"recipients": 600, "messages": 600, "cost_yen": 0}
    assert "600 人に届きます" in seen["notes"][0]

    many_friends(1)  # the audience grew since the merchant looked
    refused = api("POST", f"/api/campaigns/{campaign['id']}/send", {"confirm": answer["confirm"]})
    assert refused.status_code == 409 and "601 人" in refused.get_json()["message"]
    assert fresh(db) is None and db.get(Campaign, campaign["id"]).status == "draft"

    again = {"recipients": 601, "messages": 601, "cost_yen": 0}
    sent = api("POST", f"/api/campaigns/{campaign['id']}/send", {"confirm": again})
    assert sent.status_code == 200 and sent.get_json()["campaign"]["status"] == "scheduled"
    run_campaigns(utcnow() + timedelta(seconds=1))
    progress = api("GET", f"/api/campaigns/{campaign['id']}/progress").get_json()["progress"]
    assert progress == {
        "status": "done",
        "chunks_total": 2,
        "chunks_done": 2,
        "percent": 100.0,
        "recipients": 601,
        "sent": 601,
        "skipped": 0,
        "chunks": {"sent": 2},
        "reason": None,
    }
    assert len(fake_line.multicast_recipients()) == 601 and friends[0].line_user_id in fake_line.multicast_recipients()
    assert api("PUT", f"/api/campaigns/{campaign['id']}", {"name": "x", "messages": TEXT}).status_code == 409


def test_a_send_past_the_quota_is_refused_with_how_many_it_could_reach(api, db, shop, anytime, fake_line, many_friends):
    many_friends(300)
    fake_line.quota, fake_line.total_usage = 200, 0  # 20 kept for order messages: 180 left
    campaign = api("POST", "/api/campaigns", {"name": "多すぎ", "messages": TEXT}).get_json()["campaign"]
    answer = api("POST", f"/api/campaigns/{campaign['id']}/forecast").get_json()
    assert (answer["forecast"]["fits"], answer["forecast"]["could_reach"]) == (False, 180)
    refused = api("POST", f"/api/campaigns/{campaign['id']}/send", {"confirm": answer["confirm"]})
    assert refused.status_code == 409
    assert (
        refused.get_json()["message"]
        == "今月の残り通数を超えるため送れません。届けられるのは 180 人までです（対象 300 人）。"
    )
    assert fake_line.multicasts() == []


def test_scheduling_is_in_the_shops_time_zone_and_can_be_cancelled(api, db, shop, anytime, fake_line, many_friends):
    many_friends(3)
    campaign = api("POST", "/api/campaigns", {"name": "予約", "messages": TEXT}).get_json()["campaign"]
    confirm = api("POST", f"/api/campaigns/{campaign['id']}/forecast").get_json()["confirm"]
    assert api("POST", f"/api/campaigns/{campaign['id']}/schedule", {"confirm": confirm}).status_code == 422
    local = (utcnow() + timedelta(days=1)).astimezone(ZoneInfo("Asia/Tokyo")).replace(second=0, microsecond=0)
    answer = api(
        "POST",
        f"/api/campaigns/{campaign['id']}/schedule",
        {"confirm": confirm, "scheduled_at": local.strftime("%Y-%m-%dT%H:%M")},
    )
    assert answer.status_code == 200
    scheduled = answer.get_json()["campaign"]
    assert scheduled["scheduled_at"] == local.astimezone(ZoneInfo("UTC")).isoformat()
    assert scheduled["scheduled_local"] == local.strftime("%Y/%m/%d %H:%M")
    assert api("POST", f"/api/campaigns/{campaign['id']}/pause").status_code == 409  # not sending
    cancelled = api("POST", f"/api/campaigns/{campaign['id']}/cancel")
    assert cancelled.get_json()["campaign"]["status"] == "cancelled"
    assert cancelled.get_json()["campaign"]["reason_text"] == "キャンセルされました。"
    assert api("POST", f"/api/campaigns/{campaign['id']}/resume").status_code == 409


def test_another_shops_campaigns_are_not_found(api, db, shop):
    other = make_shop(db, "other-shop.myshopify.com")
    theirs = Campaign(shop_id=other.id, name="他店", messages=TEXT)
    db.add(theirs)
    db.commit()
    for method, path in [
        ("GET", f"/api/campaigns/{theirs.id}"),
        ("POST", f"/api/campaigns/{theirs.id}/forecast"),
        ("POST", f"/api/campaigns/{theirs.id}/cancel"),
        ("GET", f"/api/campaigns/{theirs.id}/progress"),
    ]:
        assert api(method, path).status_code == 404, path
    assert api("GET", "/api/campaigns").get_json() == {"campaigns": []}


def test_a_draft_coupon_is_checked_against_shopify(api, shopify_coupons):
    shopify_coupons.add("WINTER10")
    body = {"name": "クーポン", "messages": [{"type": "text", "text": "{coupon_code} をどうぞ"}]}

    def coupon(**block):
        return {**body, "blocks": [{"type": "coupon", "text": "クーポン", **block}]}

    gone = api("POST", "/api/campaigns", coupon(mode="shared", code="DELETED5"))
    assert gone.status_code == 422
    assert gone.get_json()["errors"] == {"blocks[0].code": t("campaigns.err.coupon_gone", "ja", code="DELETED5")}
    missing = api("POST", "/api/campaigns", coupon(mode="unique"))
    assert missing.get_json()["errors"] == {"blocks[0].discount_id": t("campaigns.err.coupon_discount", "ja")}
    assert api("POST", "/api/campaigns", coupon(mode="shared", code="winter10")).status_code == 201
