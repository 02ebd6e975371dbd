"""An order whose visit began at a rich menu's web button: Shopify keeps the page the buyer
landed on (`landing_site`, a path with its query, e.g. "/products/x?utm_source=line&…"), and
every web button of a published menu opens its page with the menu's UTM (written by
app/richmenus/links.py with the names below): utm_medium=richmenu, utm_campaign=<slug>-<menu id>,
utm_content=area-<n>. A menu is seen by everyone, so the /r/ tap itself names nobody; the
landing page is what ties the order to the button.

The credit also needs a counted tap on that button within the shop's attribution window
before the order (a bookmarked or shared URL with the UTM, opened outside LINE long after,
earns nothing): the same window and the same "before the order" rule as a message click.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlmodel import Session, select

from ..models import LinkClick, Order, Shop, TrackedLink

UTM_SOURCE, UTM_MEDIUM = "line", "richmenu"
POSTBACK = "postback:"  # a postback button's target (app/line/menu_taps.py): never a landing page
_MENU = re.compile(r"-(\d{1,18})$")
_AREA = re.compile(r"area-(\d{1,2})")


def menu_area(landing_site: str | None) -> tuple[int, int] | None:
    """(menu id, area number) a landing page names through its UTM, or None."""
    if not landing_site:
        return None
    query = parse_qs(urlsplit(landing_site.strip()).query)
    first = {key: (values[0] if values else "") for key, values in query.items()}
    if first.get("utm_medium") != UTM_MEDIUM or first.get("utm_source") != UTM_SOURCE:
        return None
    menu = _MENU.search(first.get("utm_campaign", ""))
    area = _AREA.fullmatch(first.get("utm_content", ""))
    return (int(menu.group(1)), int(area.group(1))) if menu and area else None


def latest_tap(*, session: Session, shop: Shop, order: Order, when: datetime, window: timedelta) -> LinkClick | None:
    """The latest counted tap, within the window before the order, on the web button its
    landing page names (this shop's menus only)."""
    named = menu_area(order.landing_site)
    if named is None:
        return None
    menu_id, area = named
    links = select(TrackedLink.id).where(
        TrackedLink.shop_id == shop.id,
        TrackedLink.rich_menu_id == menu_id,
        TrackedLink.area == area,
        TrackedLink.target.not_like(f"{POSTBACK}%"),
    )
    return session.exec(
        select(LinkClick)
        .where(
            LinkClick.link_id.in_(links),
            LinkClick.clicked_at >= when - window,
            LinkClick.clicked_at <= when,
        )
        .order_by(LinkClick.clicked_at.desc(), LinkClick.id.desc())
        .limit(1)
    ).first()
