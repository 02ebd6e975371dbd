"""Starting a campaign: its recipients fixed into numbered chunks, in one pass.

The worker takes a due campaign by committing it `planning` (one UPDATE that only one
worker can win), reads LINE's quota (no transaction open), then counts and collects the
recipients in a plain read (SQLite's WAL lets webhooks keep writing meanwhile), and writes
every chunk and the campaign's `sending` in one short transaction. Each chunk's retry key
is derived from the campaign's uid and the chunk's number, so it is the same however often
the chunk is sent. A worker that dies while planning leaves the campaign `planning` with no
chunks; after PLANNING_STALE another worker plans it again.

A campaign whose recipients would not fit the month's quota fails here, sending nothing,
with how many friends it could have reached.
"""

from __future__ import annotations

import logging
import uuid
from array import array
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..db import session_scope
from ..flows.policies import quiet_until
from ..line import channels
from ..line.client import MULTICAST_MAX
from ..models import Campaign, CampaignChunk, CampaignHoldout, Shop
from ..models import CampaignStatus as CS
from ..models import ChunkStatus as KS
from ..timeutil import utcnow
from . import audience, forecast, links, split, transport

log = logging.getLogger("tsunagu.campaigns")
PLANNING_STALE = timedelta(minutes=10)
INSERT_BATCH = 200  # chunks per INSERT statement
HOLDOUT_BATCH = 5_000  # held-out friends per INSERT statement


def retry_key(uid: uuid.UUID, number: int) -> uuid.UUID:
    """X-Line-Retry-Key of chunk `number`: the same on every attempt, by any worker."""
    return uuid.uuid5(uid, f"chunk:{number}")


def _due(now: datetime):
    return or_(
        and_(Campaign.status == CS.SCHEDULED, Campaign.scheduled_at <= now),
        and_(Campaign.status == CS.PLANNING, Campaign.updated_at <= utcnow() - PLANNING_STALE),
    )


def start_due(*, engine: Engine, now: datetime) -> dict[str, int]:
    """Start every campaign due at `now` (each isolated: one that fails is recorded)."""
    with Session(engine) as s:
        ids = list(s.scalars(select(Campaign.id).where(_due(now)).order_by(Campaign.scheduled_at)))
    outcomes: Counter = Counter()
    for campaign_id in ids:
        try:
            outcomes[start(engine=engine, campaign_id=campaign_id, now=now)] += 1
        except Exception as exc:
            log.exception("campaign planning failed id=%s", campaign_id)
            _set(engine, campaign_id, status=CS.FAILED, reason=f"error: {type(exc).__name__}")
            outcomes["error"] += 1
    return {k: v for k, v in outcomes.items() if v}


