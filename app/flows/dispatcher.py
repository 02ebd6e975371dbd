"""The worker's sender: claim due notifications, apply the policies, push, record.

A batch is claimed by committing its rows as `sending` (FOR UPDATE SKIP LOCKED on
PostgreSQL, so several workers share the outbox) before LINE is called, and each row is
pushed with its id as the X-Line-Retry-Key. A worker that dies mid-batch leaves rows
`sending`; after STALE_SENDING another run claims them again and pushes with the same
key, and LINE's 409 ("already accepted") turns that into `sent`. Nothing is sent twice,
nothing is dropped. Each row is isolated: one that fails is recorded, the rest go on.
"""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, case, func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ..db import session_scope
from ..line import channels
from ..line.channels import ChannelUnavailable
from ..line.client import LineError
from ..models import LineChannel, LineDryRun, LineFriend, Notification, NotificationStatus as St, Shop
from ..timeutil import utcnow
from . import discounts, moot, policies, quota
from .config import policy_settings

log = logging.getLogger("tsunagu.flows")
STALE_SENDING = timedelta(minutes=5)
BACKOFF_MIN = [1, 5, 30, 120]
MAX_ATTEMPTS = len(BACKOFF_MIN) + 1
BATCH = 200
QUOTA_RETRY = timedelta(hours=1)
_pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="push")
_T = Notification.__table__


@dataclass
class Outcome:
    """What became of one claimed row, written back in one statement per batch."""

    id: object
    status: str
    reason: str | None = None
    error: str | None = None
    due_at: datetime | None = None
    sent_at: datetime | None = None
    attempts: int | None = None
    captured: list = field(default_factory=list)


def claim(engine: Engine, now: datetime, size: int) -> list[Notification]:
    """Mark up to `size` due rows (and rows a dead worker left `sending`) as sending."""
    with session_scope(engine) as s:
        stale = select(Notification).where(Notification.status == St.SENDING,
                                           Notification.updated_at <= utcnow() - STALE_SENDING)
        due = select(Notification).where(Notification.status == St.SCHEDULED, Notification.due_at <= now)
        rows = list(s.exec(stale.order_by(Notification.updated_at).limit(size).with_for_update(skip_locked=True)))
        if len(rows) < size:
            rows += s.exec(due.order_by(Notification.due_at).limit(size - len(rows))
                           .with_for_update(skip_locked=True)).all()
        if not rows:
            return []
        s.execute(update(Notification).where(Notification.id.in_([r.id for r in rows]))
                  .values(status=St.SENDING, attempts=Notification.attempts + 1, updated_at=utcnow())
                  .execution_options(synchronize_session=False))
        for row in rows:
            row.attempts += 1
        s.expunge_all()
    return rows


def dispatch_due(*, engine: Engine, now: datetime, limit: int = 20_000, batch: int = BATCH) -> dict[str, int]:
    """Send everything due at `now`, a batch at a time; counts by outcome."""
    totals: Counter = Counter()
    done = 0
    while done < limit:
        rows = claim(engine, now, min(batch, limit - done))
        if not rows:
            break
        totals.update(o.status if o.status != St.SCHEDULED else (o.reason or "retrying")
                      for o in Batch(engine, now, rows).run())
        done += len(rows)
    return dict(totals)


