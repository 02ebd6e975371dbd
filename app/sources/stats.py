"""What each source brought over a period: visits, new friends, blocks, linked friends,
orders and revenue credited to LINE (the attribution table) from its friends, and the cost
per new friend; and new friends per local day per source for the chart.

Every figure is one grouped statement over the shop's sources (never a loop per source or
per friend): visits and new friends from the daily rollup (friend_source_days, kept with
the visits), blocks from the shop's (shop, time) index, orders from the period's
attributions. Periods are whole local days of the shop, as the rollup counts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, func
from sqlmodel import Session, select

from ..models import Attribution, Customer, FriendBlock, FriendSource, FriendSourceDay, LineFriend, Order, Shop
from ..tracking.stats import local_days


@dataclass
class SourceFigures:
    source_id: int
    visits: int = 0
    new_friends: int = 0
    blocks: int = 0
    linked: int = 0
    orders: int = 0
    revenue: Decimal = Decimal("0")
    cost_yen: int | None = None

    @property
    def cost_per_friend(self) -> Decimal | None:
        if self.cost_yen is None or not self.new_friends:
            return None
        return (Decimal(self.cost_yen) / self.new_friends).quantize(Decimal("1"))

    def as_json(self) -> dict:
        return {
            "source_id": self.source_id,
            "visits": self.visits,
            "new_friends": self.new_friends,
            "blocks": self.blocks,
            "linked": self.linked,
            "orders": self.orders,
            "revenue": str(self.revenue),
            "cost_yen": self.cost_yen,
            "cost_per_friend": str(self.cost_per_friend) if self.cost_per_friend is not None else None,
        }


def _grouped(session: Session, statement) -> dict[int, tuple]:
    return {row[0]: tuple(row[1:]) for row in session.exec(statement)}


def figures(
    *, session: Session, shop: Shop, sources: list[FriendSource], since: datetime, until: datetime
) -> dict[int, SourceFigures]:
    ids = [s.id for s in sources]
    out = {s.id: SourceFigures(source_id=s.id, cost_yen=s.cost_yen) for s in sources}
    if not ids:
        return out
    days = local_days(shop, since, until)
    counted = (
        _grouped(
            session,
            select(FriendSourceDay.source_id, func.sum(FriendSourceDay.visits), func.sum(FriendSourceDay.new_friends))
            .where(FriendSourceDay.source_id.in_(ids), FriendSourceDay.day >= days[0], FriendSourceDay.day <= days[-1])
            .group_by(FriendSourceDay.source_id),
        )
        if days
        else {}
    )
    friend = LineFriend
    of_sources = and_(friend.shop_id == shop.id, friend.source_id.in_(ids))
    blocks = _grouped(
        session,
        select(friend.source_id, func.count())
        .join(FriendBlock, FriendBlock.friend_id == friend.id)
        .where(
            of_sources, FriendBlock.shop_id == shop.id, FriendBlock.blocked_at >= since, FriendBlock.blocked_at < until
        )
        .group_by(friend.source_id),
    )
    linked = _grouped(
        session,
        select(friend.source_id, func.count())
        .where(of_sources, friend.customer_id.is_not(None), friend.linked_at >= since, friend.linked_at < until)
        .group_by(friend.source_id),
    )
    # From the period's attributions (their (shop, ordered_at) index) to the order, its
    # customer and the friend linked to them: the few credited orders, never every friend.
    orders = _grouped(
        session,
        select(friend.source_id, func.count(), func.coalesce(func.sum(Attribution.revenue), 0))
        .select_from(Attribution)
        .join(Order, Order.id == Attribution.order_id)
        .join(Customer, and_(Customer.shop_id == shop.id, Customer.shopify_id == Order.customer_shopify_id))
        .join(friend, and_(friend.shop_id == shop.id, friend.customer_id == Customer.id))
        .where(
            Attribution.shop_id == shop.id,
            Attribution.ordered_at >= since,
            Attribution.ordered_at < until,
            friend.source_id.in_(ids),
        )
        .group_by(friend.source_id),
    )
    for source_id, f in out.items():
        visits, brought = counted.get(source_id, (0, 0))
        f.visits, f.new_friends = int(visits or 0), int(brought or 0)
        f.blocks = int(blocks.get(source_id, (0,))[0])
        f.linked = int(linked.get(source_id, (0,))[0])
        count, revenue = orders.get(source_id, (0, 0))
        f.orders, f.revenue = int(count), Decimal(str(revenue or 0)).quantize(Decimal("0.01"))
    return out


def new_friends_by_day(
    *, session: Session, shop: Shop, sources: list[FriendSource], since: datetime, until: datetime
) -> tuple[list[date], dict[int, list[int]]]:
    """The local days of the period, and per source its new friends on each of them."""
    days = local_days(shop, since, until)
    ids = [s.id for s in sources]
    found: dict[tuple[int, date], int] = {}
    if ids and days:
        rows = session.exec(
            select(FriendSourceDay.source_id, FriendSourceDay.day, FriendSourceDay.new_friends).where(
                FriendSourceDay.source_id.in_(ids), FriendSourceDay.day >= days[0], FriendSourceDay.day <= days[-1]
            )
        )
        found = {(source_id, day): n for source_id, day, n in rows}
    return days, {s.id: [int(found.get((s.id, d), 0)) for d in days] for s in sources}
