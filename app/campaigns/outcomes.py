"""Recording what LINE answered for a batch of campaign chunks: each chunk's outcome (only
by the claim that is current), the campaigns' counters and rollups, and a campaign's end
(done, testing for its A/B winner, or paused at LINE's monthly limit), in one transaction.
The sender (sending.py) claims and sends; this module writes down what happened."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, case, exists, not_, select, update
from sqlalchemy.engine import Engine

from ..db import session_scope
from ..models import Campaign, CampaignChunk, LineDryRun
from ..models import CampaignStatus as CS
from ..models import ChunkStatus as KS
from ..timeutil import utcnow
from ..tracking import rollups

log = logging.getLogger("tsunagu.campaigns")
_K = CampaignChunk.__table__


@dataclass
class Claimed:
    id: int
    campaign_id: int
    shop_id: int
    number: int
    friend_ids: list
    retry_key: str
    attempts: int
    variant: int = 0


@dataclass
class Result:
    chunk: Claimed
    status: str  # sent | pending (retry) | failed
    delivered: int = 0
    request_id: str | None = None
    error: str | None = None
    captured: tuple = ()
    quota_reached: bool = False
    skipped: int = 0  # friends left out at send time (blocked or opted out since planning)
    pushed: int = 0  # push campaigns: friends of the chunk done (push.py)


def _kept_if_retried(column, name: str):
    """A retried chunk keeps what its claim recorded so far (push progress); an outcome
    that ends the claim writes its own figure."""
    return case((bindparam("_status") == KS.PENDING, column), else_=bindparam(name))


_RECORD = (
    update(_K)
    .where(_K.c.id == bindparam("_id"))
    .values(
        status=bindparam("_status"),
        sent_at=bindparam("_sent", type_=_K.c.sent_at.type),
        delivered=_kept_if_retried(_K.c.delivered, "_delivered"),
        skipped=_kept_if_retried(_K.c.skipped, "_skipped"),
        pushed=_kept_if_retried(_K.c.pushed, "_pushed"),
        request_id=bindparam("_request"),
        error=bindparam("_error"),
    )
)


def record(engine: Engine, results: list[Result], run=None) -> Counter:
    """Write the batch's outcomes, the campaigns' counters and their end, in one transaction
    (with the run's captured dry-run requests, when `run` is given: sending.Run)."""
    counts: Counter = Counter()
    wall = utcnow()
    progress: dict[int, list[int]] = {}
    reached: set[int] = set()
    with session_scope(engine) as s:
        # Only the current claim of each chunk records it (its attempt number): one read of
        # the batch (locked on PostgreSQL), then one UPDATE for all, not a statement a chunk.
        current = dict(
            s.execute(
                select(CampaignChunk.id, CampaignChunk.attempts)
                .where(CampaignChunk.id.in_([r.chunk.id for r in results]), CampaignChunk.status == KS.SENDING)
                .with_for_update()
            ).all()
        )
        mine = [r for r in results if current.get(r.chunk.id) == r.chunk.attempts]
        counts["superseded"] = len(results) - len(mine)
        if mine:
            s.connection().execute(
                _RECORD,
                [
                    {
                        "_id": r.chunk.id,
                        "_status": r.status,
                        "_sent": wall if r.status == KS.SENT else None,
                        "_delivered": r.delivered,
                        "_skipped": r.skipped,
                        "_pushed": r.pushed,
                        "_request": r.request_id,
                        "_error": r.error,
                    }
                    for r in mine
                ],
            )
        for r in mine:
            c = r.chunk
            counts[r.status] += 1
            if r.quota_reached:
                reached.add(c.campaign_id)
            if r.status in (KS.SENT, KS.FAILED):
                moved = progress.setdefault(c.campaign_id, [0, 0])
                moved[0] += 1
                moved[1] += r.delivered
        rollups.campaign_sent(
            session=s,
            sent=[(r.chunk.shop_id, r.chunk.campaign_id, wall, r.delivered) for r in mine if r.status == KS.SENT],
        )
        for cid, (chunks, delivered) in progress.items():
            s.execute(
                update(Campaign)
                .where(Campaign.id == cid)
                .values(
                    chunks_done=Campaign.chunks_done + chunks,
                    sent_count=Campaign.sent_count + delivered,
                    updated_at=wall,
                )
            )
        for cid in reached:  # LINE refuses more this month: stop, say why, resume by hand
            s.execute(
                update(Campaign)
                .where(Campaign.id == cid, Campaign.status == CS.SENDING)
                .values(status=CS.PAUSED, reason="quota_reached", updated_at=wall)
            )
        _finish(s, set(progress), wall)
        if run is not None:
            _store_captured(s, run)
    for r in results:
        if r.status == KS.FAILED:
            log.warning("campaign chunk failed id=%s error=%s", r.chunk.id, r.error)
    return counts


def _finish(s, campaign_ids: set[int], wall: datetime) -> None:
    """Campaigns with no chunk left to send are done (the failed chunks are named); an A/B
    test's campaign waits for its winner instead (campaigns/winner.py sends the rest)."""
    if not campaign_ids:
        return
    left = select(CampaignChunk.id).where(
        CampaignChunk.campaign_id == Campaign.id, CampaignChunk.status.in_((KS.PENDING, KS.SENDING))
    )
    failed = select(CampaignChunk.id).where(CampaignChunk.campaign_id == Campaign.id, CampaignChunk.status == KS.FAILED)
    finished = and_(Campaign.id.in_(campaign_ids), Campaign.status.in_((CS.SENDING, CS.PAUSED)), not_(exists(left)))
    awaiting_winner = and_(Campaign.winner.is_(None), Campaign.test_share < 100, Campaign.variants != [])
    tests = s.execute(select(Campaign.id).where(finished, awaiting_winner)).scalars()
    s.execute(update(Campaign).where(Campaign.id.in_(list(tests))).values(status=CS.TESTING, updated_at=wall))
    s.execute(update(Campaign).where(finished).values(status=CS.DONE, finished_at=wall, updated_at=wall))
    ended = and_(Campaign.id.in_(campaign_ids), Campaign.status == CS.DONE, Campaign.reason.is_(None))
    gone = failed.where(CampaignChunk.error.like("coupon_gone:%"))  # the discount was deleted mid-send
    s.execute(update(Campaign).where(ended, exists(gone)).values(reason="coupon_gone"))
    s.execute(update(Campaign).where(ended, exists(failed)).values(reason="chunks_failed"))


def _store_captured(s, run) -> None:
    """Dry run: the exact requests, as the outbox keeps them (line_dry_runs)."""
    for shop_id, captured in run.captured.items():
        taken, captured[:] = list(captured), []
        s.add_all(
            LineDryRun(shop_id=shop_id, channel_id=run.channels.get(shop_id), kind=k, path=p, retry_key=r, body=b)
            for k, p, b, r in taken
        )
