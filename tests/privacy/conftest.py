"""Privacy fixtures: two shops, each with its own LINE channel and its own shopper's story
(marker values through every path that stores data; see story.py)."""

from __future__ import annotations

import secrets

import pytest

from app.models import LineChannel
from app.timeutil import utcnow
from tests.flows.conftest import _fresh_quota_cache, dispatch  # noqa: F401 (fixtures)
from tests.helpers import make_shop
from tests.line.conftest import (  # noqa: F401 (fixtures)
    CHANNEL_SECRET,
    channel,
    chat,
    fake_line,
    settings,
    shop,
    user,
)
from tests.privacy.story import Markers, Story

CUSTOMER_A = 706405506930370084
CUSTOMER_B = 706405506930399999
OTHER_DOMAIN = "other-shop.myshopify.com"


@pytest.fixture
def story(app, client, db, send_webhook, fake_line, fake_shopify, dispatch):  # noqa: F811
    def make(shop, channel, channel_secret: str, customer_id: int) -> Story:  # noqa: F811
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
def shop_a_story(story, shop, channel):  # noqa: F811
    """The test shop, talking to the fake LINE for real (then in dry run, see story.py)."""
    return story(shop, channel, CHANNEL_SECRET, CUSTOMER_A)


@pytest.fixture
def shop_b_story(story, db, app):
    """A second shop with its own channel, in dry run from the start (one fake LINE bot)."""
    other = make_shop(db, domain=OTHER_DOMAIN, is_demo=True)
    secret = secrets.token_hex(16)
    vault = app.extensions["tsunagu.vault"]
    channel = LineChannel(  # noqa: F811
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
