"""The worker's campaign sender: every chunk exactly once, whoever crashes.

A batch of chunks is claimed by committing it `sending` (one UPDATE ... WHERE id IN (SELECT
... FOR UPDATE SKIP LOCKED) on PostgreSQL, so several workers share the chunks) before LINE
is called; each chunk then goes out as one multicast with the chunk's own retry key. LINE
answers 409 to a key it has already accepted: the chunk was delivered, it counts as sent.
A worker that dies leaves its chunks `sending`; after `stale_after` any worker claims them
again and sends them with the same key. So a chunk is never delivered twice (the key) and
never skipped (nothing leaves `sending` but a recorded answer).

An outcome is recorded only by the claim that is current (its attempt number): a slow worker
whose chunk was reclaimed cannot count it a second time. The campaign's counters move in
the same transaction as its chunks, so progress never disagrees with them.

Pacing: the channel's multicast rate is shared with every other sender of the process
(app/line/pacing.py). Transactional messages keep priority: before each batch the sender
looks for order and shipping messages that are due, and yields the run to the outbox when
there are any (the next run carries on).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..db import session_scope, tuples
from ..ext import cache
from ..line import channels
from ..line.client import LineClient, LineError
from ..models import Campaign, CampaignChunk, Notification, Shop
from ..models import CampaignStatus as CS
from ..models import ChunkStatus as KS
from ..models import NotificationStatus as NS
from ..timeutil import utcnow
from . import coupons, links, push, split, transport
from .insight import unit_name
from .outcomes import Claimed, Result, record

log = logging.getLogger("tsunagu.campaigns")
STALE_SENDING = timedelta(minutes=5)
MAX_ATTEMPTS = 5
BATCH = 40  # chunks claimed at once (~0.2 s of multicasts at LINE's rate)
THREADS = 16  # calls in flight: LINE answers in tens of ms, the pacer keeps the rate
BUDGET_S = 50.0  # a run hands back to the scheduler after this long
_K = CampaignChunk.__table__


class SenderPool:
    """The app's campaign sender threads: made once, reused by every run."""

    def __init__(self):
        self.pool = ThreadPoolExecutor(THREADS, "campaign")


def transactional_due(engine: Engine, now: datetime) -> bool:
    """Are order or shipping messages waiting to be sent? Then campaigns give way."""
    with Session(engine) as s:
        return bool(
            s.scalar(
                select(
                    exists().where(
                        Notification.status == NS.SCHEDULED,
                        Notification.due_at <= now,
                        Notification.marketing.is_(False),
                    )
                )
            )
        )


def claim(
    engine: Engine, *, now: datetime, size: int, stale_after: timedelta = STALE_SENDING, busy: tuple = ()
) -> list[Claimed]:
    """Mark up to `size` chunks of sending campaigns `sending` (stale ones first) and commit;
    `busy`: chunks this worker has in flight (never its own to reclaim)."""
    wall = utcnow()
    sending = select(Campaign.id).where(Campaign.status == CS.SENDING)
    ready = or_(
        CampaignChunk.status == KS.PENDING,
        and_(CampaignChunk.status == KS.SENDING, CampaignChunk.claimed_at <= wall - stale_after),
    )
    ids = (
        select(CampaignChunk.id)
        .where(ready, CampaignChunk.campaign_id.in_(sending), CampaignChunk.id.not_in(busy))
        .order_by(CampaignChunk.campaign_id, CampaignChunk.number)
        .limit(size)
        .with_for_update(skip_locked=True)
    )
    with session_scope(engine) as s:
        rows = s.execute(
            update(_K)
            .where(_K.c.id.in_(ids.scalar_subquery()))
            .values(status=KS.SENDING, attempts=_K.c.attempts + 1, claimed_at=wall)
            .returning(
                _K.c.id,
                _K.c.campaign_id,
                _K.c.shop_id,
                _K.c.number,
                _K.c.friend_ids,
                _K.c.retry_key,
                _K.c.attempts,
                _K.c.variant,
            )
        ).all()
    claimed = [Claimed(r[0], r[1], r[2], r[3], list(r[4] or []), str(r[5]), r[6], r[7]) for r in rows]
    return sorted(claimed, key=lambda c: (c.campaign_id, c.number))


_REACHABLE = " AND is_blocked = :no AND marketing_opt_out_at IS NULL"


def _reachable(s: Session, shop_id: int, ids: list[int]) -> list[tuple[int, str]]:
    """(friend id, LINE user id) of the chunk's friends who may still receive marketing.
    A chunk's ids ascend: a dense chunk (an "all friends" campaign) is one range read, a
    sparse one (a small segment) an IN list; either way plain tuples from the driver."""
    if not ids:
        return []
    if ids[-1] - ids[0] < 4 * len(ids):
        sql = "SELECT id, line_user_id FROM line_friends WHERE shop_id = :shop AND id >= :lo AND id <= :hi"
        return tuples(s, sql + _REACHABLE, shop=shop_id, lo=ids[0], hi=ids[-1], no=False)
    names = {f"f{i}": fid for i, fid in enumerate(ids)}
    listed = ", ".join(":" + name for name in names)
    sql = f"SELECT id, line_user_id FROM line_friends WHERE shop_id = :shop AND id IN ({listed})"
    return tuples(s, sql + _REACHABLE, shop=shop_id, no=False, **names)


