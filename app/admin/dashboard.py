"""The Home dashboard's figures for a period (7, 30 or 90 days), read from the tables the
flows and the tracker fill. Every query is scoped to the shop and ranges over an indexed
timestamp; days are the shop's local days.

Days are bucketed in the database: PostgreSQL converts to the shop's zone exactly
(`timezone(tz, ts)`); elsewhere (SQLite) a CASE over the day boundaries, computed here in
the shop's zone, numbers the days (DST-correct, no time-zone support needed in SQL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import case, func, literal, literal_column
from sqlmodel import Session, select

from ..flows.config import DEFAULTS
from ..formatting import zone
from ..models import (
    Attribution,
    Customer,
    FriendBlock,
    LineFriend,
    LinkClick,
    Notification,
    NotificationStatus,
    Shop,
)

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
FLOWS = tuple(DEFAULTS)


def parse_period(value) -> int | None:
    """7, 30 or 90 from a query string; None when it is anything else."""
    if value in (None, ""):
        return DEFAULT_PERIOD
    try:
        days = int(str(value))
    except ValueError:
        return None
    return days if days in PERIODS else None


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC, covering `days` whole local days ending today (inclusive)."""

    start: datetime
    end: datetime
    days: list[date]
    bounds: list[datetime]  # UTC start of each local day, plus the end of the last
    tz: str


def window(shop: Shop, days: int, now: datetime) -> Window:
    tz = zone(shop.timezone)
    today = now.astimezone(tz).date()
    local_days = [today - timedelta(days=days - 1 - i) for i in range(days)]
    bounds = [datetime.combine(d, time(0), tzinfo=tz).astimezone(now.tzinfo) for d in local_days]
    bounds.append(datetime.combine(today + timedelta(days=1), time(0), tzinfo=tz).astimezone(now.tzinfo))
    return Window(start=bounds[0], end=bounds[-1], days=local_days, bounds=bounds, tz=tz.key)


def _day_key(session: Session, column, w: Window):
    """An SQL expression naming the local day of `column`: 'YYYY-MM-DD' or its index."""
    if session.get_bind().dialect.name == "postgresql":
        # Inlined (a zoneinfo key, quoted), so GROUP BY repeats the select's expression exactly.
        tz = literal_column("'" + w.tz.replace("'", "''") + "'")
        return func.to_char(func.timezone(tz, column), literal_column("'YYYY-MM-DD'"))
    return case(*[(column < b, literal(i)) for i, b in enumerate(w.bounds[1:])], else_=literal(-1))


def _day_index(w: Window, key) -> int | None:
    if isinstance(key, str):
        try:
            return w.days.index(date.fromisoformat(key))
        except ValueError:
            return None
    return key if key is not None and 0 <= key < len(w.days) else None


def _per_day(session: Session, w: Window, column, *extra, where) -> dict:
    """{(extra..., day index): aggregate} from select(extra..., day, aggregate)."""
    day = _day_key(session, column, w)
    out: dict = {}
    for row in session.exec(select(*extra[:-1], day, extra[-1]).where(*where).group_by(*extra[:-1], day)):
        *keys, key, value = row
        index = _day_index(w, key)
        if index is not None:
            out[(*keys, index)] = out.get((*keys, index), 0) + (value or 0)
    return out


@dataclass
class FlowFigures:
    flow: str
    sent: int = 0
    clicks: int = 0
    orders: int = 0
    revenue: Decimal = Decimal("0")
    blocks: int = 0

    @property
    def ctr(self) -> float | None:
        return self.clicks / self.sent if self.sent else None

    @property
    def block_rate(self) -> float | None:
        return self.blocks / self.sent if self.sent else None


