"""What a campaign did, per variant: reach, LINE's opens and clicks, tracked clicks, orders
and revenue it earned, blocks that followed it, what it cost; and, with a holdout, whether
it made people buy more than those who got nothing.

Orders (the rule, shown to the merchant too):
- a recipient's order counts for the campaign when it was placed within the shop's
  attribution window (app/tracking/attribution.py, default 7 days) after the chunk that
  carried the campaign to them was sent — a multicast's link is shared, so the order is
  matched to the person through their LINE friend's customer, not through the link;
- an order already credited to a flow (a reminder recovered it, its code, a click on a
  flow's link: `Attribution.flow`) is never counted again here;
- when a recipient got several campaigns, the order goes to the latest one sent before
  it (last touch, like the click rule), so two campaigns never share an order;
- cancelled orders earn nothing.

Blocks: an unfollow by a recipient within 24 hours after their chunk was sent.
Cost: LINE counts one message per recipient reached; yen at the shop's plan from the
month's use recorded in the forecast (app/campaigns/pricing.py), split over variants by
their messages.

The holdout comparison counts every order of both groups within the window after the
campaign started (flows included, the same for both), so only the campaign differs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session

from ..flows import sent_chunks
from ..models import (
    Attribution,
    Campaign,
    CampaignChunk,
    CampaignInsight,
    FriendBlock,
    LinkClick,
    Shop,
    TrackedLink,
)
from ..models import ChunkStatus as KS
from ..timeutil import as_utc
from ..tracking.attribution import window
from ..tracking.blocks import BLAME_WINDOW
from . import pricing, split
from .friend_orders import orders_of_friends
from .uplift import Difference, Sums, conversion_difference, welch_difference


@dataclass
class VariantResult:
    variant: int
    recipients: int = 0  # friends the variant was planned for
    messages: int = 0  # what LINE counted (recipients in accepted requests)
    opened: int | None = None  # LINE: None = withheld (under 20) or not known yet
    clicked: int | None = None
    insight_known: bool = False  # LINE has been asked at least once
    tracked_clicks: int | None = None  # None: the campaign's links are not tracked
    orders: int = 0
    revenue: Decimal = Decimal("0")
    blocks: int = 0
    cost_yen: int = 0
    winner: bool = False

    @property
    def ctr(self) -> float | None:
        if self.tracked_clicks is None or not self.messages:
            return None
        return self.tracked_clicks / self.messages

    @property
    def revenue_per_message(self) -> Decimal | None:
        return (self.revenue / self.messages).quantize(Decimal("0.01")) if self.messages else None


@dataclass
class Group:
    """One side of the holdout comparison."""

    people: int
    converted: int
    revenue: Decimal
    sums: Sums

    @property
    def conversion(self) -> float | None:
        return self.converted / self.people if self.people else None

    @property
    def revenue_per_person(self) -> float | None:
        return self.sums.mean if self.people else None


@dataclass
class HoldoutResult:
    sent: Group
    holdout: Group
    conversion: Difference | None
    revenue_per_person: Difference | None


@dataclass
class CampaignResults:
    campaign_id: int
    window_days: int
    variants: list[VariantResult] = field(default_factory=list)
    total: VariantResult = field(default_factory=lambda: VariantResult(variant=-1))
    holdout: HoldoutResult | None = None
    insight_at: datetime | None = None


@dataclass
class _Reached:
    """Who the campaign reached: friend id -> (variant, when their chunk was sent)."""

    friends: dict[int, tuple[int, datetime]] = field(default_factory=dict)
    first: datetime | None = None
    last: datetime | None = None


def campaign_results(*, session: Session, shop: Shop, campaign: Campaign) -> CampaignResults:
    span = window(shop)
    result = CampaignResults(campaign.id, span.days)
    variants: dict[int, VariantResult] = {}
    reached = _reached(session, campaign, variants)
    _insights(session, campaign, variants, result)
    _tracked_clicks(session, campaign, variants)
    _orders(session, shop, campaign, reached, span, variants)
    _blocks(session, shop, reached, variants)
    _costs(shop, campaign, variants)
    winner = getattr(campaign, "winner", None)  # the A/B test's chosen variant, once it has one
    for v in variants.values():
        v.winner = winner is not None and v.variant == winner
    result.variants = [variants[k] for k in sorted(variants)]
    result.total = _total(result.variants)
    result.holdout = holdout_result(session=session, shop=shop, campaign=campaign, reached=reached, span=span)
    return result


def _reached(s: Session, campaign: Campaign, variants: dict[int, VariantResult]) -> _Reached:
    reached = _Reached()
    rows = s.execute(
        select(CampaignChunk.variant, CampaignChunk.friend_ids, CampaignChunk.sent_at, CampaignChunk.delivered).where(
            CampaignChunk.campaign_id == campaign.id, CampaignChunk.status.in_((KS.SENT, KS.PENDING, KS.SENDING))
        )
    ).all()
    for variant, friend_ids, sent_at, delivered in rows:
        v = variants.setdefault(variant, VariantResult(variant))
        v.recipients += len(friend_ids or [])
        v.messages += delivered or 0
        if sent_at is None:
            continue
        sent_at = as_utc(sent_at)
        for fid in friend_ids or []:
            reached.friends[fid] = (variant, sent_at)
        reached.first = min(reached.first or sent_at, sent_at)
        reached.last = max(reached.last or sent_at, sent_at)
    return reached


def _insights(s: Session, campaign: Campaign, variants: dict[int, VariantResult], result: CampaignResults) -> None:
    rows = s.execute(select(CampaignInsight).where(CampaignInsight.campaign_id == campaign.id)).scalars()
    for row in rows:
        v = variants.setdefault(row.variant, VariantResult(row.variant))
        v.opened, v.clicked, v.insight_known = row.opened, row.clicked, row.fetched_at is not None
        if row.fetched_at is not None:
            result.insight_at = max(result.insight_at or as_utc(row.fetched_at), as_utc(row.fetched_at))


def _tracked_clicks(s: Session, campaign: Campaign, variants: dict[int, VariantResult]) -> None:
    """Clicks on the campaign's /r/ links, per variant (campaigns/links.py makes one link per
    campaign, variant and target). A campaign without a tracked link leaves this unknown."""
    links = s.execute(
        select(TrackedLink.variant, func.count(LinkClick.id))
        .outerjoin(LinkClick, LinkClick.link_id == TrackedLink.id)
        .where(TrackedLink.campaign_id == campaign.id)
        .group_by(TrackedLink.variant)
    ).all()
    if not links:
        return
    for v in variants.values():
        v.tracked_clicks = 0
    for variant, clicks in links:
        row = variants.setdefault(variant or 0, VariantResult(variant or 0))
        row.tracked_clicks = (row.tracked_clicks or 0) + clicks


def _orders(s, shop, campaign, reached: _Reached, span, variants) -> None:
    if reached.first is None:
        return
    found = orders_of_friends(s, shop, reached.first, reached.last + span, set(reached.friends))
    ids = [o[0] for o in found]
    by_flow = set()
    if ids:
        by_flow = set(
            s.execute(select(Attribution.order_id).where(Attribution.order_id.in_(ids), Attribution.flow.is_not(None)))
            .scalars()
            .all()
        )
    later = _later_campaigns(s, shop, campaign, reached, span)
    for order_id, fid, total, at in found:
        variant, sent_at = reached.friends[fid]
        if not sent_at <= at <= sent_at + span or order_id in by_flow:
            continue
        if any(sent_at < other <= at for other in later.get(fid, ())):
            continue  # a later campaign reached them before they ordered: it gets the order
        variants[variant].orders += 1
        variants[variant].revenue += total


def _later_campaigns(s, shop, campaign, reached: _Reached, span) -> dict[int, list[datetime]]:
    """friend id -> when other campaigns reached them after this one began (last touch).
    The chunks' friend lists come from the process's copies (flows/sent_chunks.py), not
    parsed from JSON on every request."""
    rows = s.execute(
        select(CampaignChunk.id, CampaignChunk.retry_key, CampaignChunk.sent_at).where(
            CampaignChunk.shop_id == shop.id,
            CampaignChunk.campaign_id != campaign.id,
            CampaignChunk.status == KS.SENT,
            CampaignChunk.sent_at > reached.first,
            CampaignChunk.sent_at <= reached.last + span,
        )
    ).all()
    lists = sent_chunks.friends_of(s, ((chunk_id, key) for chunk_id, key, _ in rows))
    later: dict[int, list[datetime]] = defaultdict(list)
    friends = reached.friends.keys()
    for chunk_id, key, sent_at in rows:
        at = as_utc(sent_at)  # once per chunk, not per friend
        for fid in friends & lists[chunk_id, key]:
            later[fid].append(at)
    return later


def _blocks(s, shop, reached: _Reached, variants) -> None:
    if reached.first is None:
        return
    rows = s.execute(
        select(FriendBlock.friend_id, FriendBlock.blocked_at).where(
            FriendBlock.shop_id == shop.id,
            FriendBlock.blocked_at >= reached.first,
            FriendBlock.blocked_at <= reached.last + BLAME_WINDOW,
        )
    ).all()
    counted = set()
    for fid, blocked_at in rows:
        if fid in reached.friends and fid not in counted:
            variant, sent_at = reached.friends[fid]
            if sent_at <= as_utc(blocked_at) <= sent_at + BLAME_WINDOW:
                variants[variant].blocks += 1
                counted.add(fid)


def _costs(shop: Shop, campaign: Campaign, variants: dict[int, VariantResult]) -> None:
    messages = sum(v.messages for v in variants.values())
    used = int((campaign.forecast or {}).get("quota_used") or 0)
    total = pricing.cost_yen(pricing.plan_of(shop), used=used, messages=messages)
    for v in variants.values():
        v.cost_yen = round(total * v.messages / messages) if messages else 0


def _total(rows: list[VariantResult]) -> VariantResult:
    total = VariantResult(variant=-1)
    for v in rows:
        for name in ("recipients", "messages", "orders", "revenue", "blocks", "cost_yen"):
            setattr(total, name, getattr(total, name) + getattr(v, name))
    # A total of withheld parts is not "< 20" (two could make 38): a number or nothing.
    total.insight_known = False
    total.opened = _sum_known([v.opened for v in rows])
    total.clicked = _sum_known([v.clicked for v in rows])
    clicks = [v.tracked_clicks for v in rows if v.tracked_clicks is not None]
    total.tracked_clicks = sum(clicks) if clicks else None
    return total


def _sum_known(values: list[int | None]) -> int | None:
    """A total only when LINE told every part (a withheld part could be up to 19)."""
    return None if not values or any(v is None for v in values) else sum(values)


# -- the holdout -------------------------------------------------------------------------------
def holdout_friend_ids(session: Session, campaign: Campaign) -> list[int]:
    """The friends the A/B split held out of the campaign, as recorded at planning."""
    return split.holdout_friend_ids(session, campaign)


def holdout_result(
    *, session: Session, shop: Shop, campaign: Campaign, reached: _Reached, span: timedelta
) -> HoldoutResult | None:
    held = set(holdout_friend_ids(session, campaign)) - set(reached.friends)
    if not held or campaign.started_at is None:
        return None
    start = as_utc(campaign.started_at)
    sent_ids = set(reached.friends)
    per_friend: dict[int, Decimal] = defaultdict(Decimal)
    for _id, friend, total, _at in orders_of_friends(session, shop, start, start + span, sent_ids | held):
        per_friend[friend] += total
    sent, kept_out = _group(sent_ids, per_friend), _group(held, per_friend)
    return HoldoutResult(
        sent=sent,
        holdout=kept_out,
        conversion=conversion_difference(sent.converted, sent.people, kept_out.converted, kept_out.people),
        revenue_per_person=welch_difference(sent.sums, kept_out.sums),
    )


def _group(friend_ids: set[int], per_friend: dict[int, Decimal]) -> Group:
    values = [float(per_friend[f]) for f in friend_ids if f in per_friend]
    return Group(
        people=len(friend_ids),
        converted=len(values),
        revenue=sum((per_friend[f] for f in friend_ids if f in per_friend), Decimal("0")),
        sums=Sums(len(friend_ids), sum(values), sum(v * v for v in values)),
    )


def as_json(results: CampaignResults) -> dict:
    """The results as plain JSON (Decimals as strings, withheld figures as null)."""

    def row(v: VariantResult) -> dict:
        data = asdict(v)
        data.update(revenue=str(v.revenue), ctr=v.ctr, revenue_per_message=_str(v.revenue_per_message))
        data["opened_withheld"] = v.insight_known and v.opened is None
        data["clicked_withheld"] = v.insight_known and v.clicked is None
        return data

    holdout = None
    if results.holdout:
        h = results.holdout
        holdout = {
            "sent": _group_json(h.sent),
            "holdout": _group_json(h.holdout),
            "conversion": _diff_json(h.conversion),
            "revenue_per_person": _diff_json(h.revenue_per_person),
        }
    return {
        "campaign_id": results.campaign_id,
        "window_days": results.window_days,
        "variants": [row(v) for v in results.variants],
        "total": row(results.total),
        "holdout": holdout,
        "insight_at": results.insight_at.isoformat() if results.insight_at else None,
    }


def _str(value) -> str | None:
    return None if value is None else str(value)


def _group_json(g: Group) -> dict:
    return {
        "people": g.people,
        "converted": g.converted,
        "revenue": str(g.revenue),
        "conversion": g.conversion,
        "revenue_per_person": g.revenue_per_person,
    }


def _diff_json(d: Difference | None) -> dict | None:
    if d is None:
        return None
    return {"estimate": d.estimate, "low": d.low, "high": d.high, "significant": d.significant}
