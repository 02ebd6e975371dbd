"""Opens and clicks of sent campaigns, as LINE counts them (its insight API).

Each campaign request names one aggregation unit per variant (`unit_name`): LINE counts the
friends who opened a message of that unit and who tapped a link in it, and tells only
totals, never who. A broadcast takes no unit: it is read by the request id LINE gave it.
LINE answers null for a figure under 20 users (privacy): stored as None, shown as "< 20".

The worker refreshes a campaign's figures at most every `REFRESH` while LINE still adds to
them (opens keep coming for days): from its start until `KEEP_COUNTING` after it ended.
LINE is asked with no transaction open; the figures are written in one short one after.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..db import session_scope
from ..line import channels
from ..line.client import LineError
from ..models import Campaign, CampaignChunk, CampaignInsight, Shop
from ..models import CampaignStatus as CS
from ..models import ChunkStatus as KS
from . import transport

log = logging.getLogger("tsunagu.campaigns.insight")
REFRESH = timedelta(hours=1)
KEEP_COUNTING = timedelta(days=14)
MAX_PERIOD_DAYS = 30  # LINE: `to` at most 30 days after `from`
LINE_TZ = ZoneInfo("Asia/Tokyo")  # LINE's dates are UTC+9
PER_RUN = 50  # campaigns refreshed in one run


def unit_name(campaign_id: int, variant: int = 0) -> str:
    """LINE's customAggregationUnits name of a campaign variant: [a-zA-Z0-9_], ≤ 30 chars."""
    name = f"campaign_{campaign_id}_v{variant}"
    assert len(name) <= 30, name
    return name


@dataclass
class Asked:
    """What to ask LINE for one campaign: its variants' units, or its broadcast request."""

    campaign_id: int
    shop_id: int
    start: str  # yyyyMMdd, Japan time
    end: str
    units: dict[int, str]  # variant -> unit
    broadcast_request: str | None = None


def period(started: datetime, finished: datetime | None, now: datetime) -> tuple[str, str]:
    """LINE's from/to (yyyyMMdd in Japan time) for a campaign: the days it was sent on."""
    first = started.astimezone(LINE_TZ).date()
    last = (finished or now).astimezone(LINE_TZ).date()
    last = min(max(last, first), first + timedelta(days=MAX_PERIOD_DAYS))
    return first.strftime("%Y%m%d"), last.strftime("%Y%m%d")


def _due(s: Session, now: datetime) -> list[Asked]:
    """Campaigns that sent something and are still counted, least recently refreshed first."""
    fetched = (
        select(CampaignInsight.fetched_at)
        .where(CampaignInsight.campaign_id == Campaign.id)
        .order_by(CampaignInsight.fetched_at)
        .limit(1)
        .scalar_subquery()
    )
    rows = s.execute(
        select(Campaign)
        .where(
            Campaign.status.in_((CS.SENDING, CS.PAUSED, CS.DONE, "testing")),  # testing: A/B, winner pending
            Campaign.started_at.is_not(None),
            or_(Campaign.finished_at.is_(None), Campaign.finished_at >= now - KEEP_COUNTING),
            or_(fetched.is_(None), fetched <= now - REFRESH),
        )
        .order_by(fetched.is_not(None), fetched, Campaign.id)
        .limit(PER_RUN)
    ).scalars()
    asked = []
    for campaign in rows:
        chunks = s.execute(
            select(CampaignChunk.variant, CampaignChunk.request_id).where(
                CampaignChunk.campaign_id == campaign.id, CampaignChunk.status == KS.SENT
            )
        ).all()
        if not chunks:
            continue
        start, end = period(campaign.started_at, campaign.finished_at, now)
        units = {v: unit_name(campaign.id, v) for v in sorted({v for v, _ in chunks})}
        request = next((r for _, r in chunks if r), None) if campaign.transport == transport.BROADCAST else None
        asked.append(Asked(campaign.id, campaign.shop_id, start, end, units, request))
    return asked


def _ask(client, asked: Asked) -> dict[int, dict]:
    """variant -> {"opened", "clicked", "error"} from LINE (None where LINE withholds)."""
    figures = {}
    for variant, unit in asked.units.items():
        try:
            if asked.broadcast_request:
                got = client.broadcast_statistics(asked.broadcast_request)
            else:
                got = client.unit_statistics(unit, start=asked.start, end=asked.end)
            figures[variant] = {**got, "error": None}
        except LineError as exc:
            figures[variant] = {"opened": None, "clicked": None, "error": str(exc)[:500]}
    return figures


def _clients(s: Session, shop_ids: set[int]) -> dict:
    found = {}
    for shop_id in shop_ids:
        shop = s.get(Shop, shop_id)
        channel = channels.for_shop(session=s, shop=shop) if shop else None
        try:
            if channel is None:
                raise channels.ChannelUnavailable(f"shop {shop_id} has no LINE channel")
            found[shop_id] = channels.client_for(channel, shop=shop)
        except channels.ChannelUnavailable as exc:
            found[shop_id] = exc
    return found


def refresh_due(*, engine: Engine, now: datetime) -> dict[str, int]:
    """Ask LINE for the figures of campaigns due a refresh and store them."""
    with Session(engine) as s:
        asked = _due(s, now)
        clients = _clients(s, {a.shop_id for a in asked})
    counts = {"refreshed": 0, "failed": 0}
    for item in asked:
        client = clients[item.shop_id]
        if isinstance(client, Exception):
            figures = {v: {"opened": None, "clicked": None, "error": str(client)} for v in item.units}
        else:
            figures = _ask(client, item)
        store(engine, item, figures, now)
        failed = any(f["error"] for f in figures.values())
        counts["failed" if failed else "refreshed"] += 1
        if failed:
            log.warning("campaign insight failed campaign=%s", item.campaign_id)
    return {k: v for k, v in counts.items() if v}


def store(engine: Engine, asked: Asked, figures: dict[int, dict], now: datetime) -> None:
    """Upsert one row per variant. A failed read keeps the figures LINE gave before."""
    with session_scope(engine) as s:
        rows = {
            r.variant: r
            for r in s.exec(select(CampaignInsight).where(CampaignInsight.campaign_id == asked.campaign_id)).scalars()
        }
        for variant, got in figures.items():
            row = rows.get(variant) or CampaignInsight(
                shop_id=asked.shop_id, campaign_id=asked.campaign_id, variant=variant, unit=asked.units[variant]
            )
            if got["error"] is None:
                row.opened, row.clicked = got["opened"], got["clicked"]
            row.error, row.fetched_at = got["error"], now
            s.add(row)
