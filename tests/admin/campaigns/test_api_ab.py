"""A/B tests and holdouts through the campaigns API: each setting checked with its reason,
saved and returned, and the forecast counting the holdout (sent nothing, not charged) and
the test / rest split."""

from __future__ import annotations

from app.campaigns import split
from app.i18n import t
from app.models import Campaign
from tests.helpers import fresh

A = [{"type": "text", "text": "A: 冬のセール 20%オフ"}]
B = [{"type": "text", "text": "B: 冬のセール 送料無料"}]
VARIANTS = [{"name": "割引", "messages": A}, {"name": "送料無料", "messages": B}]


def test_each_test_setting_is_checked_with_its_reason(api, shop):
    answer = api(
        "POST",
        "/api/campaigns",
        {
            "name": "冬のセール",
            "messages": A,
            "variants": [VARIANTS[0]],
            "test_share": 0,
            "holdout_share": 60,
            "winner_metric": "opens",
            "winner_after_hours": 0,
        },
    )
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {
        "variants": t("campaigns.err.variants", "ja", low=2, high=4),
        "test_share": t("campaigns.err.test_share", "ja"),
        "holdout_share": t("campaigns.err.holdout_share", "ja", n=50),
        "winner_metric": t("campaigns.err.winner_metric", "ja"),
        "winner_after_hours": t("campaigns.err.winner_after_hours", "ja", low=1, high=720),
    }
    five = VARIANTS + VARIANTS + VARIANTS[:1]
    assert "variants" in api("POST", "/api/campaigns", {"name": "x", "variants": five}).get_json()["errors"]
    answer = api(
        "POST",
        "/api/campaigns",
        {
            "name": "x",
            "variants": [{"name": " ", "messages": []}, {"name": "B", "messages": [{"type": "text", "text": " "}]}],
            "winner_after_hours": 1.5,
        },
    )
    assert answer.get_json()["errors"] == {
        "variants[0].name": "パターン名を100文字以内で入力してください。",
        "variants[0].messages": "メッセージを1つ以上入れてください。",
        "variants[1].messages[0].text": "本文を入力してください。",
        "winner_after_hours": t("campaigns.err.winner_after_hours", "ja", low=1, high=720),
    }
    too_much = {"name": "x", "variants": VARIANTS, "test_share": 60, "holdout_share": 50}
    assert api("POST", "/api/campaigns", too_much).get_json()["errors"] == {
        "test_share": "比較グループとテストの割合の合計は 100% 以下にしてください。"
    }


def test_a_test_is_saved_returned_and_forecast_with_its_holdout(api, db, shop, fake_line, many_friends):
    friends = many_friends(1_000)
    body = {
        "name": "冬のセール",
        "variants": VARIANTS,
        "test_share": 20,
        "holdout_share": 10,
        "winner_metric": "revenue",
        "winner_after_hours": 48,
    }
    created = api("POST", "/api/campaigns", body)
    assert created.status_code == 201
    campaign = created.get_json()["campaign"]
    assert {k: campaign[k] for k in body} == body
    assert (campaign["messages"], campaign["winner"]) == (A, None)  # the first variant stands for it
    fresh(db)
    stored = db.get(Campaign, campaign["id"])
    held, tests, rest = split.divide(stored, [f.id for f in friends])
    seen = api("POST", f"/api/campaigns/{campaign['id']}/forecast").get_json()
    forecast = seen["forecast"]
    assert (forecast["held_out"], forecast["tested"], forecast["rest"]) == (
        len(held),
        sum(map(len, tests)),
        len(rest),
    )
    assert 50 <= len(held) <= 150 and 120 <= forecast["tested"] <= 280
    assert forecast["recipients"] == forecast["messages"] == 1_000 - len(held)  # the holdout costs nothing
    assert forecast["transport"] == "multicast"
    assert seen["confirm"]["recipients"] == 1_000 - len(held)
    assert t("campaigns.forecast.holdout", "ja", n=f"{len(held):,}") in forecast["notes"]
    tested, rest_n = f"{forecast['tested']:,}", f"{forecast['rest']:,}"
    assert t("campaigns.forecast.test", "ja", tested=tested, rest=rest_n) in forecast["notes"]
    changed = api("PUT", f"/api/campaigns/{campaign['id']}", {**body, "variants": [], "messages": B})
    assert changed.get_json()["campaign"]["variants"] == []
    plain = api("POST", f"/api/campaigns/{campaign['id']}/forecast").get_json()["forecast"]
    assert (plain["rest"], plain["held_out"]) == (0, forecast["held_out"])  # no variants: no winner phase
