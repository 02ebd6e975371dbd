"""Campaign results from the rows a sent campaign leaves: per variant, orders attributed by
the documented rule (window, flows first, last campaign wins, cancelled orders earn nothing),
blocks within 24 h, LINE's withheld figures, cost, and the holdout comparison."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from app.campaigns.results import as_json, campaign_results
from app.models import (
    Attribution,
    Campaign,
    CampaignChunk,
    CampaignHoldout,
    CampaignInsight,
    Customer,
    FriendBlock,
    LinkClick,
    Order,
    TrackedLink,
)
from app.models import CampaignStatus as CS
from app.models import ChunkStatus as KS
from tests.helpers import fresh, statements
from tests.plugins.campaigns import NOON_JST

T = NOON_JST


@pytest.fixture
def linked(db, shop, many_friends):
    """Six friends; the first four linked to customers 9000..9003 (Shopify ids)."""
    friends = many_friends(6)
    for i, friend in enumerate(friends[:4]):
        customer = Customer(shop_id=shop.id, shopify_id=9000 + i)
        db.add(customer)
        db.flush()
        friend.customer_id = customer.id
        db.add(friend)
    db.commit()
    return friends


def _sent(db, shop, friend_groups: dict[int, list[int]], at, **fields) -> Campaign:
    campaign = Campaign(shop_id=shop.id, name="冬のセール", status=CS.DONE, started_at=at, finished_at=at, **fields)
    db.add(campaign)
    db.flush()
    for number, (variant, ids) in enumerate(friend_groups.items()):
        db.add(
            CampaignChunk(
                shop_id=shop.id,
                campaign_id=campaign.id,
                number=number,
                variant=variant,
                friend_ids=ids,
                retry_key=uuid.uuid4(),
                status=KS.SENT,
                sent_at=at,
                delivered=len(ids),
            )
        )
    db.commit()
    return campaign


def _order(db, shop, number: int, customer: int, yen: int, at, **fields) -> Order:
    order = Order(
        shop_id=shop.id,
        shopify_id=number,
        customer_shopify_id=customer,
        total_price=Decimal(yen),
        processed_at=at,
        **fields,
    )
    db.add(order)
    db.flush()
    return order


def test_orders_blocks_cost_and_withheld_opens_per_variant(db, shop, linked):
    f = [x.id for x in linked]
    shop.settings = {**(shop.settings or {}), "line_plan": "standard"}
    db.add(shop)
    campaign = _sent(db, shop, {0: f[0:3], 1: f[3:6]}, T, forecast={"quota_used": 30_000})
    _sent(db, shop, {0: [f[0]]}, T + timedelta(days=2))  # a later campaign to f0 only
    _order(db, shop, 1, 9000, 1000, T + timedelta(days=1))  # v0: counted
    _order(db, shop, 2, 9000, 700, T + timedelta(days=3))  # the later campaign's (last touch)
    _order(db, shop, 3, 9000, 400, T - timedelta(hours=1))  # before the campaign
    _order(db, shop, 4, 9001, 800, T + timedelta(days=8))  # outside the 7-day window
    by_flow = _order(db, shop, 5, 9002, 5000, T + timedelta(days=2))  # a reminder's: not again
    db.add(Attribution(shop_id=shop.id, order_id=by_flow.id, flow="abandoned_cart", kind="recovered_checkout"))
    _order(db, shop, 6, 9002, 2000, T + timedelta(days=3))  # v0: counted
    _order(db, shop, 7, 9003, 3000, T + timedelta(hours=1))  # v1: counted
    _order(db, shop, 8, 9003, 9000, T + timedelta(hours=2), cancelled_at=T + timedelta(hours=3))
    db.add(FriendBlock(shop_id=shop.id, friend_id=f[4], blocked_at=T + timedelta(hours=5)))  # v1 block
    db.add(FriendBlock(shop_id=shop.id, friend_id=f[5], blocked_at=T + timedelta(hours=30)))  # too late
    db.add(CampaignInsight(shop_id=shop.id, campaign_id=campaign.id, variant=0, unit="u", opened=25, fetched_at=T))
    db.commit()
    fresh(db)

    found = campaign_results(session=db, shop=shop, campaign=db.get(Campaign, campaign.id))
    v0, v1 = found.variants
    assert (v0.recipients, v0.messages, v0.orders, v0.revenue, v0.blocks) == (3, 3, 2, Decimal("3000"), 0)
    assert (v1.recipients, v1.messages, v1.orders, v1.revenue, v1.blocks) == (3, 3, 1, Decimal("3000"), 1)
    assert (v0.opened, v0.clicked, v0.insight_known) == (25, None, True)  # clicks under 20: withheld
    assert (v1.opened, v1.insight_known) == (None, False)  # LINE not asked yet
    # Standard plan past its 30,000: ¥3 a message, 6 messages = ¥18, split by messages.
    assert (v0.cost_yen, v1.cost_yen, found.total.cost_yen) == (9, 9, 18)
    assert v0.revenue_per_message == Decimal("1000.00")
    assert found.total.orders == 3 and found.total.revenue == Decimal("6000")
    assert found.total.opened is None  # one part withheld: no honest total
    assert v0.tracked_clicks is None and v0.ctr is None  # no tracked link in this campaign
    assert found.holdout is None
    data = as_json(found)
    assert data["variants"][0]["clicked_withheld"] is True
    assert data["variants"][0]["opened_withheld"] is False
    assert data["variants"][1]["opened_withheld"] is False  # unknown is not "< 20"
    assert data["total"]["revenue"] == "6000.00"


def test_holdout_compared_with_the_sent_group(db, shop, linked):
    f = [x.id for x in linked]
    campaign = _sent(db, shop, {0: f[0:2]}, T)
    # f2 and f3 were held out (recorded at planning, as campaigns/split.py does).
    db.add_all(CampaignHoldout(shop_id=shop.id, campaign_id=campaign.id, friend_id=fid) for fid in (f[2], f[3]))
    _order(db, shop, 1, 9000, 3000, T + timedelta(days=1))
    _order(db, shop, 2, 9001, 1000, T + timedelta(days=1))
    _order(db, shop, 3, 9002, 1000, T + timedelta(days=2))
    db.commit()
    fresh(db)

    h = campaign_results(session=db, shop=shop, campaign=db.get(Campaign, campaign.id)).holdout
    assert (h.sent.people, h.sent.converted, h.sent.revenue) == (2, 2, Decimal("4000"))
    assert (h.holdout.people, h.holdout.converted, h.holdout.revenue) == (2, 1, Decimal("1000"))
    assert (h.sent.conversion, h.holdout.conversion) == (1.0, 0.5)
    assert (h.sent.revenue_per_person, h.holdout.revenue_per_person) == (2000, 500)
    # conversion 1.0 - 0.5 ± 1.96·√(0 + 0.25/2) = 0.5 ± 0.692951: contains 0
    assert h.conversion.estimate == pytest.approx(0.5)
    assert h.conversion.high == pytest.approx(1.192952, abs=1e-5)
    assert not h.conversion.significant and not h.revenue_per_person.significant


def test_tracked_clicks_per_variant(db, shop, linked):
    f = [x.id for x in linked]
    campaign = _sent(db, shop, {0: f[0:3], 1: f[3:6]}, T)
    for variant, clicks in ((0, 0), (1, 2)):
        link = TrackedLink(
            shop_id=shop.id,
            token=f"t{campaign.id}v{variant}",
            flow="campaign",
            target="https://x",
            campaign_id=campaign.id,
            variant=variant,
        )
        db.add(link)
        db.flush()
        db.add_all(LinkClick(shop_id=shop.id, link_id=link.id, flow="campaign") for _ in range(clicks))
    db.commit()
    fresh(db)
    v0, v1 = campaign_results(session=db, shop=shop, campaign=db.get(Campaign, campaign.id)).variants
    assert (v0.tracked_clicks, v0.ctr, v1.tracked_clicks, v1.ctr) == (0, 0.0, 2, pytest.approx(2 / 3))


def test_the_orders_customers_are_looked_up_through_indexes(db, shop, linked):
    """The window's orders first, then only their customers' friends, by index (a scan of
    line_friends per lookup took 2 s on SQLite at the admin bench's size)."""
    f = [x.id for x in linked]
    campaign = _sent(db, shop, {0: f}, T)
    _order(db, shop, 1, 9000, 1000, T + timedelta(days=1))
    db.commit()
    engine = db.get_bind()
    with statements(engine) as seen:
        found = campaign_results(session=db, shop=shop, campaign=db.get(Campaign, campaign.id))
    assert found.variants[0].orders == 1
    lookups = [s for s in seen if "JOIN line_friends" in s[0]]
    assert len(lookups) == 1, seen
    statement, params = lookups[0]
    conn = db.connection()
    if engine.dialect.name == "sqlite":
        plan = " | ".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params))
        assert "SCAN" not in plan and "AUTOMATIC" not in plan, plan
    else:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # small tables: may an index serve?
        plan = " | ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", params))
        assert "Seq Scan" not in plan, plan
