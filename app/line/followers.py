"""Importing the followers the LINE Official Account already has, not only those who wrote
to us: `GET /v2/bot/followers/ids` page by page (1,000 a page, LINE's `next` token between
pages), then each new friend's profile.

Resumable by construction: each page's friends and LINE's token for the following page are
committed in one transaction, so after a crash, a restart or a failure the import goes on
from the page after the last stored one and never fetches a stored page again. A worker
holds an import by a lease (`claimed_until`); when its worker dies, another takes over once
the lease has passed. No HTTP call runs while a write transaction is open: each page or
batch of profiles is fetched first, then stored.

Imported friends are never greeted (nothing is sent to them), friends we already knew are
left exactly as they are, and a profile fills only what is still empty. LINE gives follower
ids to verified and premium accounts only: a 403 ends the import as `unavailable`, which the
admin explains.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ..db import insert_ignoring_conflict, session_scope
from ..models import FollowerImport, ImportedFollower, LineFriend, Shop
from ..models import FollowerImportStatus as St
from ..timeutil import utcnow
from . import channels
from .client import FOLLOWERS_MAX, LineClient, LineError

log = logging.getLogger("tsunagu.line.followers")

LEASE = timedelta(minutes=2)
BUDGET_S = 20.0  # per import per worker run; the rest waits for the next run
PROFILE_BATCH = 100
BACKOFF_MIN = (1, 5, 15, 60)  # minutes before runs 2..5 after failures; then it stays failed
FRIENDS = LineFriend.__table__


class NotConnected(RuntimeError):
    """The shop has no connected LINE channel to import from."""


@dataclass(frozen=True)
class Step:
    """What one run may do: stop after `max_pages` pages (tests), within `budget_s`."""

    budget_s: float = BUDGET_S
    max_pages: int | None = None
    page_size: int = FOLLOWERS_MAX


def current(*, session: Session, shop: Shop) -> FollowerImport | None:
    return session.exec(select(FollowerImport).where(FollowerImport.shop_id == shop.id)).first()


def start_import(*, session: Session, shop: Shop, now: datetime | None = None) -> FollowerImport:
    """Start (or resume) the shop's import; the worker does the work. An import under way is
    the answer as it is; a failed one resumes where it stopped; a finished one starts over."""
    channel = channels.for_shop(session=session, shop=shop)
    if channel is None or channel.disconnected_at is not None or not channel.access_token_enc:
        raise NotConnected(f"shop {shop.id} has no connected LINE channel")
    now = now or utcnow()
    row = current(session=session, shop=shop)
    if row is None:
        row = FollowerImport(shop_id=shop.id, started_at=now)
    elif row.status in St.ACTIVE:
        return row
    elif row.status == St.FAILED:
        all_read = row.pages > 0 and row.next_start is None
        row.status = St.PROFILES if all_read else St.RUNNING
    else:  # completed or unavailable: a fresh pass over every follower
        row.status, row.next_start, row.started_at = St.RUNNING, None, now
        row.pages = row.seen = row.new = row.profiles = row.failed = 0
    row.attempts, row.error, row.retry_at, row.finished_at, row.claimed_until = 0, None, None, None, None
    session.add(row)
    session.flush()
    return row


def advance_imports(*, engine: Engine, now: datetime, step: Step | None = None) -> dict[str, int]:
    """Worker job: move every due import along (each one isolated from the others)."""
    with Session(engine) as s:
        due = list(
            s.exec(
                select(FollowerImport.id).where(
                    FollowerImport.status.in_(St.ACTIVE),
                    or_(FollowerImport.retry_at.is_(None), FollowerImport.retry_at <= now),
                    or_(FollowerImport.claimed_until.is_(None), FollowerImport.claimed_until < now),
                )
            )
        )
    outcome: dict[str, int] = {}
    for import_id in due:
        if not _claim(engine, import_id, now):
            continue  # another worker took it
        try:
            status = advance_import(engine=engine, import_id=import_id, now=now, step=step or Step())
        except Exception as exc:  # one shop's failure never stops the others
            log.exception("follower import failed import=%s", import_id)
            status = _failed(engine, import_id, now, exc)
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


def _claim(engine: Engine, import_id: int, now: datetime) -> bool:
    with session_scope(engine) as s:
        claimed = s.execute(
            update(FollowerImport)
            .where(
                FollowerImport.id == import_id,
                FollowerImport.status.in_(St.ACTIVE),
                or_(FollowerImport.claimed_until.is_(None), FollowerImport.claimed_until < now),
            )
            .values(claimed_until=now + LEASE)
        )
        return claimed.rowcount == 1


def advance_import(*, engine: Engine, import_id: int, now: datetime, step: Step) -> str:
    """Read pages, then profiles, until done or out of budget; the import's status after."""
    started = time.monotonic()
    with session_scope(engine) as s:
        row = s.get(FollowerImport, import_id)
        shop = s.get(Shop, row.shop_id)
        channel = channels.for_shop(session=s, shop=shop)
        if channel is None or channel.disconnected_at is not None:
            raise NotConnected("LINE is not connected")
        client = channels.client_for(channel, shop=shop)
        channel_id, status, start = channel.id, row.status, row.next_start
    pages = 0
    while status == St.RUNNING and time.monotonic() - started < step.budget_s:
        if step.max_pages is not None and pages >= step.max_pages:
            break
        try:
            user_ids, following = client.follower_ids(start=start, limit=step.page_size)
        except LineError as exc:
            if exc.status == 403:
                return _unavailable(engine, import_id, exc)
            raise
        status = _store_page(engine, import_id, channel_id, user_ids, following, _later(now, started))
        start, pages = following, pages + 1
    while status == St.PROFILES and time.monotonic() - started < step.budget_s:
        status = _profiles(engine, import_id, client, _later(now, started))
    with session_scope(engine) as s:
        s.get(FollowerImport, import_id).claimed_until = None
    return status


