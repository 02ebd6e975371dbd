"""What a rich menu's buttons did over a period: taps per area, from the clicks on the
menu's tracked links and the taps on its stamped postback buttons (app/richmenus/links.py).
Message buttons send the friend's own text, which carries no stamp: they are listed with
`counted: false` and no taps. Bots and HEAD requests were never counted
(app/tracking/redirect.py). A menu link names no customer (everyone sees the same button),
so an order cannot be tied to a tap here; the visit carries the menu's UTM for Shopify."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from ..line.menu_taps import POSTBACK
from ..models import LinkClick, RichMenu, TrackedLink


def taps_per_area(session: Session, menu: RichMenu, start: datetime, end: datetime) -> list[dict]:
    """[{area, kind, target, taps, counted}] for every web and postback button the menu was
    published with, and every message button it has now, by area number; a button whose
    target changed keeps one row per target (the latest first)."""
    rows = session.execute(
        select(TrackedLink.area, TrackedLink.target, TrackedLink.created_at, func.count(LinkClick.id))
        .outerjoin(
            LinkClick,
            (LinkClick.link_id == TrackedLink.id) & (LinkClick.clicked_at >= start) & (LinkClick.clicked_at < end),
        )
        .where(TrackedLink.shop_id == menu.shop_id, TrackedLink.rich_menu_id == menu.id)
        .group_by(TrackedLink.id, TrackedLink.area, TrackedLink.target, TrackedLink.created_at)
        .order_by(TrackedLink.area, TrackedLink.created_at.desc(), TrackedLink.id.desc())
    ).all()
    found = [_row(area, target, taps) for area, target, _created, taps in rows]
    for index, area in enumerate(menu.areas or []):
        action = area.get("action") or {}
        if action.get("type") == "message":
            text = str(action.get("text") or "")
            found.append({"area": index + 1, "kind": "message", "target": text, "taps": 0, "counted": False})
    return sorted(found, key=lambda row: row["area"])


def _row(area: int, target: str, taps: int) -> dict:
    if target.startswith(POSTBACK):
        return {"area": area, "kind": "postback", "target": target[len(POSTBACK) :], "taps": taps, "counted": True}
    return {"area": area, "kind": "web", "target": target, "taps": taps, "counted": True}