class Run:
    """One run of the sender: campaigns' messages and clients read once, chunks sent in threads."""

    def __init__(self, engine: Engine, now: datetime):
        self.engine, self.now = engine, now
        self.campaigns: dict[int, Campaign] = {}
        self.links: dict[int, dict] = {}  # campaign id -> (variant, target) -> token
        self.clients: dict[int, LineClient | Exception] = {}
        self.channels: dict[int, int] = {}
        self.captured: dict[int, list] = {}  # dry run: shop id -> (kind, path, body, retry key)

    def prepare(self, chunks: list[Claimed]) -> dict[int, list[str]]:
        """Campaigns and clients for these chunks, and each chunk's LINE user ids now (a
        friend who blocked or opted out since planning is left out: never from opt-outs)."""
        with Session(self.engine) as s:
            for cid in {c.campaign_id for c in chunks} - set(self.campaigns):
                campaign = s.get(Campaign, cid)
                self.campaigns[cid] = campaign
                self.links[cid] = links.tokens(s, cid)
                if campaign.shop_id not in self.clients:
                    self.clients[campaign.shop_id] = self._client(s, campaign.shop_id)
            users = {}
            for c in chunks:
                users.update(_reachable(s, self.campaigns[c.campaign_id].shop_id, c.friend_ids))
            s.expunge_all()
        return {c.id: [users[f] for f in c.friend_ids if f in users] for c in chunks}

    def _client(self, s: Session, shop_id: int) -> LineClient | Exception:
        shop = s.get(Shop, shop_id)
        channel = channels.for_shop(session=s, shop=shop)
        try:
            if channel is None or not shop.is_installed:
                raise channels.ChannelUnavailable(f"shop {shop_id} has no LINE channel")
            self.channels[shop_id] = channel.id
            return channels.client_for(channel, shop=shop, captured=self.captured.setdefault(shop_id, []))
        except Exception as exc:
            return exc

    def send(self, chunk: Claimed, to: list[str]) -> Result:
        campaign = self.campaigns[chunk.campaign_id]
        client = self.clients[chunk.shop_id]
        if isinstance(client, Exception):
            return Result(chunk, KS.FAILED, error=f"{type(client).__name__}: {client}")
        messages = links.rewrite(split.messages_of(campaign, chunk.variant), chunk.variant, self.links[campaign.id])
        try:
            if campaign.transport == transport.BROADCAST:
                sent = client.broadcast(messages, retry_key=chunk.retry_key)
                return Result(chunk, KS.SENT, delivered=campaign.recipients, request_id=sent.request_id)
            if campaign.transport == transport.PUSH:  # one push per friend, each its own key
                done = push.send_chunk(
                    engine=self.engine, chunk=chunk, campaign=campaign, client=client, messages=messages
                )
                return Result(chunk, KS.SENT, delivered=done.delivered, skipped=done.skipped, pushed=done.pushed)
            skipped = len(chunk.friend_ids) - len(to)
            if not to:  # everyone in it blocked or opted out since planning
                return Result(chunk, KS.SENT, skipped=skipped)
            (sent,) = client.multicast(
                to, messages, retry_key=chunk.retry_key, aggregation_unit=unit_name(campaign.id, chunk.variant)
            )
        except push.Stop as stop:
            return _refused(chunk, stop.error)
        except coupons.CouponGone as gone:  # the discount was deleted mid-campaign
            return Result(chunk, KS.FAILED, error=f"coupon_gone: {gone}")
        except LineError as exc:
            return _refused(chunk, exc)
        return Result(chunk, KS.SENT, delivered=len(to), request_id=sent.request_id, skipped=skipped)


def _refused(chunk: Claimed, exc: LineError) -> Result:
    """LINE said no: retry later, pause at the monthly limit, or fail the chunk for good."""
    reached = exc.status == 429 and "monthly limit" in str(exc)
    final = not exc.retryable or chunk.attempts >= MAX_ATTEMPTS or reached
    return Result(
        chunk, KS.FAILED if final and not reached else KS.PENDING, error=str(exc)[:2000], quota_reached=reached
    )


def send_due(
    *,
    engine: Engine,
    now: datetime,
    batch: int = BATCH,
    stale_after: timedelta = STALE_SENDING,
    budget_s: float = BUDGET_S,
    max_chunks: int | None = None,
) -> dict[str, int]:
    """Send claimed chunks until none are left, the budget is spent or transactional
    messages are due. Claiming the next batch overlaps the sending of the current one."""
    app = current_app._get_current_object()
    pool = cache(SenderPool).pool
    run, totals = Run(engine, now), Counter()
    deadline = time.monotonic() + budget_s
    inflight: list = []
    claimed_now: list[Claimed] = []
    done = 0

    def sender(chunk: Claimed, to: list[str]) -> Result:
        with app.app_context():
            try:
                return run.send(chunk, to)
            except Exception as exc:  # isolate: a bug fails this chunk's attempt, not the run
                log.exception("campaign chunk failed id=%s", chunk.id)
                return Result(chunk, KS.PENDING, error=f"{type(exc).__name__}: {exc}"[:2000])

    while True:
        more = time.monotonic() < deadline and (max_chunks is None or done < max_chunks)
        if more and transactional_due(engine, now):
            totals["yielded"] += 1
            more = False
        size = batch if max_chunks is None else min(batch, max_chunks - done)
        busy = tuple(c.id for c in claimed_now)
        chunks = claim(engine, now=now, size=size, stale_after=stale_after, busy=busy) if more and size > 0 else []
        futures = []
        if chunks:
            done += len(chunks)
            recipients = run.prepare(chunks)
            futures = [pool.submit(sender, c, recipients[c.id]) for c in chunks]
        if inflight:
            totals.update(record(engine, [f.result() for f in inflight], run))
        inflight, claimed_now = futures, chunks
        if not chunks:
            break
    return {k: v for k, v in totals.items() if v}
