"""Whether a due notification may go out now, checked by the worker at send time.

Transactional messages (order, shipping) go out at once; marketing obeys quiet hours,
one cap across all automations per friend, opt-outs, and the monthly quota; a notice the
shopper asked for (back in stock) obeys opt-outs and quiet hours only. Nothing
ever goes to a blocked friend, a customer no longer linked, an uninstalled shop or a
disconnected channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from ..formatting import zone
from ..models import LineChannel, LineFriend, Notification, Shop
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
    if sent.day >= int(rules["cap_per_day"]):
        if spec(row.flow).delayable:  # may wait for tomorrow instead of being skipped
            return Decision("delay", "cap_per_day", now + timedelta(days=1))
        return Decision("skip", "cap_per_day")
    if sent.month >= int(rules["cap_per_30_days"]):
        return Decision("skip", "cap_per_30_days")
    return SEND
