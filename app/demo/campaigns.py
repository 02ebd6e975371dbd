"""The demo store's past and coming campaigns, with results, so the campaign pages show
something on first open: an A/B test with a winner, a campaign with a holdout, and one
scheduled for later.

They are written as the sender leaves them (chunks sent, counters moved) and LINE's
figures as the insight job stores them; a few recipients order in the days after (through
the orders upsert), besides the demo's own history (mostly credited to its flows). Variants,
the winner and the holdout use the A/B test's fields and its campaign_holdouts table.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, select

from .. import models
from ..campaigns.insight import unit_name
from ..models import Campaign, CampaignChunk, CampaignInsight, Customer, LineFriend, Shop
from ..models import CampaignStatus as CS
from ..models import ChunkStatus as KS
from ..sync.orders import upsert_order
from ..tracking import rollup_rebuild
from .catalog import JST

ORDER_IDS = 5_900_000_000_000  # the campaigns' orders, apart from the demo's history

SALE_A = [{"type": "text", "text": "【年末セール】全品 20% OFF！12/31 まで。いつもありがとうございます。"}]
SALE_B = [{"type": "text", "text": "【年末セール】送料無料＋全品 20% OFF。お気に入りを見つけてください。"}]
WINTER = [{"type": "text", "text": "冬の新作が入荷しました。あたたかい素材のニットとブランケットをご覧ください。"}]
NEW_YEAR = [{"type": "text", "text": "お正月の福袋、予約受付を始めました。数量限定です。"}]


def _friends(session: Session, shop: Shop) -> list[int]:
    rows = session.exec(
        select(LineFriend.id)
        .where(LineFriend.shop_id == shop.id, LineFriend.is_blocked.is_(False))
        .where(LineFriend.marketing_opt_out_at.is_(None))
        .order_by(LineFriend.id)
    )
    return list(rows.all())


def _noon(now: datetime, days_ago: int, hour: int) -> datetime:
    return (now - timedelta(days=days_ago)).astimezone(JST).replace(hour=hour, minute=0, second=0, microsecond=0)


def _orders_after(session: Session, shop: Shop, campaign: Campaign, groups: dict[int, list[int]], plan: dict) -> None:
    """Orders some recipients placed in the days after the campaign, through the same upsert
    the orders webhook uses: `plan` is variant -> [(hours after, yen), ...], one recipient
    (linked, in id order) each. The demo's own history is mostly credited to its flows."""
    at, order_id = campaign.started_at, ORDER_IDS + campaign.id * 1_000
    for variant, orders in plan.items():
        linked = session.exec(
            select(Customer.shopify_id)
            .join(LineFriend, LineFriend.customer_id == Customer.id)
            .where(LineFriend.id.in_(groups[variant]))
            .order_by(LineFriend.id)
        ).all()
        for (hours, yen), customer in zip(orders, linked, strict=False):
            order_id += 1
            when = (at + timedelta(hours=hours)).isoformat()
            payload = {
                "id": order_id,
                "name": f"#{order_id % 100_000}",
                "customer": {"id": customer},
                "currency": "JPY",
                "subtotal_price": str(yen),
                "total_price": str(yen),
                "financial_status": "paid",
                "processed_at": when,
                "created_at": when,
                "updated_at": when,
                "source_name": "web",
                "line_items": [],
            }
            upsert_order(session=session, shop=shop, payload=payload)


def _set(campaign: Campaign, **fields) -> None:
    """Fields of the A/B test, where this build's campaigns have them."""
    for name, value in fields.items():
        if name in Campaign.model_fields:
            setattr(campaign, name, value)


def _sent(session: Session, shop: Shop, campaign: Campaign, groups: dict[int, list[int]], at: datetime) -> None:
    campaign.status, campaign.transport = CS.DONE, "multicast"
    campaign.started_at, campaign.finished_at = at, at + timedelta(minutes=2)
    campaign.recipients = campaign.sent_count = sum(len(ids) for ids in groups.values())
    campaign.chunks_total = campaign.chunks_done = len(groups)
    campaign.forecast = {"recipients": campaign.recipients, "messages": campaign.recipients, "quota_used": 0}
    session.add(campaign)
    session.flush()
    for number, (variant, ids) in enumerate(groups.items()):
        session.add(
            CampaignChunk(
                shop_id=shop.id,
                campaign_id=campaign.id,
                number=number,
                variant=variant,
                friend_ids=ids,
                retry_key=uuid.uuid5(campaign.uid, str(number)),
                status=KS.SENT,
                attempts=1,
                claimed_at=at,
                sent_at=at + timedelta(seconds=number),
                delivered=len(ids),
            )
        )


