"""The dashboard's figures read from the daily rollups for whole past days and from the raw
rows (app.tracking.stats) for the last, partial day only: the same answers as stats gives
over the raw rows, in the same shapes, at a few hundred rows' cost whatever the history.

A window must start at a local midnight of the shop (the dashboard's always do); one that
does not is read from the raw rows altogether.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session

from ..formatting import zone
from ..models import Notification, Shop
from ..models import NotificationStatus as St
from ..models.rollups import DailyRollup
from . import stats
from .stats import Totals

_R = DailyRollup


@dataclass(frozen=True)
class Split:
    """[since, cut) comes from the rollups (days first_day..cut_day-1), [cut, until) from raw rows."""

    since: datetime
    cut: datetime
    until: datetime
    first_day: date
    cut_day: date


def midnight(shop: Shop, day: date, tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone(shop.timezone)).astimezone(tzinfo)


def split(shop: Shop, since: datetime, until: datetime) -> Split:
    tz = zone(shop.timezone)
    first = since.astimezone(tz).date()
    last = (until - timedelta(microseconds=1)).astimezone(tz).date()
    if midnight(shop, first, since.tzinfo) != since or last < first:
        return Split(since, since, until, first, first)  # not whole days: all raw
    cut = max(since, midnight(shop, last, since.tzinfo))
    return Split(since, cut, until, first, cut.astimezone(tz).date())


# Home's messages sent are the outbox's (as the raw rows count them); campaigns' sends are
# kept apart under their campaign.
OUTBOX = (_R.campaign_id.is_(None),)


def _past(session: Session, shop: Shop, s: Split, *columns, group=(_R.flow, _R.day), where=()):
    if s.cut_day <= s.first_day:
        return []
    return session.execute(
        select(*group, *(func.sum(c) for c in columns))
        .where(_R.shop_id == shop.id, _R.day >= s.first_day, _R.day < s.cut_day, *where)
        .group_by(*group)
    ).all()


def _raw(s: Split) -> dict:
    return {"since": s.cut, "until": s.until}


def _flow(name: str) -> str | None:
    return name or None


def sent_by_flow(*, session: Session, shop: Shop, since: datetime, until: datetime) -> dict[str, dict[date, int]]:
    s = split(shop, since, until)
    found = stats.sent_by_flow(session=session, shop=shop, since=since, until=until) if s.cut == since else None
    if found is not None:
        return found
    days = stats.local_days(shop, since, until)
    found = {}
    for flow, day, n in _past(session, shop, s, _R.sent, where=OUTBOX):
        if n:
            found.setdefault(flow, dict.fromkeys(days, 0))[day] += int(n)
    for flow, by_day in stats.sent_by_flow(session=session, shop=shop, **_raw(s)).items():
        for day, n in by_day.items():
            if n:
                found.setdefault(flow, dict.fromkeys(days, 0))[day] += n
    return found


def _by_flow(session: Session, shop: Shop, s: Split, column) -> dict:
    found: dict = {}
    for flow, n in _past(session, shop, s, column, group=(_R.flow,)):
        if n:
            found[_flow(flow)] = found.get(_flow(flow), 0) + int(n)
    return found


def clicks_by_flow(*, session: Session, shop: Shop, since: datetime, until: datetime) -> dict[str, int]:
    s = split(shop, since, until)
    found = _by_flow(session, shop, s, _R.clicks)
    for flow, n in stats.clicks_by_flow(session=session, shop=shop, **_raw(s)).items():
        found[flow] = found.get(flow, 0) + n
    return found


def blocks_by_flow(*, session: Session, shop: Shop, since: datetime, until: datetime) -> dict[str | None, int]:
    s = split(shop, since, until)
    found = _by_flow(session, shop, s, _R.blocks)
    for flow, n in stats.blocks_by_flow(session=session, shop=shop, **_raw(s)).items():
        found[flow] = found.get(flow, 0) + n
    return found


def blocks_by_day(*, session: Session, shop: Shop, since: datetime, until: datetime) -> dict[date, int]:
    s = split(shop, since, until)
    found = dict.fromkeys(stats.local_days(shop, since, until), 0)
    for day, n in _past(session, shop, s, _R.blocks, group=(_R.day,)):
        found[day] += int(n or 0)
    for day, n in stats.blocks_by_day(session=session, shop=shop, **_raw(s)).items():
        found[day] += n
    return found


def follows_by_day(*, session: Session, shop: Shop, since: datetime, until: datetime) -> dict[date, int]:
    s = split(shop, since, until)
    found = dict.fromkeys(stats.local_days(shop, since, until), 0)
    for day, n in _past(session, shop, s, _R.follows, group=(_R.day,)):
        found[day] += int(n or 0)
    for day, n in stats.follows_by_day(session=session, shop=shop, **_raw(s)).items():
        found[day] += n
    return found


def attributed_by_flow(*, session: Session, shop: Shop, since: datetime, until: datetime) -> dict[str | None, Totals]:
    s = split(shop, since, until)
    found: dict[str | None, Totals] = {}
    for flow, n, revenue in _past(session, shop, s, _R.orders, _R.revenue, group=(_R.flow,)):
        if n:
            found[_flow(flow)] = _plus(found.get(_flow(flow)), int(n), revenue)
    for flow, totals in stats.attributed_by_flow(session=session, shop=shop, **_raw(s)).items():
        found[flow] = _plus(found.get(flow), totals.orders, totals.revenue)
    return found


def recovered_checkouts(*, session: Session, shop: Shop, since: datetime, until: datetime) -> Totals:
    s = split(shop, since, until)
    totals = stats.recovered_checkouts(session=session, shop=shop, **_raw(s))
    for n, revenue in _past(session, shop, s, _R.recovered, _R.recovered_revenue, group=()):
        totals = _plus(totals, int(n or 0), revenue)
    return totals


def revenue_by_day(*, session: Session, shop: Shop, since: datetime, until: datetime) -> dict[date, Decimal]:
    s = split(shop, since, until)
    found = dict.fromkeys(stats.local_days(shop, since, until), stats._money(0))
    for day, revenue in _past(session, shop, s, _R.revenue, group=(_R.day,)):
        found[day] = stats._money(found[day] + stats._money(revenue))
    for day, revenue in stats.revenue_by_day(session=session, shop=shop, **_raw(s)).items():
        found[day] = stats._money(found[day] + revenue)
    return found


def sent_between(*, session: Session, shop: Shop, since: datetime, now: datetime) -> int:
    """Messages sent from a local midnight `since` up to `now` (inclusive): the quota's month."""
    s = split(shop, since, now + timedelta(microseconds=1))
    past = _past(session, shop, s, _R.sent, group=(), where=OUTBOX)
    today = session.execute(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.shop_id == shop.id,
            Notification.status == St.SENT,
            Notification.sent_at >= s.cut,
            Notification.sent_at <= now,
        )
    ).scalar()
    return int(today or 0) + sum(int(n or 0) for (n,) in past)


def status_counts(*, session: Session, shop: Shop, since: datetime, until: datetime) -> dict[str, dict[str, int]]:
    """{flow: {status: n}} of the notifications created in [since, until)."""
    s = split(shop, since, until)
    found: dict[str, dict[str, int]] = {}
    names = ("scheduled", "sending", "sent", "skipped", "cancelled", "failed")
    columns = [getattr(_R, f"created_{name}") for name in names]
    for flow, *counts in _past(session, shop, s, *columns, group=(_R.flow,)):
        for name, n in zip(names, counts, strict=True):
            if n:
                found.setdefault(flow, {})[name] = found.get(flow, {}).get(name, 0) + int(n)
    for flow, status, n in session.execute(
        select(Notification.flow, Notification.status, func.count())
        .where(Notification.shop_id == shop.id, Notification.created_at >= s.cut, Notification.created_at < s.until)
        .group_by(Notification.flow, Notification.status)
    ):
        found.setdefault(flow, {})[status] = found.get(flow, {}).get(status, 0) + int(n)
    return found


def _plus(totals: Totals | None, n: int, revenue) -> Totals:
    base = totals or Totals()
    return Totals(base.orders + n, stats._money(base.revenue + stats._money(revenue)))
