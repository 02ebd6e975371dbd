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
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from queue import Empty, SimpleQueue

from flask import current_app
from sqlalchemy import bindparam, func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ..db import session_scope
from ..ext import cache, settings
from ..line import channels
from ..line.channels import ChannelUnavailable
from ..line.client import LineClient, LineError
from ..models import LineChannel, LineDryRun, LineFriend, Notification, Shop
from ..models import NotificationStatus as St
from ..timeutil import utcnow
from ..tracking import rollups, tracked_urls
from . import discounts, moot, policies, quota
from .config import policy_settings

log = logging.getLogger("tsunagu.flows")
STALE_SENDING = timedelta(minutes=5)
BACKOFF_MIN = [1, 5, 30, 120]
MAX_ATTEMPTS = len(BACKOFF_MIN) + 1
BATCH = 200
QUOTA_RETRY = timedelta(hours=1)
_T = Notification.__table__


class PushPools:
    """The app's sender thread pools, one per size: made once, reused by every batch."""

    def __init__(self):
        self._by_size: dict[int, ThreadPoolExecutor] = {}

    def of_size(self, threads: int) -> ThreadPoolExecutor:
        found = self._by_size.get(threads)
        return found or self._by_size.setdefault(threads, ThreadPoolExecutor(threads, "push"))


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


def stale_query(size: int):
    """Rows a dead worker left `sending` (by wall clock: a crash is real time passing)."""
    return (
        select(Notification)
        .where(Notification.status == St.SENDING, Notification.updated_at <= utcnow() - STALE_SENDING)
        .order_by(Notification.updated_at)
        .limit(size)
        .with_for_update(skip_locked=True)
    )


def due_query(now: datetime, size: int):
    """Waiting rows due at `now`, oldest first; ix_notifications_due (status, due_at) serves it."""
    return (
        select(Notification)
        .where(Notification.status == St.SCHEDULED, Notification.due_at <= now)
        .order_by(Notification.due_at)
        .limit(size)
        .with_for_update(skip_locked=True)
    )


def claim(engine: Engine, now: datetime, size: int) -> list[Notification]:
    """Mark up to `size` due rows (and rows a dead worker left `sending`) as sending.

    Each kind is one UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING:
    rows are locked, marked and read back in a single round trip."""
    with session_scope(engine) as s:
        rows = _mark_sending(s, stale_query(size), was=St.SENDING)
        if len(rows) < size:
            rows += _mark_sending(s, due_query(now, size - len(rows)), was=St.SCHEDULED)
        s.expunge_all()
    return rows


def _mark_sending(s: Session, query, *, was: str) -> list[Notification]:
    ids = query.with_only_columns(Notification.id)
    marked = s.scalars(
        update(Notification)
        .where(Notification.id.in_(ids))
        .values(status=St.SENDING, attempts=Notification.attempts + 1, updated_at=utcnow())
        .returning(Notification),
        execution_options={"synchronize_session": False},
    ).all()
    if was != St.SENDING:  # a stale row stays `sending`: nothing moves
        rollups.notes_moved(
            session=s,
            changes=[(replace(rollups.state_of(r), status=was), rollups.state_of(r)) for r in marked],
        )
    # RETURNING has no order; the policies count a friend's caps in due order within a batch.
    return sorted(marked, key=lambda r: (r.due_at, str(r.id)))


def dispatch_due(*, engine: Engine, now: datetime, limit: int = 20_000, batch: int = BATCH) -> dict[str, int]:
    """Send everything due at `now`, a batch at a time; counts by outcome."""
    totals: Counter = Counter()
    done = 0
    while done < limit:
        rows = claim(engine, now, min(batch, limit - done))
        if not rows:
            break
        totals.update(
            o.status if o.status != St.SCHEDULED else (o.reason or "retrying") for o in Batch(engine, now, rows).run()
        )
        done += len(rows)
    return dict(totals)


