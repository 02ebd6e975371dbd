"""Privacy fixtures: two shops, each with its own LINE channel and its own shopper's story
(marker values through every path that stores data; see story.py)."""

from __future__ import annotations

import secrets

import pytest

from app import ext
from app.models import LineChannel
from app.timeutil import utcnow
from tests.helpers import make_shop
from tests.plugins.line import CHANNEL_SECRET
from tests.privacy.story import Markers, Story

CUSTOMER_A = 706405506930370084
CUSTOMER_B = 706405506930399999
OTHER_DOMAIN = "other-shop.myshopify.com"


@pytest.fixture
def story(app, client, db, send_webhook, fake_line, fake_shopify, dispatch):
    def make(shop, channel, channel_secret: str, customer_id: int) -> Story:
        return Story(
            app=app,
            client=client,
            db=db,
            send_webhook=send_webhook,
            fake_line=fake_line,
            fake_shopify=fake_shopify,
            dispatch=dispatch,
            shop=shop,
            channel=channel,
            markers=Markers.new(customer_id),
            channel_secret=channel_secret,
        )

    return make


@pytest.fixture
def shop_a_story(story, shop, channel):
    """The test shop, talking to the fake LINE for real (then in dry run, see story.py)."""
    return story(shop, channel, CHANNEL_SECRET, CUSTOMER_A)


@pytest.fixture
def shop_b_story(story, db, app):
    """A second shop with its own channel; its story is told after the first shop's, when the
    app already runs dry (one fake LINE bot serves the first shop only)."""
    other = make_shop(db, domain=OTHER_DOMAIN)
    secret = secrets.token_hex(16)
    vault = ext.vault(app)
    channel = LineChannel(
        shop_id=other.id,
        bot_user_id="U" + secrets.token_hex(16),
        display_name="Other",
        channel_secret_enc=vault.encrypt(secret),
        access_token_enc=vault.encrypt("other-token"),
        connected_at=utcnow(),
    )
    db.add(channel)
    db.commit()
    return story(other, channel, secret, CUSTOMER_B)
