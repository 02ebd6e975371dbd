"""Campaign fixtures: friends of the test shop made in bulk, a campaign ready to start, and
the worker's two campaign jobs (start, then send) at a chosen time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app import ext
from app.campaigns.planning import start_due
from app.campaigns.sending import send_due
from app.models import Campaign, LineFriend
from app.models import CampaignStatus as CS
from app.timeutil import utcnow
from tests.fakes.line import new_user_id

TEXT = [{"type": "text", "text": "年末セール開催中！"}]
# 12:00 in Tokyo: outside the default quiet hours (21:00-09:00), whatever the test machine's clock.
NOON_JST = datetime.fromisoformat("2026-12-10T12:00:00+09:00")


@pytest.fixture
def many_friends(db, shop, channel):
    """`make(n, **fields)`: n LINE friends of the test shop; returns them in id order."""

    def make(n: int, **fields) -> list[LineFriend]:
        db.commit()
        made = [
            LineFriend(
                shop_id=shop.id,
                channel_id=channel.id,
                line_user_id=new_user_id(),
                display_name="友だち",
                language="ja",
                followed_at=utcnow(),
                **fields,
            )
            for _ in range(n)
        ]
        db.add_all(made)
        db.commit()
        return sorted(made, key=lambda f: f.id)

    return make


@pytest.fixture
def make_campaign(db, shop):
    """A campaign of the test shop, by default confirmed and due a minute before NOON_JST."""

    def make(**fields) -> Campaign:
        db.commit()
        values = {
            "name": "年末セール",
            "status": CS.SCHEDULED,
            "audience": {"kind": "all"},
            "messages": TEXT,
            "scheduled_at": NOON_JST - timedelta(minutes=1),
            **fields,
        }
        campaign = Campaign(shop_id=shop.id, **values)
        db.add(campaign)
        db.commit()
        return campaign

    return make


@pytest.fixture
def run_campaigns(app):
    """The worker's start_campaigns then send_campaigns jobs at `now` (NOON_JST by default)."""

    def run(now: datetime | None = None, **send_options) -> tuple[dict, dict]:
        now = now or NOON_JST
        with app.app_context():
            engine = ext.engine(app)
            started = start_due(engine=engine, now=now)
            sent = send_due(engine=engine, now=now, **send_options)
        return started, sent

    return run


@pytest.fixture
def shopify_coupons(app, db, shop, fake_shopify):
    """The test shop can ask the fake Shopify about its discounts (a campaign's coupon is
    checked there); returns the fake's discount book to `add(code)` to."""
    from app.models import Shop

    stored = db.get(Shop, shop.id)
    stored.access_token_enc = ext.vault(app).encrypt("shpat_campaign_coupon")
    stored.access_token_expires_at = utcnow() + timedelta(hours=1)
    db.add(stored)
    db.commit()
    fake_shopify.access_tokens["shpat_campaign_coupon"] = "test-shop"
    return fake_shopify.discounts
