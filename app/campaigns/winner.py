"""The A/B test's winner: after `winner_after_hours` from the test send, the variant with the
most tracked clicks per recipient, or the most revenue per recipient, goes to the rest.

Clicks are the campaign's tracked links per variant (campaigns/links.py). Revenue is what
the variant's recipients ordered (not cancelled) from their chunk's send until the shop's
attribution window closed or the decision, whichever is first: a multicast link names no
customer, so revenue is credited by who received the variant, the same way for each. Ties
go to the lowest index (the merchant's first variant).

Exactly once: the winner is written by one conditional UPDATE (testing → planning, only
while no winner is set), so two workers cannot both pick; the worker that wins plans the
rest at once. If it dies before the rest is written, the campaign stays `planning` with its
winner set and the planner's stale sweep plans the rest later (planning.py), keeping the
test's chunks, their numbers and their retry keys: nobody gets a second message.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..db import session_scope
from ..models import Campaign, CampaignChunk, Customer, LineFriend, Order, Shop, TrackedLink
from ..models import CampaignStatus as CS
from ..models import ChunkStatus as KS
from ..timeutil import as_utc, utcnow
from ..tracking.attribution import window
from . import planning, split

log = logging.getLogger("tsunagu.campaigns")
CLICKS = "clicks"
REVENUE = "revenue"
METRICS = (CLICKS, REVENUE)


def due(campaign: Campaign, now: datetime) -> bool:
    started = as_utc(campaign.started_at)
    return started is not None and started + timedelta(hours=campaign.winner_after_hours) <= now


def recipients_by_variant(session: Session, campaign: Campaign) -> dict[int, int]:
    """Recipients LINE accepted per variant (the chunks sent so far)."""
    rows = session.execute(
        select(CampaignChunk.variant, func.sum(CampaignChunk.delivered))
        .where(CampaignChunk.campaign_id == campaign.id, CampaignChunk.status == KS.SENT)
        .group_by(CampaignChunk.variant)
    )
    return {variant: int(n or 0) for variant, n in rows}


def clicks_by_variant(session: Session, campaign: Campaign) -> dict[int, int]:
    rows = session.execute(
        select(TrackedLink.variant, func.sum(TrackedLink.clicks))
        .where(TrackedLink.campaign_id == campaign.id)
        .group_by(TrackedLink.variant)
    )
    return {variant: int(n or 0) for variant, n in rows}


def revenue_by_variant(session: Session, campaign: Campaign, shop: Shop, now: datetime) -> dict[int, Decimal]:
    """What each variant's recipients ordered after their message, within the window."""
    chunks = session.execute(
        select(CampaignChunk.variant, CampaignChunk.friend_ids, CampaignChunk.sent_at).where(
            CampaignChunk.campaign_id == campaign.id, CampaignChunk.status == KS.SENT
        )
    ).all()
    totals: dict[int, Decimal] = {}
    for variant, friend_ids, sent_at in chunks:
        sent = as_utc(sent_at)
        until = min(now, sent + window(shop))
        spent = session.scalar(
            select(func.coalesce(func.sum(Order.total_price), 0))
            .join(Customer, (Customer.shopify_id == Order.customer_shopify_id) & (Customer.shop_id == Order.shop_id))
            .join(LineFriend, LineFriend.customer_id == Customer.id)
            .where(
                LineFriend.id.in_(list(friend_ids or [])),
                Order.shop_id == shop.id,
                Order.cancelled_at.is_(None),
                Order.processed_at >= sent,
                Order.processed_at < until,
            )
        )
        totals[variant] = totals.get(variant, Decimal(0)) + Decimal(spent or 0)
    return totals


def pick(scores: dict[int, int | Decimal], recipients: dict[int, int], variants: int) -> int:
    """The variant with the highest score per recipient; ties go to the lowest index."""

    def rate(v: int) -> Fraction:
        n = recipients.get(v, 0)
        return Fraction(scores.get(v, 0)) / n if n else Fraction(0)

    return max(range(variants), key=lambda v: (rate(v), -v))


def choose(session: Session, campaign: Campaign, now: datetime) -> tuple[int, dict]:
    """The winner and the figures it was chosen by (kept in the campaign's forecast)."""
    shop = session.get(Shop, campaign.shop_id)
    recipients = recipients_by_variant(session, campaign)
    if campaign.winner_metric == REVENUE:
        scores = revenue_by_variant(session, campaign, shop, now)
    else:
        scores = clicks_by_variant(session, campaign)
    winner = pick(scores, recipients, split.variant_count(campaign))
    figures = {
        "metric": campaign.winner_metric,
        "recipients": {str(v): n for v, n in recipients.items()},
        "scores": {str(v): str(x) for v, x in scores.items()},
    }
    return winner, figures


def pick_due(*, engine: Engine, now: datetime) -> dict[str, int]:
    """Choose the winner of every test whose time has come, then plan its rest (each isolated)."""
    with Session(engine) as s:
        waiting = s.scalars(select(Campaign).where(Campaign.status == CS.TESTING, Campaign.winner.is_(None))).all()
        ready = [c.id for c in waiting if due(c, now)]
    outcomes: Counter = Counter()
    for campaign_id in ready:
        try:
            outcomes[decide(engine=engine, campaign_id=campaign_id, now=now)] += 1
        except Exception:
            log.exception("campaign winner failed id=%s", campaign_id)
            outcomes["error"] += 1
    return {k: v for k, v in outcomes.items() if v}


def decide(*, engine: Engine, campaign_id: int, now: datetime) -> str:
    """Pick one test's winner (once: the UPDATE only succeeds while none is set) and send it
    to the rest of the audience."""
    with Session(engine) as s:
        campaign = s.get(Campaign, campaign_id)
        winner, figures = choose(s, campaign, now)
        forecast = {**(campaign.forecast or {}), "winner": figures}
    with session_scope(engine) as s:
        won = s.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.status == CS.TESTING, Campaign.winner.is_(None))
            .values(winner=winner, status=CS.PLANNING, forecast=forecast, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
    if not won:
        return "taken"
    log.info("campaign winner id=%s variant=%s by=%s", campaign_id, winner, figures)
    return planning.plan(engine=engine, campaign_id=campaign_id, now=now)
