"""Whether a due notification may go out now, checked by the worker at send time.

Transactional messages (order, shipping) go out at once; marketing obeys quiet hours,
one cap across all automations per friend, opt-outs, and the monthly quota; a notice the
shopper asked for (back in stock) obeys opt-outs and quiet hours only. Nothing
ever goes to a blocked friend, a customer no longer linked, an uninstalled shop or a
disconnected channel.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import BigInteger, cast, func, select
from sqlmodel import Session

from ..db import tuples
from ..formatting import zone
from ..models import CampaignChunk, ChunkStatus, LineChannel, LineFriend, Notification, NotificationStatus, Shop
from . import sent_chunks
from .config import policy_settings
from .registry import spec


@dataclass(frozen=True)
class Decision:
    action: str  # send | skip | cancel | delay
    reason: str | None = None
    until: datetime | None = None


SEND = Decision("send")


@dataclass
class Sent:
    """Marketing messages a friend received in the last day and the last 30 days."""

    day: int = 0
    month: int = 0


def marketing_counts(
    *, session: Session, shop_ids: Iterable[int], now: datetime, friend_ids: set[int] | None = None
) -> tuple[Counter, Counter]:
    """Marketing messages each friend received in the cap windows, as (last day, last 30
    days) counters: the flows' marketing notifications and the campaign sends, counted
    together. The one count behind the cap: the dispatcher decides a reminder with it and a
    campaign leaves capped friends out with it, so neither pushes a friend past the cap the
    other saw. `friend_ids`: only these friends (a dispatcher batch); None: every friend."""
    shop_ids = list(shop_ids)
    if friend_ids is not None and not friend_ids:
        return Counter(), Counter()
    since_day, since_month = now - timedelta(days=1), now - timedelta(days=30)
    window = (
        CampaignChunk.shop_id.in_(shop_ids),
        CampaignChunk.status == ChunkStatus.SENT,
        CampaignChunk.sent_at >= since_month,
        CampaignChunk.sent_at <= now,
    )
    chunks = select(CampaignChunk.id, CampaignChunk.retry_key, CampaignChunk.sent_at).where(*window)
    if friend_ids is None:  # every friend: each chunk's whole list, counted once per set of chunks
        day, month = sent_chunks.reached(session, session.execute(chunks).all(), since_day)
        month.update(_sent_ids(session, shop_ids, since_month, now))
        day.update(_sent_ids(session, shop_ids, since_day, now))
        return day, month
    month = Counter(_batch_counts(session, friend_ids, since_month, now))
    day = Counter(_batch_counts(session, friend_ids, since_day, now))
    # only the chunks whose id range can hold one of the friends
    rows = session.execute(chunks.where(CampaignChunk.id.in_(_chunks_around(session, window, friend_ids)))).all()
    lists = sent_chunks.friends_of(session, ((chunk_id, key) for chunk_id, key, _ in rows))
    for chunk_id, key, sent_at in rows:
        reached = friend_ids.intersection(lists[chunk_id, key])
        month.update(reached)
        if sent_at >= since_day:
            day.update(reached)
    return day, month


def _chunks_around(session: Session, window: tuple, friend_ids: set[int]) -> list[int]:
    """Chunks (of the window) whose first..last friend id spans one of `friend_ids`: a chunk's
    ids ascend, so its ends are read by the database, not its whole list by Python."""
    ids = CampaignChunk.friend_ids
    if session.get_bind().dialect.name == "sqlite":
        first, last = func.json_extract(ids, "$[0]"), func.json_extract(ids, "$[#-1]")
    else:
        first, last = cast(ids[0].as_string(), BigInteger), cast(ids[-1].as_string(), BigInteger)
    wanted = sorted(friend_ids)
    found = []
    for chunk_id, lo, hi in session.execute(select(CampaignChunk.id, first, last).where(*window)):
        at = bisect_left(wanted, int(lo)) if lo is not None else len(wanted)
        if at < len(wanted) and wanted[at] <= int(hi):
            found.append(chunk_id)
    return found


def marketing_sent(
    *, session: Session, shop_ids: Iterable[int], now: datetime, friend_ids: set[int]
) -> dict[int, Sent]:
    """The dispatcher's view of marketing_counts: a Sent per friend of its batch."""
    day, month = marketing_counts(session=session, shop_ids=shop_ids, now=now, friend_ids=friend_ids)
    return {friend: Sent(day=day[friend], month=n) for friend, n in month.items()}


def capped_friends(*, session: Session, shop: Shop, now: datetime) -> set[int]:
    """Friends of the shop at its marketing cap (per day or per 30 days) by marketing_counts:
    what a campaign leaves out."""
    rules = policy_settings(shop)
    day, month = marketing_counts(session=session, shop_ids=[shop.id], now=now)
    per_day, per_month = int(rules["cap_per_day"]), int(rules["cap_per_30_days"])
    return {f for f, n in day.items() if n >= per_day} | {f for f, n in month.items() if n >= per_month}


def _batch_counts(session: Session, friend_ids: set[int], since, now) -> dict[int, int]:
    """Marketing messages sent to each of a batch's friends in (since, now], by friend id:
    counted by the database, fetched as plain tuples (SQLAlchemy's Row objects cost as much
    again as the count)."""
    where = _sent_where(None, friend_ids, since, now)
    counted = select(Notification.friend_id, func.count()).where(*where).group_by(Notification.friend_id)
    return dict(tuples(session, counted))


