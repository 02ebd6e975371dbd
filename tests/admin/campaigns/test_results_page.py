"""A campaign's results page and its JSON: per-variant rows, "< 20" where LINE withheld a
figure (and "–" before LINE was asked), the holdout sentence with its interval and verdict,
a campaign not sent yet, and the JSON matching its published schema."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import jsonschema_rs
import pytest

from app.admin.campaigns.results.openapi import PATHS
from app.models import Campaign, CampaignChunk, CampaignHoldout, CampaignInsight, Customer, Order
from app.models import CampaignStatus as CS
from app.models import ChunkStatus as KS
from app.timeutil import utcnow
from tests.plugins.people import _json_schema

SENT_AT = utcnow() - timedelta(days=3)


@pytest.fixture
def sent(db, shop, many_friends):
    """A two-variant campaign to 6 friends (3 linked, one of whom ordered ¥4,800 a day later)."""
    friends = many_friends(6)
    for i, friend in enumerate(friends[:3]):
        customer = Customer(shop_id=shop.id, shopify_id=500 + i)
        db.add(customer)
        db.flush()
        friend.customer_id = customer.id
        db.add(friend)
    campaign = Campaign(shop_id=shop.id, name="Winter セール", status=CS.DONE, started_at=SENT_AT, finished_at=SENT_AT)
    db.add(campaign)
    db.flush()
    for number, ids in enumerate(([f.id for f in friends[0::2]], [f.id for f in friends[1::2]])):
        db.add(
            CampaignChunk(
                shop_id=shop.id,
                campaign_id=campaign.id,
                number=number,
                variant=number,
                friend_ids=ids,
                retry_key=uuid.uuid4(),
                status=KS.SENT,
                sent_at=SENT_AT,
                delivered=len(ids),
            )
        )
    db.add(
        CampaignInsight(shop_id=shop.id, campaign_id=campaign.id, variant=0, unit="u", opened=42, fetched_at=utcnow())
    )
    db.add(
        Order(
            shop_id=shop.id,
            shopify_id=1,
            customer_shopify_id=500,
            total_price=Decimal(4800),
            processed_at=SENT_AT + timedelta(days=1),
        )
    )
    db.commit()
    return campaign, friends


def _cells(page: str, name: str) -> list[str]:
    import re

    return re.findall(rf'data-cell="{name}">([^<]*)<', page)


def test_the_page_shows_each_variant_and_what_line_withheld(api, sent):
    campaign, _friends = sent
    page = api("GET", f"/campaigns/{campaign.id}/results").get_data(as_text=True)
    assert "パターンA" in page and "パターンB" in page and "合計" in page
    assert _cells(page, "opened") == ["42", "–", "–"]  # B not read from LINE yet; no honest total
    assert _cells(page, "clicked") == ["&lt; 20", "–", "–"]  # LINE answered null for A's clicks
    assert _cells(page, "orders") == ["1", "0", "1"]
    assert _cells(page, "revenue") == ["¥4,800", "¥0", "¥4,800"]
    assert "この配信にはホールドアウトがありません。" in page
    assert "以内にした注文です" in page  # the attribution rule is stated


def test_the_holdout_sentence_says_when_it_is_not_significant(api, db, shop, sent, many_friends):
    campaign, _friends = sent
    held = many_friends(3)  # held out of the campaign, as planning records them
    db.add_all(CampaignHoldout(shop_id=shop.id, campaign_id=campaign.id, friend_id=f.id) for f in held)
    db.commit()
    page = api("GET", f"/campaigns/{campaign.id}/results").get_data(as_text=True)
    assert "購入率の差:" in page and "95%区間" in page
    assert page.count("統計的に有意ではありません。") == 2
    body = api("GET", f"/api/campaigns/{campaign.id}/results").get_json()
    assert body["holdout"]["conversion"]["significant"] is False
    assert body["holdout"]["conversion"]["low"] < 0 < body["holdout"]["conversion"]["high"]


def test_the_json_matches_its_schema(api, sent):
    campaign, _friends = sent
    answer = api("GET", f"/api/campaigns/{campaign.id}/results")
    assert answer.status_code == 200
    body = answer.get_json()
    schema = PATHS["/api/campaigns/{campaign_id}/results"]["get"]["responses"]["200"]
    jsonschema_rs.validator_for(_json_schema(schema["content"]["application/json"]["schema"])).validate(body)
    first = body["variants"][0]
    assert (first["opened"], first["clicked"], first["clicked_withheld"], first["opened_withheld"]) == (
        42,
        None,
        True,
        False,
    )
    assert body["variants"][1]["opened_withheld"] is False  # never asked is not "< 20"
    assert body["total"]["revenue"] == "4800.00"


def test_a_campaign_not_sent_yet_says_so(api, db, shop):
    campaign = Campaign(shop_id=shop.id, name="予約", status=CS.SCHEDULED, scheduled_at=utcnow() + timedelta(days=2))
    db.add(campaign)
    db.commit()
    page = api("GET", f"/campaigns/{campaign.id}/results").get_data(as_text=True)
    assert "この配信はまだ送信されていません" in page and "配信予定" in page
    assert 'id="variant-table"' not in page