@dataclass
class Figures:
    period: int
    window: Window
    friends: int = 0
    follows: int = 0
    blocks: int = 0
    linked: int = 0
    customers: int = 0
    sent: int = 0
    clicks: int = 0
    orders: int = 0
    revenue: Decimal = Decimal("0")
    recovered: int = 0
    recovered_revenue: Decimal = Decimal("0")
    flows: dict[str, FlowFigures] = field(default_factory=dict)
    sent_by_day: dict[str, list[int]] = field(default_factory=dict)
    revenue_by_day: list[Decimal] = field(default_factory=list)
    follows_by_day: list[int] = field(default_factory=list)
    blocks_by_day: list[int] = field(default_factory=list)

    @property
    def net(self) -> int:
        return self.follows - self.blocks

    @property
    def block_rate(self) -> float | None:
        """Blocks in the period over the friends there were to lose: today's plus those who left."""
        base = self.friends + self.blocks
        return self.blocks / base if base else None

    @property
    def linked_share(self) -> float | None:
        return self.linked / self.customers if self.customers else None

    @property
    def ctr(self) -> float | None:
        return self.clicks / self.sent if self.sent else None


def _count(session: Session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one() or 0


def _flow(figures: Figures, flow: str | None) -> FlowFigures:
    key = flow or "other"
    return figures.flows.setdefault(key, FlowFigures(key))


def _audience(session: Session, shop: Shop, w: Window, f: Figures) -> None:
    f.friends = _count(session, LineFriend, LineFriend.shop_id == shop.id, LineFriend.is_blocked.is_(False))
    f.linked = _count(session, LineFriend, LineFriend.shop_id == shop.id, LineFriend.customer_id.is_not(None))
    f.customers = _count(session, Customer, Customer.shop_id == shop.id)
    follows = _per_day(
        session,
        w,
        LineFriend.followed_at,
        func.count(),
        where=(LineFriend.shop_id == shop.id, LineFriend.followed_at >= w.start, LineFriend.followed_at < w.end),
    )
    blocks = _per_day(
        session,
        w,
        FriendBlock.blocked_at,
        FriendBlock.flow,
        func.count(),
        where=(FriendBlock.shop_id == shop.id, FriendBlock.blocked_at >= w.start, FriendBlock.blocked_at < w.end),
    )
    f.follows_by_day = [follows.get((i,), 0) for i in range(len(w.days))]
    f.blocks_by_day = [sum(n for (_, i), n in blocks.items() if i == day) for day in range(len(w.days))]
    f.follows, f.blocks = sum(f.follows_by_day), sum(f.blocks_by_day)
    for (flow, _), n in blocks.items():
        if flow:
            _flow(f, flow).blocks += n


def _messages(session: Session, shop: Shop, w: Window, f: Figures) -> None:
    sent = _per_day(
        session,
        w,
        Notification.sent_at,
        Notification.flow,
        func.count(),
        where=(
            Notification.shop_id == shop.id,
            Notification.status == NotificationStatus.SENT,
            Notification.sent_at >= w.start,
            Notification.sent_at < w.end,
        ),
    )
    for (flow, day), n in sent.items():
        f.sent_by_day.setdefault(flow, [0] * len(w.days))[day] += n
        _flow(f, flow).sent += n
    f.sent = sum(sent.values())
    for flow, n in session.exec(
        select(LinkClick.flow, func.count())
        .where(LinkClick.shop_id == shop.id, LinkClick.clicked_at >= w.start, LinkClick.clicked_at < w.end)
        .group_by(LinkClick.flow)
    ):
        _flow(f, flow).clicks += n
        f.clicks += n


def _orders(session: Session, shop: Shop, w: Window, f: Figures) -> None:
    rows = _per_day(
        session,
        w,
        Attribution.ordered_at,
        Attribution.flow,
        Attribution.kind,
        func.count(),
        where=(Attribution.shop_id == shop.id, Attribution.ordered_at >= w.start, Attribution.ordered_at < w.end),
    )
    money = _per_day(
        session,
        w,
        Attribution.ordered_at,
        Attribution.flow,
        Attribution.kind,
        func.sum(Attribution.revenue),
        where=(Attribution.shop_id == shop.id, Attribution.ordered_at >= w.start, Attribution.ordered_at < w.end),
    )
    f.revenue_by_day = [Decimal("0")] * len(w.days)
    for (flow, kind, day), n in rows.items():
        revenue = Decimal(str(money.get((flow, kind, day), 0)))
        f.orders, f.revenue = f.orders + n, f.revenue + revenue
        f.revenue_by_day[day] += revenue
        figures = _flow(f, flow)
        figures.orders, figures.revenue = figures.orders + n, figures.revenue + revenue
        if kind == "recovered_checkout":
            f.recovered, f.recovered_revenue = f.recovered + n, f.recovered_revenue + revenue


def figures(*, session: Session, shop: Shop, period: int, now: datetime) -> Figures:
    w = window(shop, period, now)
    f = Figures(period=period, window=w)
    _audience(session, shop, w, f)
    _messages(session, shop, w, f)
    _orders(session, shop, w, f)
    order = {flow: i for i, flow in enumerate(FLOWS)}
    f.flows = dict(sorted(f.flows.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    f.sent_by_day = dict(sorted(f.sent_by_day.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    return f


def month_start(shop: Shop, now: datetime) -> datetime:
    tz = zone(shop.timezone)
    local = now.astimezone(tz)
    return datetime.combine(local.date().replace(day=1), time(0), tzinfo=tz).astimezone(now.tzinfo)


def pushes_this_month(*, session: Session, shop: Shop, now: datetime) -> int:
    """Messages sent this (local) month: what LINE counts against the quota."""
    return _count(
        session,
        Notification,
        Notification.shop_id == shop.id,
        Notification.status == NotificationStatus.SENT,
        Notification.sent_at >= month_start(shop, now),
        Notification.sent_at <= now,
    )


# LINE Official Account plans in Japan (monthly fee in yen, messages included, yen per extra
# message; None: the plan cannot send more than it includes).
PLANS: dict[str, dict] = {
    "communication": {"monthly_fee": 0, "included": 200, "extra_per_message": None},
    "light": {"monthly_fee": 5000, "included": 5000, "extra_per_message": None},
    "standard": {"monthly_fee": 15000, "included": 30000, "extra_per_message": 3},
}
DEFAULT_PLAN = "light"


def line_plan(shop: Shop) -> dict:
    saved = (shop.settings or {}).get("line_plan") or {}
    key = saved.get("plan") if saved.get("plan") in PLANS else DEFAULT_PLAN
    return {"plan": key, **PLANS[key]}


@dataclass(frozen=True)
class Usage:
    used: int
    limit: int | None
    source: str  # line (LINE's quota API) | dry_run (nothing reaches LINE) | counted (LINE unreadable)
    plan: dict
    cost: int
    over: bool  # more used than the plan includes

    @property
    def dry_run(self) -> bool:
        return self.source == "dry_run"


def read_line_quota(session: Session, shop: Shop):
    """A reader of LINE's quota for `usage`: None in a dry run or without a channel."""
    from ..ext import settings
    from ..flows import quota
    from ..line import channels

    channel = channels.for_shop(session, shop)
    if channel is None or channel.disconnected_at is not None or not channel.connected_at:
        return None
    if settings().dry_run or shop.is_demo:
        return None
    return lambda: quota.usage(channel, channels.client_for(channel, shop=shop))


def usage(*, session: Session, shop: Shop, now: datetime, read_quota=None) -> Usage:
    """This month's messages against the plan. `read_quota()` returns LINE's (limit, used);
    without one (a dry run, the demo) the messages sent this month stand in."""
    from ..line.channels import ChannelUnavailable
    from ..line.client import LineError

    plan, limit, source = line_plan(shop), None, "dry_run"
    used = None
    if read_quota is not None:
        try:
            limit, used = read_quota()
            source = "line"
        except (LineError, ChannelUnavailable):
            source = "counted"
    if used is None:
        used = pushes_this_month(session=session, shop=shop, now=now)
        limit = plan["included"]
    extra = max(0, used - plan["included"])
    cost = plan["monthly_fee"] + extra * (plan["extra_per_message"] or 0)
    return Usage(used=used, limit=limit, source=source, plan=plan, cost=cost, over=extra > 0)