def start(*, engine: Engine, campaign_id: int, now: datetime) -> str:
    """Plan one campaign; what became of it (sending, moved, failed, done, taken...)."""
    with session_scope(engine) as s:
        won = s.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id, _due(now))
            .values(status=CS.PLANNING, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
    if not won:
        return "taken"
    return plan(engine=engine, campaign_id=campaign_id, now=now)


def plan(*, engine: Engine, campaign_id: int, now: datetime) -> str:
    """Fix the recipients of a campaign this worker holds `planning`: all of them, the A/B
    test's share, or (once its winner is chosen) the rest with the winner."""
    with Session(engine) as s:
        campaign = s.get(Campaign, campaign_id)
        shop = s.get(Shop, campaign.shop_id)
        channel = channels.for_shop(session=s, shop=shop)
        if not shop.is_installed:
            return _fail(engine, campaign_id, "app_uninstalled")
        if channel is None or channel.disconnected_at is not None or not channel.connected_at:
            return _fail(engine, campaign_id, "channel_disconnected")
        moved = quiet_until(shop, now)
        if moved is not None:
            _set(engine, campaign_id, status=CS.SCHEDULED, scheduled_at=moved, reason="quiet_hours")
            return "moved"
        quota = forecast.read_quota(session=s, shop=shop)
        s.rollback()  # end the read before counting: the quota call may have taken a while
        kept = array("q")
        try:
            counted = audience.tally(session=s, shop=shop, campaign=campaign, now=now, keep=kept.extend)
        except audience.AudienceGone:
            log.warning("campaign failed: its segment is gone id=%s", campaign_id)
            return _fail(engine, campaign_id, "segment_gone")
        chosen = forecast.choose_transport(shop=shop, campaign=campaign, counted=counted)
        room = forecast.room_for(shop, quota)
        s.expunge(campaign)
    excluded = {k: int(v) for k, v in counted.excluded.items() if v}
    phase = _divide(campaign, kept)
    if room is not None and phase.recipients > room:
        _set(
            engine,
            campaign_id,
            status=CS.FAILED,
            reason="quota_exceeded",
            recipients=counted.recipients,
            excluded=excluded,
            forecast={**(campaign.forecast or {}), "could_reach": room},
        )
        log.warning("campaign refused: quota id=%s recipients=%s room=%s", campaign_id, phase.recipients, room)
        return "quota_exceeded"
    if chosen.kind == transport.PUSH:
        # Per-person messages go through the outbox (one Notification each); that sender
        # is not wired yet, and sending one body to everyone would be wrong: refuse.
        return _fail(engine, campaign_id, "push_unavailable")
    if counted.recipients == 0 and campaign.winner is None:  # nobody at all (a test may wait for the rest)
        _set(engine, campaign_id, status=CS.DONE, reason="no_recipients", excluded=excluded, finished_at=utcnow())
        return "done"
    if chosen.kind == transport.BROADCAST and not phase.divided:
        phase.groups = [(0, array("q"))]  # one request; LINE fans it out to every friend
    return _write_chunks(engine, campaign, phase, chosen.kind, excluded)


@dataclass
class Plan:
    """What this planning sends: (variant, friend ids) per chunk, and who is held out."""

    groups: list[tuple[int, array]]
    held: list[int]
    recipients: int
    divided: bool  # holdout or variants: never one broadcast to everyone


def _chunked(variant: int, ids) -> list[tuple[int, array]]:
    ids = ids if isinstance(ids, array) else array("q", ids)
    return [(variant, ids[i : i + MULTICAST_MAX]) for i in range(0, len(ids), MULTICAST_MAX)]


def _divide(campaign: Campaign, kept: array) -> Plan:
    """The chunks of this phase: everyone (no test), the test's variants, or, once the winner
    is chosen, the rest with the winner. The held-out friends are recorded in the first."""
    if not campaign.variants and not campaign.holdout_share:
        return Plan(_chunked(0, kept), [], len(kept), False)
    held, tests, rest = split.divide(campaign, kept)
    if campaign.winner is not None:
        return Plan(_chunked(campaign.winner, rest), held, len(rest), True)
    groups = [g for variant, ids in enumerate(tests) for g in _chunked(variant, ids)]
    return Plan(groups, held, sum(len(ids) for ids in tests), True)


def _first_number(s: Session, campaign: Campaign) -> int:
    """Chunks of the test phase keep their numbers (and retry keys); the rest follows them."""
    if campaign.winner is None:
        s.execute(delete(CampaignChunk).where(CampaignChunk.campaign_id == campaign.id))
        return 0
    last = s.scalar(select(func.max(CampaignChunk.number)).where(CampaignChunk.campaign_id == campaign.id))
    return 0 if last is None else last + 1


def _write_chunks(engine: Engine, campaign: Campaign, phase: Plan, kind: str, excluded: dict) -> str:
    campaign_id, groups = campaign.id, phase.groups
    with session_scope(engine) as s:
        first = _first_number(s, campaign)
        for start in range(0, len(groups), INSERT_BATCH):
            s.execute(
                insert(CampaignChunk.__table__),
                [
                    {
                        "shop_id": campaign.shop_id,
                        "campaign_id": campaign_id,
                        "number": first + number,
                        "variant": groups[number][0],
                        "friend_ids": groups[number][1].tolist(),
                        "retry_key": retry_key(campaign.uid, first + number),
                        "status": KS.PENDING,
                        "attempts": 0,
                        "delivered": 0,
                    }
                    for number in range(start, min(start + INSERT_BATCH, len(groups)))
                ],
            )
        _hold_out(s, campaign, phase.held)
        links.record(s, campaign, sorted({variant for variant, _ids in groups}))
        started = s.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.status == CS.PLANNING)  # a cancel meanwhile wins
            .values(**_progress(campaign, phase, kind, excluded, first), reason=None, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if not started:
            s.rollback()
            return "taken"
    log.info(
        "campaign planned id=%s transport=%s recipients=%s chunks=%s held_out=%s winner=%s",
        campaign_id,
        kind,
        phase.recipients,
        len(groups),
        len(phase.held),
        campaign.winner,
    )
    return "sending"


def _progress(campaign: Campaign, phase: Plan, kind: str, excluded: dict, first: int) -> dict:
    """The campaign's counters: fresh for its first phase, added to for the winner's."""
    values = {"status": CS.SENDING, "transport": kind, "excluded": excluded}
    if not phase.groups:  # nobody to send in this phase: wait for the winner, or done
        waits = campaign.winner is None and split.has_winner_phase(campaign)
        values |= {"status": CS.TESTING} if waits else {"status": CS.DONE, "finished_at": utcnow()}
    if campaign.winner is None:
        return values | {
            "recipients": phase.recipients,
            "chunks_total": len(phase.groups),
            "chunks_done": 0,
            "sent_count": 0,
            "started_at": utcnow(),
        }
    return values | {"recipients": Campaign.recipients + phase.recipients, "chunks_total": first + len(phase.groups)}


def _hold_out(s: Session, campaign: Campaign, held: list[int]) -> None:
    """Record who is held out; the winner's phase adds those who joined since (never twice)."""
    if campaign.winner is not None:
        known = set(split.holdout_friend_ids(s, campaign))
        held = [fid for fid in held if fid not in known]
    rows = [{"campaign_id": campaign.id, "friend_id": fid, "shop_id": campaign.shop_id} for fid in held]
    for start in range(0, len(rows), HOLDOUT_BATCH):
        s.execute(insert(CampaignHoldout.__table__), rows[start : start + HOLDOUT_BATCH])


def _fail(engine: Engine, campaign_id: int, reason: str) -> str:
    _set(engine, campaign_id, status=CS.FAILED, reason=reason, finished_at=utcnow())
    return "failed"


def _set(engine: Engine, campaign_id: int, **values) -> None:
    with session_scope(engine) as s:
        s.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id)
            .values(**values, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
