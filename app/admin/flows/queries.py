"""What the Flows page and the Home notice read: each flow's switch and recent outcomes,
marketing held for the LINE quota, repurchase cycles suggested from the store's orders,
and the friends a test message can go to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, literal_column
from sqlmodel import Session, select

from ...flows.config import flow_settings
from ...flows.registry import Flow, automations, spec
from ...flows.repurchase import cycle_days, suggest_cycles
from ...formatting import zone
from ...models import LineFriend, Notification, Product, Shop
from ...models import NotificationStatus as St
from ...timeutil import utcnow
from ...tracking import daily

STATUSES = (St.SCHEDULED, St.SENT, St.SKIPPED, St.CANCELLED, St.FAILED)


@dataclass
class FlowRow:
    flow: str
    enabled: bool
    marketing: bool
    counts: dict[str, int] = field(default_factory=dict)
    next_due: datetime | None = None


@dataclass
class CycleSuggestion:
    product_id: int
    title: str
    days: int
    repeats: int
    current: int | None


def flows_overview(*, session: Session, shop: Shop, days: int = 30, now: datetime | None = None) -> list[FlowRow]:
    """Each flow's notifications created in the last `days` local days, today included, by
    status: the daily rollups for the past days, the raw rows for today."""
    now = now or utcnow()
    today = now.astimezone(zone(shop.timezone)).date()
    since = daily.midnight(shop, today - timedelta(days=days - 1), now.tzinfo)
    until = daily.midnight(shop, today + timedelta(days=1), now.tzinfo)
    counts = daily.status_counts(session=session, shop=shop, since=since, until=until)
    next_due = {flow: _next_due(session=session, shop=shop, flow=flow) for flow in automations()}
    return [
        FlowRow(
            flow=flow,
            enabled=bool(flow_settings(shop, flow)["enabled"]),
            marketing=spec(flow).marketing,
            counts={s: counts.get(flow, {}).get(s, 0) for s in STATUSES},
            next_due=next_due.get(flow),
        )
        for flow in automations()
    ]


# Literal, not bound: a partial index is used only when the query names its condition.
_WAITING = Notification.status == literal_column("'scheduled'")
_HELD = Notification.reason == literal_column("'quota_held'")


def _next_due(*, session: Session, shop: Shop, flow: str) -> datetime | None:
    """One seek in ix_notifications_waiting_flow_due per flow."""
    return session.exec(
        select(Notification.due_at)
        .where(Notification.shop_id == shop.id, Notification.flow == flow, _WAITING)
        .order_by(Notification.due_at)
        .limit(1)
    ).first()


def quota_held(*, session: Session, shop: Shop) -> int:
    """Marketing messages waiting because the month's LINE quota is nearly used
    (ix_notifications_quota_held: only those rows)."""
    return session.exec(
        select(func.count()).select_from(Notification).where(Notification.shop_id == shop.id, _WAITING, _HELD)
    ).one()


def cycle_suggestions(*, session: Session, shop: Shop, limit: int = 20) -> list[CycleSuggestion]:
    found = suggest_cycles(session=session, shop=shop)
    if not found:
        return []
    products = {
        p.shopify_id: p
        for p in session.exec(
            select(Product).where(
                Product.shop_id == shop.id, Product.shopify_id.in_(found), Product.deleted_at.is_(None)
            )
        )
    }
    settings = flow_settings(shop, Flow.REPURCHASE)
    rows = [
        CycleSuggestion(
            product_id=pid,
            title=products[pid].title,
            days=s["days"],
            repeats=s["repeats"],
            current=cycle_days(settings, products[pid]),
        )
        for pid, s in found.items()
        if pid in products
    ]
    return sorted(rows, key=lambda r: (-r.repeats, r.title))[:limit]


def friends_for_test(*, session: Session, shop: Shop, limit: int = 100) -> list[LineFriend]:
    """Who a test can go to: the shop's friends who have not blocked it, newest first."""
    return list(
        session.exec(
            select(LineFriend)
            .where(LineFriend.shop_id == shop.id, LineFriend.is_blocked.is_(False))
            .order_by(LineFriend.id.desc())
            .limit(limit)
        )
    )