def _later(now: datetime, started: float) -> datetime:
    """`now` moved on by the time this run has taken (the lease is renewed from it)."""
    return now + timedelta(seconds=time.monotonic() - started)


def _store_page(
    engine: Engine, import_id: int, channel_id: int, user_ids: list[str], following: str | None, now: datetime
) -> str:
    """One page in one transaction: the friends it adds, the counts, and the next token."""
    with session_scope(engine) as s:
        row = s.get(FollowerImport, import_id)
        insert = insert_ignoring_conflict(s.get_bind().dialect.name, FRIENDS, ("shop_id", "line_user_id"))
        known = set(
            s.exec(
                select(LineFriend.line_user_id).where(
                    LineFriend.shop_id == row.shop_id, LineFriend.line_user_id.in_(user_ids)
                )
            )
        )
        created = 0
        for user_id in dict.fromkeys(user_ids):
            if user_id in known:
                continue  # a friend we knew: left exactly as it is
            values = {"shop_id": row.shop_id, "channel_id": channel_id, "line_user_id": user_id}
            friend_id = s.execute(insert, values).scalar()
            if friend_id is None:
                continue  # their follow event created them a moment ago
            s.add(ImportedFollower(shop_id=row.shop_id, import_id=import_id, friend_id=friend_id, imported_at=now))
            created += 1
        row.pages += 1
        row.seen += len(user_ids)
        row.new += created
        row.next_start = following
        row.attempts, row.error, row.retry_at = 0, None, None
        row.claimed_until = now + LEASE
        if following is None:
            row.status = St.PROFILES
        return row.status


def _profiles(engine: Engine, import_id: int, client: LineClient, now: datetime) -> str:
    """Fetch one batch of the new friends' profiles, then store what came back."""
    with Session(engine) as s:
        batch = list(
            s.exec(
                select(ImportedFollower.id, LineFriend.line_user_id)
                .join(LineFriend, LineFriend.id == ImportedFollower.friend_id)
                .where(ImportedFollower.import_id == import_id, ImportedFollower.profile_status == "pending")
                .order_by(ImportedFollower.id)
                .limit(PROFILE_BATCH)
            )
        )
    results: dict[int, dict | None | str] = {}
    for entry_id, user_id in batch:
        try:
            results[entry_id] = client.profile(user_id)
        except LineError as exc:
            if exc.retryable:
                if results:
                    break  # store what came back; the rest waits for the backoff
                raise
            results[entry_id] = "failed"
    with session_scope(engine) as s:
        row = s.get(FollowerImport, import_id)
        for entry_id, profile in results.items():
            _apply_profile(s, s.get(ImportedFollower, entry_id), profile, now)
        row.profiles += sum(1 for p in results.values() if p != "failed")
        row.failed += sum(1 for p in results.values() if p == "failed")
        row.claimed_until = now + LEASE
        if not batch:
            row.status, row.finished_at, row.claimed_until = St.COMPLETED, now, None
            log.info("follower import done shop=%s seen=%s new=%s", row.shop_id, row.seen, row.new)
        return row.status


def _apply_profile(session: Session, entry: ImportedFollower, profile: dict | None | str, now: datetime) -> None:
    """Fill what the friend's row still lacks (their own events may have filled it since)."""
    entry.profile_at = now
    if profile == "failed":
        entry.profile_status = "failed"
        return
    if profile is None:  # LINE has no profile for them (they left, or restrict it)
        entry.profile_status = "missing"
        return
    entry.profile_status = "fetched"
    friend = session.get(LineFriend, entry.friend_id)
    friend.display_name = friend.display_name or (profile.get("displayName") or "")[:255] or None
    friend.picture_url = friend.picture_url or profile.get("pictureUrl")
    friend.language = friend.language or (profile.get("language") or "")[:16] or None


def _unavailable(engine: Engine, import_id: int, exc: LineError) -> str:
    with session_scope(engine) as s:
        row = s.get(FollowerImport, import_id)
        row.status, row.error, row.finished_at, row.claimed_until = St.UNAVAILABLE, str(exc)[:1000], utcnow(), None
    log.info("follower import unavailable shop=%s: %s", row.shop_id, exc)
    return St.UNAVAILABLE


def _failed(engine: Engine, import_id: int, now: datetime, exc: Exception) -> str:
    """A failed run: retried after a backoff when LINE may recover, else failed for good
    (starting the import again resumes it from the stored token)."""
    retryable = isinstance(exc, LineError) and exc.retryable
    with session_scope(engine) as s:
        row = s.get(FollowerImport, import_id)
        row.attempts += 1
        row.error = f"{type(exc).__name__}: {exc}"[:1000]
        row.claimed_until = None
        if retryable and row.attempts <= len(BACKOFF_MIN):
            row.retry_at = now + timedelta(minutes=BACKOFF_MIN[row.attempts - 1])
        else:
            row.status, row.finished_at = St.FAILED, now
        return row.status
