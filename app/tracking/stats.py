"""The figures the admin shows, one function per figure: messages sent, follows, blocks,
clicks, attributed orders and revenue. Pure reads, scoped to one shop and a [since, until)
window (aware datetimes); Home's dashboard and any other page ask here, so two pages never
count the same thing two ways.

Each query walks one existing index: notifications (shop_id, status, sent_at), line_friends
(shop_id, followed_at), link_clicks (shop_id, clicked_at), attributions (shop_id,
ordered_at), friend_blocks (shop_id, blocked_at). Flows are keyed by their name
("abandoned_checkout", ...); a block or an order that followed no push is keyed None.

Days are the shop's local days, bucketed in the database: PostgreSQL converts to the shop's
zone exactly (`timezone(tz, ts)`); elsewhere (SQLite) a CASE over the day boundaries,
computed here in the shop's zone, numbers the days (DST-correct, no time-zone support
needed in SQL). Every day of the window is in the answer, zeros included, oldest first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import case, func, literal, literal_column
from sqlmodel import Session, select

from ..formatting import zone
from ..models import (
    Attribution,
    FriendBlock,
    LineFriend,
    LinkClick,
    Notification,
    NotificationStatus,
    Order,
    Shop,
)
from ..timeutil import as_utc

MAX_LIMIT = 100
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Totals:
    orders: int = 0
    revenue: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class AttributedOrder:
    id: int  # the attribution's id (the keyset cursor with ordered_at)
    order_id: int
    order_name: str
    ordered_at: datetime
    revenue: Decimal
    currency: str
    kind: str
    flow: str | None
    notification_id: uuid.UUID | None


# -- per flow ------------------------------------------------------------------------------


def sent_by_flow(*, session: Session, shop: Shop, since: datetime, until: datetime) -> dict[str, dict[date, int]]:
    """Messages sent (what LINE delivered, by sent_at) per flow and local day."""
    rows = _per_day(
        session=session,
        shop=shop,
        since=since,
        until=until,
        column=Notification.sent_at,
        groups=(Notification.flow,),
        value=func.count(),
        where=(Notification.shop_id == shop.id, Notification.status == NotificationStatus.SENT),
    )
    days = local_days(shop, since, until)
    found: dict[str, dict[date, int]] = {}
    for (flow, day), n in rows.items():
        found.setdefault(flow, dict.fromkeys(days, 0))[day] += int(n)
    return found


def clicks_by_flow(*, session: Session, shop: Shop, since: datetime, until: datetime) -> dict[str, int]:
    rows = session.exec(
        select(LinkClick.flow, func.count())
        .where(
            LinkClick.shop_id == shop.id,
            LinkClick.clicked_at >= since,
            LinkClick.clicked_at < until,
        )
        .group_by(LinkClick.flow)
    )
    return {flow: int(n) for flow, n in rows}


def blocks_by_flow(*, session: Session, shop: Shop, since: datetime, until: datetime) -> dict[str | None, int]:
    """Blocks charged to the push in the 24 hours before them (None: no push)."""
    rows = session.exec(
        select(FriendBlock.flow, func.count())
        .where(
            FriendBlock.shop_id == shop.id,
            FriendBlock.blocked_at >= since,
            FriendBlock.blocked_at < until,
        )
        .group_by(FriendBlock.flow)
    )
    return {flow: int(n) for flow, n in rows}


def attributed_by_flow(*, session: Session, shop: Shop, since: datetime, until: datetime) -> dict[str | None, Totals]:
    rows = session.exec(
        select(Attribution.flow, func.count(), func.sum(Attribution.revenue))
        .where(*_attributed(shop, since, until))
        .group_by(Attribution.flow)
    )
    return {flow: Totals(int(n), _money(total)) for flow, n, total in rows}


def attributed_by_kind(*, session: Session, shop: Shop, since: datetime, until: datetime) -> dict[str, Totals]:
    rows = session.exec(
        select(Attribution.kind, func.count(), func.sum(Attribution.revenue))
        .where(*_attributed(shop, since, until))
        .group_by(Attribution.kind)
    )
    return {kind: Totals(int(n), _money(total)) for kind, n, total in rows}


def recovered_checkouts(*, session: Session, shop: Shop, since: datetime, until: datetime) -> Totals:
    """Orders that completed a checkout or cart a reminder was sent for."""
    found = attributed_by_kind(session=session, shop=shop, since=since, until=until)
    return found.get("recovered_checkout", Totals())


# -- per local day ----------------------------------------------------------------------------


def follows_by_day(*, session: Session, shop: Shop, since: datetime, until: datetime) -> dict[date, int]:
    rows = _per_day(
        session=session,
        shop=shop,
        since=since,
        until=until,
        column=LineFriend.followed_at,
        value=func.count(),
        where=(LineFriend.shop_id == shop.id,),
    )
    return {day: int(rows.get((day,), 0)) for day in local_days(shop, since, until)}


def blocks_by_day(*, session: Session, shop: Shop, since: datetime, until: datetime) -> dict[date, int]:
    rows = _per_day(
        session=session,
        shop=shop,
        since=since,
        until=until,
        column=FriendBlock.blocked_at,
        value=func.count(),
        where=(FriendBlock.shop_id == shop.id,),
    )
    return {day: int(rows.get((day,), 0)) for day in local_days(shop, since, until)}


def attributed_by_day(*, session: Session, shop: Shop, since: datetime, until: datetime) -> dict[date, Totals]:
    where = (Attribution.shop_id == shop.id,)
    count = _per_day(
        session=session,
        shop=shop,
        since=since,
        until=until,
        column=Attribution.ordered_at,
        value=func.count(),
        where=where,
    )
    money = _per_day(
        session=session,
        shop=shop,
        since=since,
        until=until,
        column=Attribution.ordered_at,
        value=func.sum(Attribution.revenue),
        where=where,
    )
    return {day: Totals(int(count.get((day,), 0)), _money(money.get((day,)))) for day in local_days(shop, since, until)}


def revenue_by_day(*, session: Session, shop: Shop, since: datetime, until: datetime) -> dict[date, Decimal]:
    found = attributed_by_day(session=session, shop=shop, since=since, until=until)
    return {day: totals.revenue for day, totals in found.items()}


# -- one order at a time ----------------------------------------------------------------------


def attributed_orders(
    *,
    session: Session,
    shop: Shop,
    since: datetime,
    until: datetime,
    limit: int = 20,
    before: tuple[datetime, int] | None = None,
) -> list[AttributedOrder]:
    """Newest first. Next page: before=(last.ordered_at, last.id)."""
    where = _attributed(shop, since, until)
    if before is not None:
        at, last_id = before
        where.append((Attribution.ordered_at < at) | ((Attribution.ordered_at == at) & (Attribution.id < last_id)))
    rows = session.exec(
        select(Attribution, Order.name)
        .join(Order, Order.id == Attribution.order_id)
        .where(*where)
        .order_by(Attribution.ordered_at.desc(), Attribution.id.desc())
        .limit(max(1, min(limit, MAX_LIMIT)))
    )
    return [
        AttributedOrder(
            a.id,
            a.order_id,
            name,
            as_utc(a.ordered_at),
            _money(a.revenue),
            a.currency,
            a.kind,
            a.flow,
            a.notification_id,
        )
        for a, name in rows
    ]


# -- local days in SQL ------------------------------------------------------------------------


def local_days(shop: Shop, since: datetime, until: datetime) -> list[date]:
    """The shop's local days that [since, until) touches, oldest first."""
    tz = zone(shop.timezone)
    first, last = since.astimezone(tz).date(), (until - timedelta(microseconds=1)).astimezone(tz).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)] if last >= first else []


