"""A campaign's audience is read when it is planned: a saved segment's conditions through the
audience service, a Shopify customer segment's members from Shopify (matched to linked
friends); a segment deleted before sending fails the campaign with that reason, sends
nothing and costs nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import ext
from app.models import Campaign, Customer, Segment
from app.models import CampaignStatus as CS
from app.timeutil import utcnow
from tests.helpers import fresh

TOKEN = "shpat_campaign_segments"


@pytest.fixture
def linked_half(app, db, shop, many_friends, fake_shopify):
    """Six friends, the even ones linked to customers 9001, 9003, 9005; the shop holds a token
    the fake Shopify accepts."""
    shop.access_token_enc = ext.vault(app).encrypt(TOKEN)
    shop.access_token_expires_at = utcnow() + timedelta(hours=1)
    db.add(shop)
    fake_shopify.access_tokens[TOKEN] = shop.domain.removesuffix(".myshopify.com")
    friends = many_friends(6)
    for n, row in enumerate(friends[::2]):
        buyer = Customer(shop_id=shop.id, shopify_id=9001 + 2 * n, email=f"c{n}@example.com")
        db.add(buyer)
        db.commit()
        row.customer_id = buyer.id
        db.add(row)
    db.commit()
    return friends


def _segment(db, shop, definition) -> Segment:
    row = Segment(shop_id=shop.id, name="テスト", definition=definition)
    db.add(row)
    db.commit()
    return row


def _state(db, campaign_id) -> Campaign:
    fresh(db)
    return db.get(Campaign, campaign_id)


def test_a_saved_segment_reaches_only_its_members(db, shop, fake_line, linked_half, make_campaign, run_campaigns):
    linked_only = {"match": "all", "groups": [{"match": "all", "conditions": [{"field": "linked", "value": True}]}]}
    segment = _segment(db, shop, linked_only)
    campaign = make_campaign(audience={"kind": "segment", "segment_id": segment.id})
    run_campaigns()
    assert set(fake_line.multicast_recipients()) == {f.line_user_id for f in linked_half[::2]}
    assert _state(db, campaign.id).recipients == 3


def test_a_shopify_segment_is_read_at_send_time(
    db, shop, fake_line, fake_shopify, linked_half, make_campaign, run_campaigns
):
    gid = fake_shopify.segments.add("VIP", [9001, 9005, 777])  # 777: a member with no LINE
    segment = _segment(db, shop, {"shopify_segment_id": gid})
    campaign = make_campaign(audience={"kind": "segment", "segment_id": segment.id})
    fake_shopify.segments.add("後から", [])
    run_campaigns()
    assert set(fake_line.multicast_recipients()) == {linked_half[0].line_user_id, linked_half[4].line_user_id}
    assert _state(db, campaign.id).status == CS.DONE


@pytest.mark.parametrize("where", ["shopify", "saved"])
def test_a_segment_deleted_before_sending_fails_the_campaign_and_sends_nothing(
    db, shop, fake_line, fake_shopify, linked_half, make_campaign, run_campaigns, where
):
    gid = fake_shopify.segments.add("VIP", [9001])
    segment = _segment(db, shop, {"shopify_segment_id": gid})
    campaign = make_campaign(audience={"kind": "segment", "segment_id": segment.id})
    if where == "shopify":
        fake_shopify.segments.delete(gid)
    else:
        db.delete(segment)
        db.commit()
    run_campaigns()
    failed = _state(db, campaign.id)
    assert (failed.status, failed.reason) == (CS.FAILED, "segment_gone")
    assert not [r for r in fake_line.requests if r.method == "POST" and r.path.startswith("/v2/bot/message/")]


def test_everyone_sendable_comes_in_id_order_from_the_partial_index(db, shop):
    """A campaign to every friend pages through the sendable ids only, from
    ix_line_friends_sendable (the rows are not read to sort out blocked and opted-out friends)."""
    from sqlalchemy import text

    from app.campaigns.audience import _SENDABLE_ARRAY, _SENDABLE_PAGE

    conn = db.connection()
    params = {"shop": shop.id, "after": 0, "n": 20_000}
    if db.get_bind().dialect.name == "sqlite":
        compiled = text(_SENDABLE_PAGE).compile(db.get_bind())
        values = tuple(params[name] for name in compiled.positiontup)
        plan = " ".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", values))
        assert "ix_line_friends_sendable" in plan and "TEMP B-TREE" not in plan, plan
    else:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # an empty table: may the index serve?
        for page in (_SENDABLE_PAGE, _SENDABLE_ARRAY):  # the page as rows, and as the one array read
            plan = " ".join(r[0] for r in conn.execute(text("EXPLAIN " + page), params))
            assert "ix_line_friends_sendable" in plan and "Sort" not in plan, plan
