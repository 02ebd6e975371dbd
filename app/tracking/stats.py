"""What the dashboard reads: clicks, attributed orders and revenue, blocks — pure reads,
scoped to one shop and a [since, until) window (aware datetimes).

Each query walks one existing index: link_clicks (shop_id, clicked_at), attributions
(shop_id, ordered_at), friend_blocks (shop_id, blocked_at). Flows are keyed by their
name ("abandoned_checkout", ...); a block that followed no push is keyed None.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from ..models import Attribution, FriendBlock, LinkClick, Order, Shop
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


def clicks_by_flow(session: Session, shop: Shop, since: datetime, until: datetime) -> dict[str, int]:
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


def attributed_by_flow(session: Session, shop: Shop, since: datetime, until: datetime) -> dict[str | None, Totals]:
    rows = session.exec(
        select(Attribution.flow, func.count(), func.sum(Attribution.revenue))
        .where(*_attributed(shop, since, until))
        .group_by(Attribution.flow)
    )
    return {flow: Totals(int(n), _money(total)) for flow, n, total in rows}


def attributed_by_kind(session: Session, shop: Shop, since: datetime, until: datetime) -> dict[str, Totals]:
    rows = session.exec(
        select(Attribution.kind, func.count(), func.sum(Attribution.revenue))
        .where(*_attributed(shop, since, until))
        .group_by(Attribution.kind)
    )
    return {kind: Totals(int(n), _money(total)) for kind, n, total in rows}


def recovered_checkouts(session: Session, shop: Shop, since: datetime, until: datetime) -> Totals:
    """Orders that completed a checkout or cart a reminder was sent for."""
    return attributed_by_kind(session, shop, since, until).get("recovered_checkout", Totals())


def attributed_by_day(session: Session, shop: Shop, since: datetime, until: datetime) -> dict[date, Totals]:
    """Every day of the window in the shop's time zone (zeros included), oldest first."""
    tz = _zone(shop)
    days = {d: [0, Decimal("0.00")] for d in _days(since, until, tz)}
    for when, revenue in session.exec(
        select(Attribution.ordered_at, Attribution.revenue).where(*_attributed(shop, since, until))
    ):
        day = days.setdefault(as_utc(when).astimezone(tz).date(), [0, Decimal("0.00")])
        day[0] += 1
        day[1] += _money(revenue)
    return {d: Totals(n, r) for d, (n, r) in sorted(days.items())}


def revenue_by_day(session: Session, shop: Shop, since: datetime, until: datetime) -> dict[date, Decimal]:
    return {d: t.revenue for d, t in attributed_by_day(session, shop, since, until).items()}


def blocks_by_flow(session: Session, shop: Shop, since: datetime, until: datetime) -> dict[str | None, int]:
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


def attributed_orders(
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


def _attributed(shop: Shop, since: datetime, until: datetime) -> list:
    return [Attribution.shop_id == shop.id, Attribution.ordered_at >= since, Attribution.ordered_at < until]


def _money(value) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(CENT)


def _zone(shop: Shop) -> ZoneInfo:
    try:
        return ZoneInfo(shop.timezone or "Asia/Tokyo")
    except (KeyError, ValueError):
        return ZoneInfo("Asia/Tokyo")


def _days(since: datetime, until: datetime, tz: ZoneInfo) -> list[date]:
    first, last = since.astimezone(tz).date(), (until - timedelta(microseconds=1)).astimezone(tz).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)] if last >= first else []
