"""Campaigns reported to Shopify as external marketing activities: created ACTIVE with the
campaign's UTM when sending starts, updated INACTIVE when it is over, each change once,
retried after a failure; the documents and answers checked against Shopify's schema."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import ext
from app.demo.shopify_marketing import MarketingBook
from app.models import Campaign, CampaignMarketing
from app.models import CampaignStatus as CS
from app.shopify import marketing_activity as ma
from app.timeutil import utcnow
from tests.fakes.shopify_schema import as_shopify_answers
from tests.helpers import fresh, make_shop

TOKEN = "shpat_marketing"


@pytest.fixture
def shop(db, app, fake_shopify):
    row = make_shop(
        db, access_token_enc=ext.vault(app).encrypt(TOKEN), access_token_expires_at=utcnow() + timedelta(hours=1)
    )
    fake_shopify.access_tokens[TOKEN] = "test-shop"
    return row


def _campaign(db, shop, **fields) -> Campaign:
    values = {"name": "Winter Sale 冬のセール", "status": CS.SENDING, "started_at": utcnow(), **fields}
    campaign = Campaign(shop_id=shop.id, **values)
    db.add(campaign)
    db.commit()
    return campaign


def _run(app, now=None):
    with app.app_context():
        return ma.report_due(engine=ext.engine(app), now=now or utcnow())


def test_slugs_are_ascii_and_keep_campaigns_apart():
    assert ma.campaign_slug(12, "Winter Sale 冬のセール!") == "winter-sale-12"
    assert ma.campaign_slug(13, "年末セール") == "campaign-13"
    assert ma.campaign_slug(14, "ＢＩＧ　ＳＡＬＥ") == "big-sale-14"  # full-width letters count
    assert ma.campaign_slug(15, "年末セール（A/B テスト 10%）") == "campaign-15"


def test_documents_and_answers_match_shopifys_schema(app, db, shop):
    campaign = _campaign(db, shop)
    book = MarketingBook()
    with app.app_context():
        created = ma.build(campaign, ma.ACTIVE, create=True)
        updated = ma.build(campaign, ma.INACTIVE, create=False)
    as_shopify_answers(ma.CREATE, created, book.answers()[ma.CREATE.strip()](created))
    as_shopify_answers(ma.CREATE, created, book.answers()[ma.CREATE.strip()](created))  # refused: taken
    as_shopify_answers(ma.UPDATE, updated, book.answers()[ma.UPDATE.strip()](updated))
    missing = {**updated, "remoteId": "nobody"}
    as_shopify_answers(ma.UPDATE, missing, book.answers()[ma.UPDATE.strip()](missing))


def test_started_campaign_is_created_then_ended_once(app, db, shop, fake_shopify):
    _campaign(db, shop, status=CS.SCHEDULED, started_at=None)  # not started: not reported
    campaign = _campaign(db, shop)
    assert _run(app) == {"reported": 1}
    (activity,) = fake_shopify.marketing.activities.values()
    assert activity["utm"] == {"campaign": f"winter-sale-{campaign.id}", "source": "line", "medium": "message"}
    assert (activity["status"], activity["tactic"], activity["title"]) == ("ACTIVE", "MESSAGE", campaign.name)
    assert activity["remoteUrl"].endswith(f"/campaigns/{campaign.id}/results")
    assert _run(app) == {}  # nothing changed: nothing sent
    campaign.status, campaign.finished_at = CS.DONE, utcnow()
    db.add(campaign)
    db.commit()
    assert _run(app) == {"reported": 1}
    assert activity["status"] == "INACTIVE" and activity["end"]
    fresh(db)
    row = db.exec(CampaignMarketing.__table__.select()).one()
    assert (row.reported, row.attempts, row.activity_id) == ("INACTIVE", 0, activity["id"])
    calls = [r.body["query"] for r in fake_shopify.requests if "marketingActivity" in r.body.get("query", "")]
    assert len(calls) == 2


def test_a_failed_report_is_retried_later(app, db, shop, fake_shopify):
    _campaign(db, shop)
    fake_shopify.access_tokens.pop(TOKEN)  # Shopify refuses the token (e.g. scope not granted yet)
    now = utcnow()
    assert _run(app, now) == {"failed": 1}
    fresh(db)
    row = db.exec(CampaignMarketing.__table__.select()).one()
    assert row.attempts == 1 and row.reported is None and row.error
    fake_shopify.access_tokens[TOKEN] = "test-shop"
    assert _run(app, now + timedelta(seconds=30)) == {}  # backing off
    assert _run(app, now + timedelta(minutes=3)) == {"reported": 1}
    assert [a["status"] for a in fake_shopify.marketing.activities.values()] == ["ACTIVE"]


def test_a_create_whose_answer_was_lost_is_not_repeated(app, db, shop, fake_shopify):
    campaign = _campaign(db, shop)
    with app.app_context():
        fake_shopify.marketing._create({"input": ma.build(campaign, ma.ACTIVE, create=True)["input"]})
    assert _run(app) == {"reported": 1}  # Shopify already had it: counted as reported
    assert len(fake_shopify.marketing.activities) == 1