def _sent_ids(session: Session, shop_ids: list[int], since, now) -> list[int]:
    """The friend of each marketing message the shops sent in (since, now], as one array
    value (Python counts them). A GROUP BY returned a row per friend (48,000 tuples for
    50,000 friends, which also set off the garbage collector) after sorting every message
    of the window on SQLite: 204,000 messages, 110 ms by GROUP BY and 57 ms by array on
    SQLite (json_group_array), 88-99 and 75-90 ms on PostgreSQL (array_agg), read in binary
    there (78 -> 59 ms). The array costs about 40 bytes a message for the moment it is counted."""
    where = _sent_where(shop_ids, None, since, now)
    if session.get_bind().dialect.name == "sqlite":
        return json.loads(tuples(session, select(func.json_group_array(Notification.friend_id)).where(*where))[0][0])
    return tuples(session, select(func.array_agg(Notification.friend_id)).where(*where), binary=True)[0][0] or []


def _sent_where(shop_ids, friend_ids, since, now) -> list:
    """Marketing messages sent to the friends (or every friend of the shops) in (since, now].
    One count per window: a CASE for the day inside the 30 days' count made SQLite's count
    a third slower."""
    # Only sent rows have a sent_at. A status condition here would lead SQLite to walk
    # every sent message by (status, due_at) instead of the friend's index.
    where = [
        Notification.marketing.is_(True),
        Notification.sent_at >= since,
        Notification.sent_at <= now,
        Notification.friend_id.in_(friend_ids) if friend_ids is not None else Notification.shop_id.in_(shop_ids),
    ]
    if friend_ids is None:
        # Every friend of the shop (a campaign's forecast and plan): here the status is what
        # lets the (shop, marketing, status, sent_at, friend_id) index cover the count, 1.0 s
        # -> 0.12 s for 200,000 marketing messages in 30 days (same rows: only sent has sent_at).
        where += [Notification.friend_id.is_not(None), Notification.status == NotificationStatus.SENT]
    return where


def _clock(value: str) -> time:
    hours, minutes = str(value).split(":")
    return time(int(hours), int(minutes))


def quiet_until(shop: Shop, now: datetime) -> datetime | None:
    """The end of the quiet hours `now` falls in (shop's local time), or None."""
    rules = policy_settings(shop)
    start, end = _clock(rules["quiet_start"]), _clock(rules["quiet_end"])
    if start == end:
        return None
    tz = zone(shop.timezone)
    local = now.astimezone(tz)
    current = local.time()
    overnight = start > end
    inside = (start <= current or current < end) if overnight else (start <= current < end)
    if not inside:
        return None
    day = local.date() + (timedelta(days=1) if overnight and current >= start else timedelta())
    # Built from the wall-clock time in the zone, so a DST change that night is respected.
    return datetime.combine(day, end, tzinfo=tz).astimezone(now.tzinfo)


def decide(
    row: Notification,
    *,
    shop: Shop | None,
    channel: LineChannel | None,
    friend: LineFriend | None,
    now: datetime,
    sent: Sent,
    moot: str | None = None,
) -> Decision:
    if shop is None or not shop.is_installed:
        return Decision("cancel", "app_uninstalled")
    if moot:
        return Decision("cancel", moot)
    if channel is None or channel.disconnected_at is not None or not channel.connected_at:
        return Decision("skip", "channel_disconnected")
    if friend is None or friend.is_blocked:
        return Decision("skip", "blocked")
    if row.customer_id is not None and friend.customer_id != row.customer_id:
        return Decision("skip", "unlinked")
    if not row.marketing and not spec(row.flow).considerate:
        return SEND
    if friend.marketing_opt_out_at is not None:
        return Decision("skip", "opted_out")
    until = quiet_until(shop, now)
    if until is not None:
        return Decision("delay", "quiet_hours", until)
    if not row.marketing:  # asked for by the shopper (back in stock): no caps
        return SEND
    rules = policy_settings(shop)
    capped = _cap_reached(sent, rules)
    wait = _wait_until(row)
    if capped and wait is not None:  # waits for the next day's slot up to its limit (sequence steps)
        tomorrow = now + timedelta(days=1)
        return Decision("delay", capped, tomorrow) if tomorrow <= wait else Decision("skip", capped)
    if sent.day >= int(rules["cap_per_day"]):
        if spec(row.flow).delayable:  # may wait for tomorrow instead of being skipped
            return Decision("delay", "cap_per_day", now + timedelta(days=1))
        return Decision("skip", "cap_per_day")
    if sent.month >= int(rules["cap_per_30_days"]):
        return Decision("skip", "cap_per_30_days")
    return SEND


def _cap_reached(sent: Sent, rules: dict) -> str | None:
    if sent.day >= int(rules["cap_per_day"]):
        return "cap_per_day"
    if sent.month >= int(rules["cap_per_30_days"]):
        return "cap_per_30_days"
    return None


def _wait_until(row: Notification) -> datetime | None:
    """How long a capped message may wait (`context["wait_until"]`, ISO), if its sender says."""
    value = (row.context or {}).get("wait_until")
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