class Batch:
    """One claimed batch: everything the policies need is read once, pushes run in parallel."""

    def __init__(self, engine: Engine, now: datetime, rows: list[Notification]):
        self.engine, self.now, self.rows = engine, now, rows

    def run(self) -> list[Outcome]:
        with Session(self.engine) as s:  # a plain read: decide without holding the write lock
            self._load(s)
            decided = [(row, self._decide(s, row)) for row in self.rows]
        outcomes = [self._settle(row, d) for row, d in decided if d.action != "send"]
        sends = [row for row, d in decided if d.action == "send"]
        if len(sends) > 1:  # pool threads need the app (settings, vault) pushed like a request
            app = current_app._get_current_object()
            outcomes += _pool.map(lambda row: self._send_in(app, row), sends)
        else:
            outcomes += [self._send(r) for r in sends]
        _record(self.engine, outcomes)
        return outcomes

    def _load(self, s: Session) -> None:
        shop_ids = {r.shop_id for r in self.rows}
        friend_ids = {r.friend_id for r in self.rows if r.friend_id}
        self.shops = {x.id: x for x in s.exec(select(Shop).where(Shop.id.in_(shop_ids)))}
        self.channels = {c.shop_id: c for c in s.exec(select(LineChannel).where(LineChannel.shop_id.in_(shop_ids)))}
        self.friends = {f.id: f for f in s.exec(select(LineFriend).where(LineFriend.id.in_(friend_ids)))}
        self.sent = _marketing_sent(s, friend_ids, self.now)
        self.room: dict[int, int | None] = {}
        s.expunge_all()

    def _decide(self, s: Session, row: Notification) -> policies.Decision:
        try:
            shop = self.shops.get(row.shop_id)
            friend = self.friends.get(row.friend_id)
            sent = self.sent.setdefault(row.friend_id, policies.Sent())
            decision = policies.decide(row, shop=shop, channel=self.channels.get(row.shop_id), friend=friend,
                                       now=self.now, sent=sent, moot=moot.reason(s, row, shop, self.now) if shop else None)
            if decision.action == "send" and row.marketing:
                if not self._quota_allows(shop):
                    return policies.Decision("delay", "quota_held", self.now + QUOTA_RETRY)
                sent.day, sent.month = sent.day + 1, sent.month + 1  # the cap counts this batch too
            return decision
        except Exception as exc:  # isolate: this row fails, the batch goes on
            log.exception("policy check failed id=%s", row.id)
            return policies.Decision("error", f"{type(exc).__name__}: {exc}")

    def _quota_allows(self, shop: Shop) -> bool:
        if shop.id not in self.room:
            channel = self.channels[shop.id]
            try:
                client = channels.client_for(channel, shop=shop)
                self.room[shop.id] = None if client.dry_run else quota.marketing_room(
                    channel, client, float(policy_settings(shop)["quota_reserve"]))
            except ChannelUnavailable:
                self.room[shop.id] = None
        room = self.room[shop.id]
        if room is None:
            return True
        if room <= 0:
            log.warning("marketing held: LINE quota nearly used shop=%s", shop.id)
            return False
        self.room[shop.id] = room - 1
        return True

    def _settle(self, row: Notification, decision: policies.Decision) -> Outcome:
        if decision.action == "error":
            return _failure(row, self.now, decision.reason, retry=True)
        if decision.action == "delay":  # waiting is not a failed attempt
            return Outcome(row.id, St.SCHEDULED, reason=decision.reason, due_at=decision.until,
                           attempts=max(0, row.attempts - 1))
        return Outcome(row.id, St.SKIPPED if decision.action == "skip" else St.CANCELLED, reason=decision.reason)

    def _send_in(self, app, row: Notification) -> Outcome:
        with app.app_context():
            return self._send(row)

    def _send(self, row: Notification) -> Outcome:
        shop, channel = self.shops[row.shop_id], self.channels[row.shop_id]
        friend = self.friends[row.friend_id]
        captured: list = []
        try:
            messages = discounts.prepare(self.engine, row, shop, self.now)
            client = channels.client_for(channel, shop=shop, captured=captured)
            client.push(friend.line_user_id, messages, retry_key=str(row.id))
        except ChannelUnavailable:
            return Outcome(row.id, St.SKIPPED, reason="channel_disconnected")
        except LineError as exc:
            return _failure(row, self.now, str(exc), retry=exc.retryable)
        except Exception as exc:  # a discount Shopify refused, a bug: recorded, retried
            log.exception("notification failed id=%s", row.id)
            return _failure(row, self.now, f"{type(exc).__name__}: {exc}", retry=True)
        if row.marketing:
            quota.spent(channel, 1)
        return Outcome(row.id, St.SENT, sent_at=self.now,
                       captured=[LineDryRun(shop_id=row.shop_id, channel_id=channel.id, kind=k, path=p, retry_key=key,
                                            body=b) for k, p, b, key in captured])


def _failure(row: Notification, now: datetime, error: str, *, retry: bool) -> Outcome:
    if retry and row.attempts < MAX_ATTEMPTS:
        return Outcome(row.id, St.SCHEDULED, reason="retrying", error=error[:2000],
                       due_at=now + timedelta(minutes=BACKOFF_MIN[row.attempts - 1]))
    return Outcome(row.id, St.FAILED, error=error[:2000])


def _marketing_sent(s: Session, friend_ids: set[int], now: datetime) -> dict[int, policies.Sent]:
    if not friend_ids:
        return {}
    day = now - timedelta(days=1)
    rows = s.exec(select(Notification.friend_id, func.count(), func.sum(case((Notification.sent_at >= day, 1), else_=0)))
                  .where(Notification.friend_id.in_(friend_ids), Notification.marketing.is_(True),
                         Notification.status == St.SENT, Notification.sent_at >= now - timedelta(days=30),
                         Notification.sent_at <= now)
                  .group_by(Notification.friend_id))
    return {friend: policies.Sent(day=int(d or 0), month=int(m or 0)) for friend, m, d in rows}


_RECORD = (update(_T).where(_T.c.id == bindparam("_id"))
           .values(status=bindparam("_status"), reason=bindparam("_reason"), last_error=bindparam("_error"),
                   due_at=func.coalesce(bindparam("_due", type_=_T.c.due_at.type), _T.c.due_at),
                   sent_at=bindparam("_sent", type_=_T.c.sent_at.type),
                   attempts=func.coalesce(bindparam("_attempts", type_=_T.c.attempts.type), _T.c.attempts),
                   updated_at=bindparam("_updated", type_=_T.c.updated_at.type)))


def _record(engine: Engine, outcomes: list[Outcome]) -> None:
    """Write every outcome of the batch in one statement (and the dry-run captures)."""
    if not outcomes:
        return
    wall = utcnow()
    with session_scope(engine) as s:
        s.connection().execute(_RECORD, [
            {"_id": o.id, "_status": o.status, "_reason": o.reason, "_error": o.error, "_due": o.due_at,
             "_sent": o.sent_at, "_attempts": o.attempts, "_updated": wall} for o in outcomes])
        s.add_all([c for o in outcomes for c in o.captured])
    for o in outcomes:
        if o.status == St.FAILED:
            log.warning("notification failed id=%s error=%s", o.id, o.error)
