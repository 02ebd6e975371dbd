"""What a rich menu's buttons did over a period, per area and in total: taps (clicks on the
menu's tracked links, taps on its stamped postback buttons; app/richmenus/links.py), orders
and revenue credited to them, and friends who linked their account through them.

Taps: message buttons send the friend's own text, which carries no stamp: they are listed
with `counted: false` and no taps. Bots and HEAD requests were never counted
(app/tracking/redirect.py).

Orders: the `Attribution` rows naming one of the menu's links, ordered within the period
(app/tracking/attribution.py decides: a web button through the order's landing page, a
postback button through the friend who tapped it; one row per order, so an order credited
to the menu is never credited to a message too, and cancelled orders are not there).

Linked: a friend who linked their account (not linked at the tap, linked within
LINKED_WITHIN after it) counts once, for the latest postback button they tapped before
linking (the link button, or 注文 which asks an unlinked friend to link first).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session

from ..line.menu_taps import POSTBACK
from ..models import Attribution, LinkAudit, LinkClick, RichMenu, Shop, TrackedLink
from ..timeutil import as_utc

IN_BATCH = 500  # friend ids per IN list (SQLite's bound-parameter limit is far above)
LINKED_WITHIN = timedelta(minutes=30)  # LINE's link token and our nonce last 10 minutes each


def results(session: Session, shop: Shop, menu: RichMenu, start: datetime, end: datetime) -> dict:
    """{"areas": [...], "total": {taps, orders, revenue, linked}, "currency"} for the period."""
    areas = taps_per_area(session, menu, start, end)
    # One attribution per order, naming one link: the areas' orders never overlap.
    total = {key: sum(row[key] for row in areas) for key in ("taps", "orders", "linked")}
    total["revenue"] = _amount(sum((Decimal(row["revenue"]) for row in areas), Decimal(0)))
    return {"areas": areas, "total": total, "currency": shop.currency}


def taps_per_area(session: Session, menu: RichMenu, start: datetime, end: datetime) -> list[dict]:
    """[{area, kind, target, taps, counted, orders, revenue, linked}] for every web and
    postback button the menu was published with, and every message button it has now, by
    area number; a button whose target changed keeps one row per target (the latest first)."""
    rows = session.execute(
        select(TrackedLink.id, TrackedLink.area, TrackedLink.target, TrackedLink.created_at, func.count(LinkClick.id))
        .outerjoin(
            LinkClick,
            (LinkClick.link_id == TrackedLink.id) & (LinkClick.clicked_at >= start) & (LinkClick.clicked_at < end),
        )
        .where(TrackedLink.shop_id == menu.shop_id, TrackedLink.rich_menu_id == menu.id)
        .group_by(TrackedLink.id, TrackedLink.area, TrackedLink.target, TrackedLink.created_at)
        .order_by(TrackedLink.area, TrackedLink.created_at.desc(), TrackedLink.id.desc())
    ).all()
    orders = _orders(session, menu, start, end)
    linked = _linked(session, menu, start, end)
    found = [
        _row(area, target, taps) | _earned(orders.get(link_id, []), linked.get(link_id, 0))
        for link_id, area, target, _created, taps in rows
    ]
    for index, area in enumerate(menu.areas or []):
        action = area.get("action") or {}
        if action.get("type") == "message":
            text = str(action.get("text") or "")
            row = {"area": index + 1, "kind": "message", "target": text, "taps": 0, "counted": False}
            found.append(row | _earned([], 0))
    return sorted(found, key=lambda row: row["area"])


def _row(area: int, target: str, taps: int) -> dict:
    if target.startswith(POSTBACK):
        return {"area": area, "kind": "postback", "target": target[len(POSTBACK) :], "taps": taps, "counted": True}
    return {"area": area, "kind": "web", "target": target, "taps": taps, "counted": True}


def _earned(orders: list[Decimal], linked: int) -> dict:
    revenue = sum((Decimal(str(amount or 0)) for amount in orders), Decimal(0))
    return {"orders": len(orders), "revenue": _amount(revenue), "linked": linked}


def _amount(value: Decimal) -> str:
    """A decimal amount without trailing zeros ("4158", "12.5"), the same on every database."""
    return format(value.normalize(), "f") if value else "0"


def _orders(session: Session, menu: RichMenu, start: datetime, end: datetime) -> dict[int, list]:
    """link id → the revenue of each order credited to it."""
    found: dict[int, list] = defaultdict(list)
    rows = session.execute(
        select(Attribution.link_id, Attribution.revenue)
        .join(TrackedLink, TrackedLink.id == Attribution.link_id)
        .where(
            TrackedLink.rich_menu_id == menu.id,
            Attribution.shop_id == menu.shop_id,
            Attribution.ordered_at >= start,
            Attribution.ordered_at < end,
        )
    )
    for link_id, revenue in rows:
        found[link_id].append(revenue)
    return found


def _linked(session: Session, menu: RichMenu, start: datetime, end: datetime) -> dict[int, int]:
    """link id → friends who linked within the period after tapping it while not linked.
    The period's links are read first and only those friends' taps after them: most taps
    are by friends who never link (50,000 taps read and sorted for a few hundred links)."""
    audits = session.execute(
        select(LinkAudit.friend_id, LinkAudit.created_at).where(
            LinkAudit.shop_id == menu.shop_id,
            LinkAudit.action == "link",
            LinkAudit.friend_id.is_not(None),
            LinkAudit.created_at >= start,
            LinkAudit.created_at < end,
        )
    ).all()
    if not audits:
        return {}
    links = select(TrackedLink.id).where(TrackedLink.rich_menu_id == menu.id, TrackedLink.target.like(f"{POSTBACK}%"))
    by_friend: dict[int, list] = defaultdict(list)
    linking = sorted({a.friend_id for a in audits})
    for part in range(0, len(linking), IN_BATCH):
        for friend_id, link_id, clicked_at in session.execute(
            select(LinkClick.friend_id, LinkClick.link_id, LinkClick.clicked_at).where(
                LinkClick.link_id.in_(links),
                LinkClick.friend_id.in_(linking[part : part + IN_BATCH]),
                LinkClick.customer_id.is_(None),
                LinkClick.clicked_at >= start - LINKED_WITHIN,
                LinkClick.clicked_at < end,
            )
        ):
            by_friend[friend_id].append((as_utc(clicked_at), link_id))
    for taps in by_friend.values():
        taps.sort()
    credited: dict[int, int] = defaultdict(int)
    counted: set[int] = set()
    for friend_id, linked_at in sorted(audits, key=lambda a: as_utc(a.created_at)):
        linked_at = as_utc(linked_at)
        before = [link for at, link in by_friend[friend_id] if linked_at - LINKED_WITHIN <= at <= linked_at]
        if before and friend_id not in counted:
            counted.add(friend_id)
            credited[before[-1]] += 1
    return credited
