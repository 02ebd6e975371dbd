"""Campaign pages: the list, the composer with a draft's blocks, the forecast page; another
shop's campaign is not found, and a campaign past its draft is not edited."""

from __future__ import annotations

import json
import re

from app.models import Campaign
from tests.helpers import make_shop


def _page(client, fake_shopify, path: str, shop: str = "test-shop"):
    return client.get(path, headers={"Authorization": f"Bearer {fake_shopify.session_token(shop)}"})


def _data(html: str, name: str) -> dict:
    found = re.search(rf'<script type="application/json" id="{name}">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def test_the_pages_show_the_shops_campaigns_only(client, db, shop, fake_shopify):
    blocks = [{"type": "text", "text": "{customer_name}さん、こんにちは"}]
    mine = Campaign(shop_id=shop.id, name="春の配信", messages=[{"type": "text", "text": "x"}], blocks=blocks)
    sent = Campaign(shop_id=shop.id, name="送った配信", status="sending", messages=[{"type": "text", "text": "y"}])
    sent.chunks_total, sent.chunks_done, sent.recipients = 4, 1, 1800
    other = make_shop(db, domain="other-shop.myshopify.com")
    theirs = Campaign(shop_id=other.id, name="他店の配信", messages=[{"type": "text", "text": "z"}])
    db.add_all([mine, sent, theirs])
    db.commit()

    listed = _page(client, fake_shopify, "/campaigns").get_data(as_text=True)
    assert "春の配信" in listed and "送った配信" in listed and "他店の配信" not in listed
    assert 'aria-valuenow="25"' in listed and "配信中" in listed and "1,800" in listed
    assert f'href="/campaigns/{sent.id}/results" data-results' in listed  # a sent one opens its results
    assert f'href="/campaigns/{mine.id}/results"' not in listed  # a draft has none yet
    for action in ("pause", "cancel"):  # a sending campaign can be paused or stopped from the list
        assert f'data-api="/api/campaigns/{sent.id}/{action}"' in listed
    assert f'data-api="/api/campaigns/{sent.id}/resume"' not in listed
    assert f'data-api="/api/campaigns/{mine.id}/cancel"' not in listed  # a draft is edited, not cancelled

    composer = _page(client, fake_shopify, f"/campaigns/{mine.id}")
    assert composer.status_code == 200
    data = _data(composer.get_data(as_text=True), "composer-data")
    assert data["campaign"]["blocks"] == blocks and data["limits"]["blocks"] == 5

    forecast = _page(client, fake_shopify, f"/campaigns/{mine.id}/forecast").get_data(as_text=True)
    assert _data(forecast, "forecast-data")["messages"] == [{"type": "text", "text": "x"}]

    assert _page(client, fake_shopify, f"/campaigns/{theirs.id}").status_code == 404
    assert _page(client, fake_shopify, f"/campaigns/{theirs.id}/forecast").status_code == 404
    assert _page(client, fake_shopify, f"/campaigns/{sent.id}").status_code == 302  # not a draft: back to the list
