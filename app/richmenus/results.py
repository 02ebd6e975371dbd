"""What a rich menu's web buttons did over a period: taps per area, from the clicks on the
menu's tracked links (app/richmenus/links.py). Bots and HEAD requests were never counted
(app/tracking/redirect.py). A menu link names no customer (everyone sees the same button),
so an order cannot be tied to a tap here; the visit carries the menu's UTM for Shopify."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from ..models import LinkClick, RichMenu, TrackedLink


def taps_per_area(session: Session, menu: RichMenu, start: datetime, end: datetime) -> list[dict]:
    """[{area, target, taps}] for every web button the menu was published with, by area
    number; a button whose target changed keeps one row per target (the latest first)."""
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
    return [{"area": area, "target": target, "taps": taps} for area, target, _created, taps in rows]
