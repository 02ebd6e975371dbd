"""The rich menu page: the shop's menus in a phone frame (tabs switchable, each area outlined
with its action), publish and unpublish, and an editor that draws a menu from labels,
icons and colours with a live preview of the exact image LINE will get."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint
from sqlmodel import select

from ... import db
from ...formatting import money
from ...models import Segment, Shop
from ...richmenus.results import results as menu_results
from ...richmenus.validate import ICON_NAMES
from ...shopify.auth import embedded
from ...timeutil import utcnow
from ..pages import render
from .queries import menu_json, menus_of, rule_json, rules_of

bp = Blueprint("richmenus", __name__)
TAPS_DAYS = 30


def taps_rows(session, shop: Shop, menus) -> list[dict]:
    """Every button of every menu with something to show over the last TAPS_DAYS days, and
    after each menu's buttons its total (`is_total`): the page's table."""
    end = utcnow()
    start = end - timedelta(days=TAPS_DAYS)
    rows = []
    for menu in menus:
        found = menu_results(session, shop, menu, start, end)
        if not found["areas"]:
            continue
        named = {"menu_id": menu.id, "menu": menu.name}
        rows += [{**named, "label": _label(menu, row["area"]), **row} for row in found["areas"]]
        rows.append({"menu_id": menu.id, "menu": menu.name, "is_total": True, "counted": True, **found["total"]})
    return rows


def _label(menu, area: int) -> str:
    """The button's label as the merchant wrote it (its action's label: what the drawn menu
    shows and LINE reads out), so a row says which button it is, not only its number."""
    areas = (menu.areas or [])[area - 1 : area]
    action = (areas[0].get("action") or {}) if areas else {}
    if action.get("label"):
        return str(action["label"])
    tab = str(action.get("data") or "").removeprefix("tab=")  # a tab of a drawn tab strip
    labels = ((menu.drawing or {}).get("tabs") or {}).get("labels") or []
    return str(labels[int(tab)]) if tab.isdigit() and int(tab) < len(labels) else ""


@bp.get("/rich-menus", endpoint="page")
@embedded
def page(shop: Shop):
    session = db.session()
    segments = session.exec(select(Segment).where(Segment.shop_id == shop.id).order_by(Segment.name)).all()
    menus = menus_of(session=session, shop=shop)
    data = {
        "menus": [menu_json(m, image=True) for m in menus],
        "rules": [rule_json(r, timezone=shop.timezone) for r in rules_of(session=session, shop=shop)],
        "segments": [{"id": s.id, "name": s.name} for s in segments],
        "icons": [i for i in ICON_NAMES if i],
        "search_url": f"https://{shop.domain}/search",  # the Online Store's search page
    }
    return render(
        shop,
        "admin/richmenus/page.html",
        area="richmenus",
        active="admin.richmenus.page",
        data=data,
        taps=taps_rows(session, shop, menus),
        money=lambda amount: money(amount, shop.currency),
        taps_days=TAPS_DAYS,
        shop_timezone=shop.timezone,
    )
