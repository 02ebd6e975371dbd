"""Whether a due notification may go out now, checked by the worker at send time.

Transactional messages (order, shipping) go out at once; marketing obeys quiet hours,
one cap across all automations per friend, opt-outs, and the monthly quota. Nothing
ever goes to a blocked friend, a customer no longer linked, an uninstalled shop or a
disconnected channel.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlmodel import Session

from ..formatting import zone
from ..models import CampaignChunk, ChunkStatus, LineChannel, LineFriend, Notification, Shop
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


def marketing_sent(
    *, session: Session, shop_ids: Iterable[int], now: datetime, friend_ids: set[int] | None = None
) -> dict[int, Sent]:
    """Marketing messages each friend received in the cap windows (the last day, the last 30
    days): the flows' marketing notifications and the campaign sends, counted together. The
    one count behind the cap: the dispatcher decides a reminder with it, a campaign leaves
    capped friends out with it, so neither can push a friend past the cap the other saw.
    `friend_ids`: only these friends (the dispatcher's batch); None: every friend of the shops.
    """
    shop_ids = list(shop_ids)
    if friend_ids is not None and not friend_ids:
        return {}
    since_day, since_month = now - timedelta(days=1), now - timedelta(days=30)
    sent: dict[int, Sent] = {}
    for friend, in_month, in_day in session.execute(_notifications(shop_ids, friend_ids, since_day, since_month, now)):
        sent[friend] = Sent(day=int(in_day or 0), month=int(in_month))
    chunks = select(CampaignChunk.friend_ids, CampaignChunk.sent_at).where(
        CampaignChunk.shop_id.in_(shop_ids),
        CampaignChunk.status == ChunkStatus.SENT,
        CampaignChunk.sent_at >= since_month,
        CampaignChunk.sent_at <= now,
    )
    for ids, sent_at in session.execute(chunks):
        for friend in ids if friend_ids is None else friend_ids.intersection(ids):
            counted = sent.setdefault(friend, Sent())
            counted.month += 1
            counted.day += int(sent_at >= since_day)
    return sent


def _notifications(shop_ids, friend_ids, since_day, since_month, now):
    # Only sent rows have a sent_at. A status condition here would lead SQLite to walk
    # every sent message by (status, due_at) instead of the friend's index.
    where = [
        Notification.marketing.is_(True),
        Notification.sent_at >= since_month,
        Notification.sent_at <= now,
        Notification.friend_id.in_(friend_ids) if friend_ids is not None else Notification.shop_id.in_(shop_ids),
    ]
    if friend_ids is None:
        where.append(Notification.friend_id.is_not(None))
    return (
        select(Notification.friend_id, func.count(), func.sum(case((Notification.sent_at >= since_day, 1), else_=0)))
        .where(*where)
        .group_by(Notification.friend_id)
    )


def at_cap(shop: Shop, sent: Sent) -> bool:
    """Has a friend with this count reached the shop's cap (per day or per 30 days)?"""
    rules = policy_settings(shop)
    return sent.day >= int(rules["cap_per_day"]) or sent.month >= int(rules["cap_per_30_days"])


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
    if not row.marketing:
        return SEND
    if friend.marketing_opt_out_at is not None:
        return Decision("skip", "opted_out")
    until = quiet_until(shop, now)
    if until is not None:
        return Decision("delay", "quiet_hours", until)
    rules = policy_settings(shop)
    if sent.day >= int(rules["cap_per_day"]):
        if spec(row.flow).delayable:  # may wait for tomorrow instead of being skipped
            return Decision("delay", "cap_per_day", now + timedelta(days=1))
        return Decision("skip", "cap_per_day")
    if sent.month >= int(rules["cap_per_30_days"]):
        return Decision("skip", "cap_per_30_days")
    return SEND