def _insight(session: Session, shop: Shop, campaign: Campaign, figures: dict, at: datetime) -> None:
    """LINE's counts as the insight job stores them (None: LINE withheld a figure under 20)."""
    for variant, (opened, clicked) in figures.items():
        session.add(
            CampaignInsight(
                shop_id=shop.id,
                campaign_id=campaign.id,
                variant=variant,
                unit=unit_name(campaign.id, variant),
                opened=opened,
                clicked=clicked,
                fetched_at=at,
            )
        )


def _ab_test(session: Session, shop: Shop, friends: list[int], now: datetime) -> Campaign:
    at = _noon(now, 12, hour=12)
    campaign = Campaign(shop_id=shop.id, name="年末セール（A/B テスト）", messages=SALE_A, scheduled_at=at)
    _set(
        campaign,
        variants=[{"name": "A 割引を強調", "messages": SALE_A}, {"name": "B 送料無料を強調", "messages": SALE_B}],
        winner=1,
    )
    groups = {0: friends[0::2], 1: friends[1::2]}
    _sent(session, shop, campaign, groups, at)
    _orders_after(
        session, shop, campaign, groups, {0: [(3, 4_980), (30, 2_480)], 1: [(2, 6_800), (20, 3_200), (70, 5_500)]}
    )
    _insight(session, shop, campaign, {0: (31, None), 1: (38, 21)}, now)
    return campaign


def _with_holdout(session: Session, shop: Shop, friends: list[int], now: datetime) -> Campaign:
    at = _noon(now, 6, hour=18)
    campaign = Campaign(
        shop_id=shop.id, name="冬の新作のお知らせ（ホールドアウト 10%）", messages=WINTER, scheduled_at=at
    )
    _set(campaign, holdout_share=10)
    held = friends[9::10]
    groups = {0: [f for f in friends if f not in set(held)]}
    _sent(session, shop, campaign, groups, at)
    _orders_after(session, shop, campaign, groups, {0: [(1, 3_980), (26, 7_200), (50, 2_980)]})
    campaign.excluded = {"holdout": len(held)}
    holdout_table = getattr(models, "CampaignHoldout", None)
    if holdout_table is not None:
        session.add_all(holdout_table(shop_id=shop.id, campaign_id=campaign.id, friend_id=f) for f in held)
    _insight(session, shop, campaign, {0: (52, None)}, now)
    return campaign


def _scheduled(session: Session, shop: Shop, now: datetime) -> Campaign:
    at = (now + timedelta(days=3)).astimezone(JST).replace(hour=10, minute=0, second=0, microsecond=0)
    campaign = Campaign(
        shop_id=shop.id, name="お正月の福袋 予約開始", messages=NEW_YEAR, status=CS.SCHEDULED, scheduled_at=at
    )
    session.add(campaign)
    return campaign


def seed_campaigns(*, session: Session, shop: Shop, now: datetime) -> dict:
    """Idempotent: campaigns the store already has (by name) are left as they are."""
    have = set(session.exec(select(Campaign.name).where(Campaign.shop_id == shop.id)).all())
    friends = _friends(session, shop)
    made = 0
    for name, make in (
        ("年末セール（A/B テスト）", lambda: _ab_test(session, shop, friends, now)),
        ("冬の新作のお知らせ（ホールドアウト 10%）", lambda: _with_holdout(session, shop, friends, now)),
        ("お正月の福袋 予約開始", lambda: _scheduled(session, shop, now)),
    ):
        if name not in have:
            make()
            made += 1
    session.flush()
    if made:  # the campaigns' chunks were written as rows, not sends: their rollups too
        rollup_rebuild.rebuild(session=session, shop_ids=[shop.id])
    return {"campaigns": made}