class Batch:
    """One claimed batch: everything the policies need is read once, pushes run in parallel."""

    def __init__(self, engine: Engine, now: datetime, rows: list[Notification]):
        self.engine, self.now, self.rows = engine, now, rows

    def run(self) -> list[Outcome]:
        self.start()
        return self.finish()

    def start(self) -> None:
        """Decide every row, then hand the sends to the push threads (without waiting)."""
        self.captured: list = []  # dry run: (kind, path, body, retry key), matched to rows by key
        # One LINE client per shop for the batch (quota read and pushes): the token is
        # decrypted once, not per row.
        self.clients: dict[int, LineClient | Exception] = {}
        with Session(self.engine) as s:  # a plain read: decide without holding the write lock
            self._load(s)
            decided = [(row, self._decide(s, row)) for row in self.rows]
        self.outcomes = [self._settle(row, d) for row, d in decided if d.action != "send"]
        self.sends = [row for row, d in decided if d.action == "send"]
        for shop_id in {r.shop_id for r in self.sends}:
            self._client_of(shop_id)
        self.futures = self._submit() if self.sends else []

    def finish(self) -> list[Outcome]:
        """Wait for the pushes, then record every outcome of the batch in one statement."""
        pushed = {o.id: o for f in self.futures for o in f.result()}
        by_key: dict[str, list] = {}
        for kind, path, body, key in self.captured:
            by_key.setdefault(key, []).append((kind, path, body, key))
        for row in self.sends:
            outcome = pushed[row.id]
            outcome.captured = [
                LineDryRun(
                    shop_id=row.shop_id, channel_id=self.channels[row.shop_id].id, kind=k, path=p, retry_key=r, body=b
                )
                for k, p, b, r in by_key.get(str(row.id), ())
            ]
            self.outcomes.append(outcome)
        _record(self.engine, self.outcomes)
        return self.outcomes

    def _submit(self) -> list[Future]:
        """PUSH_THREADS senders, each inside one app context (settings, vault), take rows
        from a shared queue: a slow or retried push holds up one sender, not a fixed share."""
        app = current_app._get_current_object()
        todo: SimpleQueue = SimpleQueue()
        by_friend: dict[int, list[Notification]] = {}
        for row in self.sends:  # a friend's rows go in due order, by one sender
            by_friend.setdefault(row.friend_id, []).append(row)
        for rows in by_friend.values():
            todo.put(rows)

        def sender() -> list[Outcome]:
            done = []
            with app.app_context():
                while True:
                    try:
                        rows = todo.get_nowait()
                    except Empty:
                        return done
                    done += [self._send(row) for row in rows]

        threads = settings().line_push_threads
        pool = cache(PushPools).of_size(threads)
        return [pool.submit(sender) for _ in range(min(threads, len(by_friend)))]

    def _client_of(self, shop_id: int) -> LineClient | Exception:
        if shop_id not in self.clients:
            self.clients[shop_id] = self._client(shop_id)
        return self.clients[shop_id]

    def _client(self, shop_id: int) -> LineClient | Exception:
        try:
            return channels.client_for(self.channels[shop_id], shop=self.shops[shop_id], captured=self.captured)
        except Exception as exc:  # ChannelUnavailable skips the shop's rows; anything else fails them
            if not isinstance(exc, ChannelUnavailable):
                log.exception("LINE client unavailable shop=%s", shop_id)
            return exc

    def _load(self, s: Session) -> None:
        shop_ids = {r.shop_id for r in self.rows}
        friend_ids = {r.friend_id for r in self.rows if r.friend_id}
        marketing_friends = {r.friend_id for r in self.rows if r.friend_id and r.marketing}
        self.shops = {x.id: x for x in s.exec(select(Shop).where(Shop.id.in_(shop_ids)))}
        self.channels = {c.shop_id: c for c in s.exec(select(LineChannel).where(LineChannel.shop_id.in_(shop_ids)))}
        self.friends = {f.id: f for f in s.exec(select(LineFriend).where(LineFriend.id.in_(friend_ids)))}
        # Caps concern marketing only (policies.decide sends transactional rows before
        # looking at them): an all-transactional batch skips this query altogether.
        self.sent = policies.marketing_sent(session=s, shop_ids=shop_ids, friend_ids=marketing_friends, now=self.now)
        self.room: dict[int, int | None] = {}
        s.expunge_all()

    def _decide(self, s: Session, row: Notification) -> policies.Decision:
        try:
            shop = self.shops.get(row.shop_id)
            friend = self.friends.get(row.friend_id)
            sent = self.sent.setdefault(row.friend_id, policies.Sent())
            decision = policies.decide(
                row,
                shop=shop,
                channel=self.channels.get(row.shop_id),
                friend=friend,
                now=self.now,
                sent=sent,
                moot=moot.reason(session=s, row=row, shop=shop, now=self.now) if shop else None,
            )
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
            client = self._client_of(shop.id)
            self.room[shop.id] = (
                None
                if isinstance(client, Exception) or client.dry_run
                else quota.marketing_room(self.channels[shop.id], client, float(policy_settings(shop)["quota_reserve"]))
            )
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
            return Outcome(
                row.id, St.SCHEDULED, reason=decision.reason, due_at=decision.until, attempts=max(0, row.attempts - 1)
            )
        return Outcome(row.id, St.SKIPPED if decision.action == "skip" else St.CANCELLED, reason=decision.reason)

    def _send(self, row: Notification) -> Outcome:
        shop, channel = self.shops[row.shop_id], self.channels[row.shop_id]
        friend = self.friends[row.friend_id]
        client = self.clients[row.shop_id]
        if isinstance(client, ChannelUnavailable):
            return Outcome(row.id, St.SKIPPED, reason="channel_disconnected")
        if isinstance(client, Exception):
            return _failure(row, self.now, f"{type(client).__name__}: {client}", retry=True)
        try:
            messages = tracked_urls.rewrite(self.engine, row, discounts.prepare(self.engine, row, shop, self.now))
            sent = client.push(friend.line_user_id, messages, retry_key=str(row.id))
        except LineError as exc:
            return _failure(row, self.now, str(exc), retry=exc.retryable)
        except Exception as exc:  # a discount Shopify refused, a bug: recorded, retried
            log.exception("notification failed id=%s", row.id)
            return _failure(row, self.now, f"{type(exc).__name__}: {exc}", retry=True)
        if sent.outcome == "sent":  # every real push uses the month's quota; a 409 repeat does not
            quota.spent(channel, 1)
        return Outcome(row.id, St.SENT, sent_at=self.now)


