"""LINE's opens and clicks per campaign variant: the unit on every request, read back by the
worker through the insight API of the fake LINE (null under 20 kept as "withheld")."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from app import ext
from app.campaigns.insight import REFRESH, refresh_due, unit_name
from app.models import Campaign, CampaignInsight
from tests.helpers import fresh
from tests.plugins.campaigns import NOON_JST


def _rows(db, campaign_id):
    fresh(db)
    return db.exec(select(CampaignInsight).where(CampaignInsight.campaign_id == campaign_id)).all()


def test_unit_names_follow_lines_rules():
    assert unit_name(12, 0) == "campaign_12_v0"
    assert len(unit_name(10**17, 3)) <= 30


def test_opens_are_read_per_unit_and_withheld_under_20(app, db, fake_line, many_friends, make_campaign, run_campaigns):
    many_friends(30)
    campaign = make_campaign()
    run_campaigns()
    unit = unit_name(campaign.id, 0)
    assert fake_line.units_sent[unit] == 30
    fake_line.unit_reactions[unit] = (24, 19)  # 19 clicked: LINE answers null
    now = NOON_JST + timedelta(hours=2)
    with app.app_context():
        assert refresh_due(engine=ext.engine(app), now=now) == {"refreshed": 1}
    (row,) = _rows(db, campaign.id)
    assert (row.variant, row.unit, row.opened, row.clicked, row.error) == (0, unit, 24, None, None)
    asked = [r for r in fake_line.requests if r.path == "/v2/bot/insight/message/event/aggregation"]
    assert len(asked) == 1
    # LINE's from and to are the days it was sent on, in Tokyo (UTC+9).
    fresh(db)
    day = db.get(Campaign, campaign.id).started_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y%m%d")
    assert asked[0].query == {"customAggregationUnit": unit, "from": day, "to": day}
    with app.app_context():
        assert refresh_due(engine=ext.engine(app), now=now + timedelta(minutes=5)) == {}  # not due yet
        fake_line.unit_reactions[unit] = (40, 21)
        assert refresh_due(engine=ext.engine(app), now=now + REFRESH) == {"refreshed": 1}
    (row,) = _rows(db, campaign.id)
    assert (row.opened, row.clicked) == (40, 21)


def test_a_failed_read_keeps_the_last_figures(app, db, fake_line, many_friends, make_campaign, run_campaigns):
    many_friends(25)
    campaign = make_campaign()
    run_campaigns()
    fake_line.unit_reactions[unit_name(campaign.id, 0)] = (25, 20)
    now = NOON_JST + timedelta(hours=1)
    with app.app_context():
        refresh_due(engine=ext.engine(app), now=now)
        fake_line.fail_next(10, 400, path="/v2/bot/insight")
        assert refresh_due(engine=ext.engine(app), now=now + REFRESH) == {"failed": 1}
    (row,) = _rows(db, campaign.id)
    assert (row.opened, row.clicked) == (25, 20) and row.error.startswith("LINE 400")


def test_the_fake_refuses_bad_units_and_periods(fake_line):
    import httpx

    headers = {"Authorization": f"Bearer {fake_line.access_token}"}
    base = fake_line.url + "/v2/bot/insight/message/event/aggregation"
    bad = httpx.get(
        base, params={"customAggregationUnit": "年末", "from": "20261201", "to": "20261202"}, headers=headers
    )
    long = httpx.get(base, params={"customAggregationUnit": "a", "from": "20261201", "to": "20270105"}, headers=headers)
    good = httpx.get(base, params={"customAggregationUnit": "a", "from": "20261201", "to": "20261231"}, headers=headers)
    assert (bad.status_code, long.status_code, good.status_code) == (400, 400, 200)
    assert good.json()["overview"]["uniqueImpression"] is None  # nothing, i.e. under 20
    multicast = httpx.post(
        fake_line.url + "/v2/bot/message/multicast",
        json={"to": ["U" + "0" * 32], "messages": [{"type": "text", "text": "x"}], "customAggregationUnits": ["a-b"]},
        headers=headers,
    )
    assert multicast.status_code == 400