def _day_ends(shop: Shop, since: datetime, until: datetime) -> list[datetime]:
    """Where each local day of the window ends (the last one at `until`)."""
    tz = zone(shop.timezone)
    ends = [datetime.combine(d + timedelta(days=1), time(0), tzinfo=tz) for d in local_days(shop, since, until)]
    return [min(end, until) for end in ends]


def _day_key(*, session: Session, shop: Shop, since: datetime, until: datetime, column):
    """An SQL expression naming the local day of `column`: 'YYYY-MM-DD' or its index."""
    if session.get_bind().dialect.name == "postgresql":
        # Inlined (a zoneinfo key, quoted), so GROUP BY repeats the select's expression exactly.
        tz = literal_column("'" + zone(shop.timezone).key.replace("'", "''") + "'")
        return func.to_char(func.timezone(tz, column), literal_column("'YYYY-MM-DD'"))
    return case(*[(column < end, literal(i)) for i, end in enumerate(_day_ends(shop, since, until))], else_=literal(-1))


def _per_day(
    *, session: Session, shop: Shop, since: datetime, until: datetime, column, groups: tuple = (), value, where
) -> dict:
    """{(*groups, day): value} for rows whose `column` is in [since, until)."""
    days = local_days(shop, since, until)
    day = _day_key(session=session, shop=shop, since=since, until=until, column=column)
    out: dict = {}
    statement = select(*groups, day, value).where(*where, column >= since, column < until).group_by(*groups, day)
    for *keys, key, amount in session.exec(statement):
        found = _as_day(days, key)
        if found is not None:
            out[(*keys, found)] = out.get((*keys, found), 0) + (amount or 0)
    return out


def _as_day(days: list[date], key) -> date | None:
    if isinstance(key, str):
        try:
            found = date.fromisoformat(key)
        except ValueError:
            return None
        return found if found in days else None
    return days[key] if key is not None and 0 <= key < len(days) else None


def _attributed(shop: Shop, since: datetime, until: datetime) -> list:
    return [Attribution.shop_id == shop.id, Attribution.ordered_at >= since, Attribution.ordered_at < until]


def _money(value) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(CENT)