def _failure(row: Notification, now: datetime, error: str, *, retry: bool) -> Outcome:
    if retry and row.attempts < MAX_ATTEMPTS:
        return Outcome(
            row.id,
            St.SCHEDULED,
            reason="retrying",
            error=error[:2000],
            due_at=now + timedelta(minutes=BACKOFF_MIN[row.attempts - 1]),
        )
    return Outcome(row.id, St.FAILED, error=error[:2000])


_RECORD = (
    update(_T)
    .where(_T.c.id == bindparam("_id"))
    .values(
        status=bindparam("_status"),
        reason=bindparam("_reason"),
        last_error=bindparam("_error"),
        due_at=func.coalesce(bindparam("_due", type_=_T.c.due_at.type), _T.c.due_at),
        sent_at=bindparam("_sent", type_=_T.c.sent_at.type),
        attempts=func.coalesce(bindparam("_attempts", type_=_T.c.attempts.type), _T.c.attempts),
        updated_at=bindparam("_updated", type_=_T.c.updated_at.type),
    )
)


def _record(engine: Engine, outcomes: list[Outcome]) -> None:
    """Write every outcome of the batch in one statement (and the dry-run captures)."""
    if not outcomes:
        return
    wall = utcnow()
    with session_scope(engine) as s:
        # Read (and lock) what each row was, so the rollups move from its real status.
        before = rollups.locked_states(session=s, where=(Notification.id.in_([o.id for o in outcomes]),))
        s.connection().execute(
            _RECORD,
            [
                {
                    "_id": o.id,
                    "_status": o.status,
                    "_reason": o.reason,
                    "_error": o.error,
                    "_due": o.due_at,
                    "_sent": o.sent_at,
                    "_attempts": o.attempts,
                    "_updated": wall,
                }
                for o in outcomes
            ],
        )
        s.add_all([c for o in outcomes for c in o.captured])
        rollups.notes_moved(
            session=s,
            changes=[
                (before[o.id], replace(before[o.id], status=o.status, sent_at=o.sent_at))
                for o in outcomes
                if o.id in before
            ],
        )
    for o in outcomes:
        if o.status == St.FAILED:
            log.warning("notification failed id=%s error=%s", o.id, o.error)
