"""The Home dashboard's figures for a period (7, 30 or 90 days) and this month's messages
against the LINE plan. Every figure over the period comes from app.tracking.daily (the
daily rollups for whole past days, the raw rows for today; one function per figure, which any
other page reads too); this module picks the window (the shop's local days), counts today's
audience and puts the figures together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from ...ext import settings
from ...flows import quota
from ...flows.registry import flows
from ...formatting import zone
from ...line import channels
from ...line.channels import ChannelUnavailable
from ...line.client import LineError
from ...models import Customer, LineFriend, Shop
from ...tracking import daily
from ..labels import OTHER  # attributions and blocks that no flow's push explains

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30


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

    def flow(self, name: str | None) -> FlowFigures:
        key = name or OTHER
        return self.flows.setdefault(key, FlowFigures(key))


def _count(*, session: Session, model, where: tuple = ()) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one() or 0


def _audience(*, session: Session, shop: Shop, f: Figures, span: dict) -> None:
    f.friends = _count(
        session=session, model=LineFriend, where=(LineFriend.shop_id == shop.id, LineFriend.is_blocked.is_(False))
    )
    f.linked = _count(
        session=session, model=LineFriend, where=(LineFriend.shop_id == shop.id, LineFriend.customer_id.is_not(None))
    )
    f.customers = _count(session=session, model=Customer, where=(Customer.shop_id == shop.id,))
    f.follows_by_day = list(daily.follows_by_day(**span).values())
    f.blocks_by_day = list(daily.blocks_by_day(**span).values())
    f.follows, f.blocks = sum(f.follows_by_day), sum(f.blocks_by_day)
    for flow, n in daily.blocks_by_flow(**span).items():
        if flow:  # a block after no push is no flow's doing
            f.flow(flow).blocks += n


def _messages(f: Figures, span: dict) -> None:
    for flow, days in daily.sent_by_flow(**span).items():
        f.sent_by_day[flow] = list(days.values())
        f.flow(flow).sent += sum(days.values())
    f.sent = sum(x.sent for x in f.flows.values())
    for flow, n in daily.clicks_by_flow(**span).items():
        f.flow(flow).clicks += n
        f.clicks += n


def _orders(f: Figures, span: dict) -> None:
    for flow, totals in daily.attributed_by_flow(**span).items():
        figures = f.flow(flow)
        figures.orders, figures.revenue = figures.orders + totals.orders, figures.revenue + totals.revenue
        f.orders, f.revenue = f.orders + totals.orders, f.revenue + totals.revenue
    recovered = daily.recovered_checkouts(**span)
    f.recovered, f.recovered_revenue = recovered.orders, recovered.revenue
    f.revenue_by_day = list(daily.revenue_by_day(**span).values())


def figures(*, session: Session, shop: Shop, period: int, now: datetime) -> Figures:
    w = window(shop, period, now)
    f = Figures(period=period, window=w)
    span = {"session": session, "shop": shop, "since": w.start, "until": w.end}
    _audience(session=session, shop=shop, f=f, span=span)
    _messages(f, span)
    _orders(f, span)
    f.flows = _in_registry_order(f.flows)
    f.sent_by_day = _in_registry_order(f.sent_by_day)
    return f


def _in_registry_order(by_flow: dict) -> dict:
    """The registry's order (the order the admin lists flows in), anything else after it."""
    order = {flow: i for i, flow in enumerate(flows())}
    return dict(sorted(by_flow.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


# -- this month's messages and what they cost -----------------------------------------------


def month_start(shop: Shop, now: datetime) -> datetime:
    tz = zone(shop.timezone)
    local = now.astimezone(tz)
    return datetime.combine(local.date().replace(day=1), time(0), tzinfo=tz).astimezone(now.tzinfo)


def pushes_this_month(*, session: Session, shop: Shop, now: datetime) -> int:
    """Messages sent this (local) month: what LINE counts against the quota."""
    return daily.sent_between(session=session, shop=shop, since=month_start(shop, now), now=now)


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


def read_line_quota(*, session: Session, shop: Shop):
    """A reader of LINE's quota for `usage`: None in a dry run or without a channel."""
    channel = channels.for_shop(session=session, shop=shop)
    if channel is None or channel.disconnected_at is not None or not channel.connected_at:
        return None
    if settings().dry_run:
        return None
    return lambda: quota.usage(channel, channels.client_for(channel, shop=shop))


def usage(*, session: Session, shop: Shop, now: datetime, read_quota=None) -> Usage:
    """This month's messages against the plan. `read_quota()` returns LINE's (limit, used);
    without one (a dry run) the messages sent this month stand in."""
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
