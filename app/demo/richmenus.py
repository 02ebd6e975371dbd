"""The demo store's rich menus: a three-tab menu drawn by the app (the default, and what
linked friends see) and a compact menu inviting unlinked friends to link their account,
both published in dry run so the page shows them live; and a month of what their buttons
did (taps, a few orders landing from a web button, friends linked through the link button),
so the results table has something to show."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ..db import session_scope
from ..models import Attribution, LinkAudit, LinkClick, Order, RichMenu, Shop, TrackedLink
from ..richmenus.layouts import layout
from ..richmenus.publish import publish
from ..richmenus.service import save_menus, save_rule
from ..tracking import rollups
from ..tracking.attribution import attribute_order
from ..tracking.menu_landing import POSTBACK

TAB_SET = "demo-main"
TABS = ("ホーム", "セール", "会員")
BUTTONS = (
    (
        ("新着商品", "star", "#06c755", {"type": "uri", "uri": "https://{domain}/collections/new"}),
        ("商品をさがす", "search", "#06c755", {"type": "message", "text": "検索"}),
        (
            "注文状況",
            "truck",
            "#1e90ff",
            {"type": "postback", "data": "action=order_status", "displayText": "注文状況"},
        ),
    ),
    (
        ("年末セール", "gift", "#e8453c", {"type": "uri", "uri": "https://{domain}/collections/sale"}),
        ("クーポン", "bag", "#ff8c00", {"type": "message", "text": "クーポン"}),
        ("ランキング", "star", "#e8453c", {"type": "uri", "uri": "https://{domain}/collections/best"}),
    ),
    (
        ("アカウント", "user", "#333333", {"type": "uri", "uri": "https://{domain}/account"}),
        ("配信停止", "chat", "#6c757d", {"type": "postback", "data": "action=opt_out", "displayText": "配信停止"}),
        ("お問い合わせ", "chat", "#333333", {"type": "message", "text": "お問い合わせ"}),
    ),
)


def _tab(index: int, domain: str) -> dict:
    bounds = layout("large", 3, tabs=len(TABS))
    switches = [
        {
            "bounds": bounds[i],
            "action": {"type": "richmenuswitch", "richMenuAliasId": f"demo-tab-{i}", "data": f"tab={i}"},
        }
        for i in range(len(TABS))
    ]
    buttons = []
    for b, (label, _icon, _colour, action) in zip(bounds[len(TABS) :], BUTTONS[index], strict=True):
        action = {k: (v.format(domain=domain) if isinstance(v, str) else v) for k, v in action.items()}
        buttons.append({"bounds": b, "action": {**action, "label": label}})
    styles = [{"label": label, "icon": icon, "color": colour} for label, icon, colour, _ in BUTTONS[index]]
    return {
        "name": f"メインメニュー（{TABS[index]}）",
        "size": "large",
        "chat_bar_text": "メニュー",
        "areas": switches + buttons,
        "alias_id": f"demo-tab-{index}",
        "is_default": index == 0,
        "drawing": {"tabs": {"labels": list(TABS), "active": index}, "areas": styles},
    }


def _unlinked(domain: str) -> dict:
    bounds = layout("compact", 2)
    return {
        "name": "未連携の友だち向け",
        "size": "compact",
        "chat_bar_text": "連携で特典",
        "areas": [
            {
                "bounds": bounds[0],
                "action": {
                    "type": "postback",
                    "data": "action=link",
                    "displayText": "アカウント連携",
                    "label": "アカウント連携",
                },
            },
            {"bounds": bounds[1], "action": {"type": "uri", "uri": f"https://{domain}/", "label": "ストア"}},
        ],
        "drawing": {
            "areas": [
                {"label": "連携で 500 円クーポン", "icon": "gift", "color": "#e8453c"},
                {"label": "ストアを見る", "icon": "home", "color": "#06c755"},
            ]
        },
    }


def seed_rich_menus(*, session: Session, shop: Shop) -> list[int]:
    """Idempotent: nothing is added when the demo's tab set exists. Returns the menus to
    publish (once the seeding transaction is over: publishing calls LINE, in dry run)."""
    if session.exec(select(RichMenu).where(RichMenu.shop_id == shop.id, RichMenu.tab_set == TAB_SET)).first():
        return []
    tabs, problems = save_menus(
        session=session, shop=shop, specs=[_tab(i, shop.domain) for i in range(3)], tab_set=TAB_SET
    )
    assert not problems, problems
    [unlinked], problems = save_menus(session=session, shop=shop, specs=[_unlinked(shop.domain)])
    assert not problems, problems
    for menu, kind, priority in ((unlinked, "unlinked", 1), (tabs[0], "linked", 2)):
        save_rule(session=session, shop=shop, spec={"menu_id": menu.id, "kind": kind, "priority": priority})
    return [tabs[0].id, unlinked.id]


def publish_rich_menus(*, engine: Engine, shop_id: int, menu_ids: list[int]) -> dict:
    published = sum(publish(engine=engine, shop_id=shop_id, menu_id=menu_id).ok for menu_id in menu_ids)
    return {"rich_menus": published}


def seed_menu_results(*, engine: Engine, shop_id: int, now: datetime) -> dict:
    """Once (nothing when a menu link has a tap): taps over the last 30 days on every counted
    button, six recent orders that landed from a web button minutes after a tap (credited
    by the app's own attribution), and friends who tapped the link button just before they
    linked. Rollups move with every tap, as a real tap moves them."""
    with session_scope(engine) as session:
        links = session.exec(
            select(TrackedLink).where(TrackedLink.shop_id == shop_id, TrackedLink.rich_menu_id.is_not(None))
        ).all()
        if not links or session.exec(select(LinkClick).where(LinkClick.link_id.in_([k.id for k in links]))).first():
            return {}
        shop, pick = session.get(Shop, shop_id), random.Random(14)
        for link in links:
            for _ in range(pick.randint(8, 40)):
                _tap(session, link, now - timedelta(minutes=pick.randint(10, 30 * 24 * 60)))
        web = [k for k in links if not k.target.startswith(POSTBACK)]
        credited = session.exec(select(Attribution.order_id).where(Attribution.shop_id == shop_id))
        orders = session.exec(
            select(Order)
            .where(
                Order.shop_id == shop_id,
                Order.cancelled_at.is_(None),
                Order.processed_at >= now - timedelta(days=25),
                Order.id.not_in(credited.all()),
            )
            .order_by(Order.processed_at.desc())
            .limit(6)
        ).all()
        for index, order in enumerate(orders):
            link = web[index % len(web)]
            parts = urlsplit(link.target)
            order.landing_site = f"{parts.path}?{parts.query}"
            session.add(order)
            _tap(session, link, order.processed_at - timedelta(minutes=pick.randint(2, 40)))
            session.flush()
            attribute_order(session=session, shop=shop, order=order)
        linked = _linked_through_button(session, shop_id, links, now)
    return {"menu_orders": len(orders), "menu_linked": linked}


def _linked_through_button(session: Session, shop_id: int, links: list[TrackedLink], now: datetime) -> int:
    """Recent links of friends get a tap on the link button three minutes before."""
    button = next((k for k in links if k.target == f"{POSTBACK}action=link"), None)
    if button is None:
        return 0
    audits = session.exec(
        select(LinkAudit)
        .where(LinkAudit.shop_id == shop_id, LinkAudit.action == "link")
        .where(LinkAudit.created_at >= now - timedelta(days=25))
        .limit(4)
    ).all()
    for audit in audits:
        _tap(session, button, audit.created_at - timedelta(minutes=3), friend_id=audit.friend_id)
    return len(audits)


def _tap(session: Session, link: TrackedLink, at: datetime, *, friend_id: int | None = None) -> None:
    session.add(LinkClick(shop_id=link.shop_id, link_id=link.id, friend_id=friend_id, flow=link.flow, clicked_at=at))
    session.execute(update(TrackedLink).where(TrackedLink.id == link.id).values(clicks=TrackedLink.clicks + 1))
    rollups.click(session=session, shop_id=link.shop_id, at=at, flow=link.flow)
