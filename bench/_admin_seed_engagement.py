"""The rest of bench/admin.py's shop, in proportion to its friends: 10 step sequences with
their steps, runs, the step messages they put in the outbox and what those earned (links
clicked, attributed orders, blocks); 5 rich menus (one a tab set of two) saved through the
app's own service with their rules, each friend's linked menu and taps on their buttons;
back-in-stock requests over a small catalog; Shopify Flow action runs and trigger calls; a
few privacy requests.

Menus go through `save_menus` / `save_rule` and `links.record` (real drawings, real tracked
links); the large tables are bulk inserts through bench/_admin_seed.py's `_bulk`.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, text
from sqlmodel import Session, select

from app.flows.registry import Flow
from app.models import Product, Shop
from app.richmenus import links
from app.richmenus.layouts import layout
from app.richmenus.service import save_menus, save_rule
from app.search.index import index_product
from app.shopify_flow import triggers
from bench._admin_seed import _bulk
from bench._admin_seed_marketing import fix_id_sequences

STEPS = 4
# (name, trigger, share of the friends who entered): the welcome takes half of them.
SEQUENCES = (
    ("ようこそ", "friend_added", 0.5),
    ("おかえりなさい", "friend_readded", 0.05),
    ("連携ありがとう", "account_linked", 0.2),
    ("初回購入フォロー", "first_purchase", 0.15),
    ("2回目購入", "nth_purchase", 0.08),
    ("VIPステップ", "segment_entered", 0.05),
    ("店頭POPから", "source", 0.1),
    ("同梱チラシから", "source", 0.1),
    ("休眠掘り起こし", "segment_entered", 0.05),
    ("レビュー依頼", "first_purchase", 0.1),
)
RUN_IDS = 1  # sequence_runs is empty before: ids from 1, the dedupe keys name them


def seed(engine: Engine, rnd, *, shop_id: int, friends: int, now: datetime) -> dict[str, int]:
    sizes = _sequences(engine, rnd, shop_id, friends, now)
    sizes.update(_rich_menus(engine, rnd, shop_id, friends, now))
    sizes.update(_restock(engine, rnd, shop_id, friends, now))
    sizes.update(_shopify_flow_and_privacy(engine, rnd, shop_id, friends, now))
    return sizes


def _sequences(engine, rnd, shop_id: int, friends: int, now: datetime) -> dict[str, int]:
    params = {"nth_purchase": {"n": 2}, "segment_entered": {"segment_id": 3}, "source": {"source_id": 1}}
    sequences = [
        {
            "id": 1 + s,
            "shop_id": shop_id,
            "name": name,
            "trigger": trigger,
            "trigger_params": params.get(trigger, {}),
            "enabled": s != 8,
            "preset": "welcome" if s == 0 else None,
            "created_at": now - timedelta(days=120),
            "updated_at": now,
        }
        for s, (name, trigger, _share) in enumerate(SEQUENCES)
    ]
    steps = [
        {
            "shop_id": shop_id,
            "sequence_id": 1 + s,
            "position": p,
            "delay_amount": 0 if p == 1 else 2 * p,
            "delay_unit": "minutes" if p == 1 else "days",
            "at_time": None if p == 1 else "10:00",
            "blocks": [{"type": "text", "text": f"{name} ステップ{p}です。"}],
            "condition": "purchased" if p == STEPS else None,
            "condition_mode": "skip_if",
            "created_at": now - timedelta(days=120),
            "updated_at": now,
        }
        for s, (name, _t, _share) in enumerate(SEQUENCES)
        for p in range(1, STEPS + 1)
    ]
    messages = []

    def run_rows():
        run_id = RUN_IDS
        for s, (_name, _trigger, share) in enumerate(SEQUENCES):
            start = rnd.randrange(friends)
            for k in range(int(friends * share)):
                friend, entered = 1 + (start + k) % friends, now - timedelta(days=rnd.random() * 90)
                reached = min(STEPS, 1 + int((now - entered).days / 5))
                exited = reached < STEPS and rnd.random() < 0.2
                status = "done" if reached == STEPS else "exited" if exited else "active"
                messages.append((1 + s, run_id, friend, entered, reached))
                yield {
                    "id": run_id,
                    "shop_id": shop_id,
                    "sequence_id": 1 + s,
                    "friend_id": friend,
                    "status": status,
                    "reason": "purchased" if exited else None,
                    "entered_at": entered,
                    "next_position": reached + 1 if status == "active" else None,
                    "next_due_at": now + timedelta(hours=1 + rnd.random() * 48) if status == "active" else None,
                    "last_due_at": entered + timedelta(days=2 * reached),
                    "finished_at": entered + timedelta(days=2 * reached) if status != "active" else None,
                    "created_at": entered,
                    "updated_at": entered,
                }
                run_id += 1

    sizes = {
        "sequences": _bulk(engine, "sequences", sequences),
        "sequence_steps": _bulk(engine, "sequence_steps", steps),
        "sequence_runs": _bulk(engine, "sequence_runs", run_rows()),
    }
    sent: list[tuple] = []
    sizes["notifications (sequence steps)"] = _bulk(
        engine, "notifications", _step_messages(rnd, shop_id, messages, sent)
    )
    sizes.update(_step_outcomes(engine, rnd, shop_id, sent))
    return sizes


def _step_messages(rnd, shop_id: int, runs, sent: list):
    """Each run's reached steps in the outbox, as advance.py schedules them (one in ten held
    back by the marketing cap and skipped). `sent` gets (id, friend, sent at) of those sent."""
    for sequence_id, run_id, friend, entered, reached in runs:
        for position in range(1, reached + 1):
            due = entered + timedelta(days=0 if position == 1 else 2 * position)
            skipped = rnd.random() < 0.1
            message_id = uuid.UUID(int=rnd.getrandbits(128))
            if not skipped:
                sent.append((message_id, friend, due + timedelta(seconds=2)))
            yield {
                "id": message_id,
                "shop_id": shop_id,
                "friend_id": friend,
                "customer_id": 2 * friend - 1,
                "flow": Flow.SEQUENCE,
                "step": position,
                "dedupe_key": f"seq:{sequence_id}:{run_id}:{position}",
                "marketing": True,
                "due_at": due,
                "status": "skipped" if skipped else "sent",
                "reason": "frequency_cap" if skipped else None,
                "attempts": 0 if skipped else 1,
                "messages": [{"type": "text", "text": f"ステップ{position}です。"}],
                "context": {"sequence_id": sequence_id, "run_id": run_id},
                "sent_at": None if skipped else due + timedelta(seconds=2),
                "created_at": due,
                "updated_at": due,
            }


def _step_outcomes(engine, rnd, shop_id: int, sent: list[tuple]) -> dict[str, int]:
    """What the sent steps earned, as the app records it (each outcome carries its message's
    flow): a link in every step, clicked for 5 % of them; an attributed order for one click in
    five; a block blamed on one step in 300."""
    with engine.connect() as conn:
        link_id, order_id = (
            conn.execute(text(f"select coalesce(max(id), 0) from {t}")).scalar() for t in ("tracked_links", "orders")
        )
    clicked = [(k, m) for k, m in enumerate(sent) if rnd.random() < 0.05]
    ordered = clicked[::5]
    flow = Flow.SEQUENCE
    links = _bulk(
        engine,
        "tracked_links",
        (
            {
                "id": link_id + 1 + k,
                "shop_id": shop_id,
                "token": f"s{k:012d}",
                "notification_id": m[0],
                "flow": flow,
                "target": "https://tsunagu-demo.myshopify.com/products/x",
                "clicks": 1,
                "created_at": m[2],
            }
            for k, m in clicked
        ),
    )
    clicks = _bulk(
        engine,
        "link_clicks",
        (
            {
                "shop_id": shop_id,
                "link_id": link_id + 1 + k,
                "notification_id": m[0],
                "friend_id": m[1],
                "flow": flow,
                "clicked_at": m[2] + timedelta(hours=rnd.random() * 24),
            }
            for k, m in clicked
        ),
    )
    orders = _bulk(
        engine,
        "orders",
        (
            {
                "id": order_id + 1 + j,
                "shop_id": shop_id,
                "shopify_id": 70_000_000 + j,
                "name": f"#S{j}",
                "currency": "JPY",
                "created_at": m[2],
                "updated_at": m[2],
            }
            for j, (_k, m) in enumerate(ordered)
        ),
    )
    attributions = _bulk(
        engine,
        "attributions",
        (
            {
                "shop_id": shop_id,
                "order_id": order_id + 1 + j,
                "notification_id": m[0],
                "flow": flow,
                "kind": "click",
                "revenue": Decimal(3000 + j % 20 * 500),
                "currency": "JPY",
                "ordered_at": m[2] + timedelta(days=1),
                "created_at": m[2] + timedelta(days=1),
            }
            for j, (_k, m) in enumerate(ordered)
        ),
    )
    blocks = _bulk(
        engine,
        "friend_blocks",
        (
            {
                "shop_id": shop_id,
                "friend_id": m[1],
                "notification_id": m[0],
                "flow": flow,
                "blocked_at": m[2] + timedelta(hours=3),
            }
            for m in sent
            if rnd.random() < 1 / 300
        ),
    )
    fix_id_sequences(engine, ("tracked_links", "orders"))  # the menus' links are inserted by the app next
    return {
        "tracked_links (sequence steps)": links,
        "link_clicks (sequence steps)": clicks,
        "orders (sequence steps)": orders,
        "attributions (sequence steps)": attributions,
        "friend_blocks (sequence steps)": blocks,
    }


def _menu_spec(name: str, buttons: int, *, tabs: int = 0, tab: int = 0) -> dict:
    bounds = layout("large", buttons, tabs=tabs)
    cells = [
        {
            "bounds": bounds[i],
            "action": {"type": "richmenuswitch", "richMenuAliasId": f"bench-tab-{i}", "data": f"tab={i}"},
        }
        for i in range(tabs)
    ]
    actions = [
        {"type": "uri", "uri": "https://tsunagu-demo.myshopify.com/collections/new"},
        {"type": "postback", "data": "action=order"},
        {"type": "uri", "uri": "https://tsunagu-demo.myshopify.com/collections/sale"},
        {"type": "postback", "data": "action=link"},
        {"type": "message", "text": "問い合わせ"},
        {"type": "uri", "uri": "https://tsunagu-demo.myshopify.com/pages/guide"},
    ]
    areas = cells + [{"bounds": b, "action": actions[i % len(actions)]} for i, b in enumerate(bounds[tabs:])]
    drawing = {"areas": [{"label": f"ボタン{i + 1}", "icon": "star"} for i in range(buttons)]}
    if tabs:
        drawing["tabs"] = {"labels": [f"タブ{i + 1}" for i in range(tabs)], "active": tab}
    spec = {"name": name, "size": "large", "chat_bar_text": "メニュー", "areas": areas, "drawing": drawing}
    return spec | ({"alias_id": f"bench-tab-{tab}"} if tabs else {})


def _rich_menus(engine, rnd, shop_id: int, friends: int, now: datetime) -> dict[str, int]:
    """Three menus and a tab set of two, published (their links recorded as publishing does),
    ruled by segment, linked, unlinked and a sale period; every friend linked to one."""
    with Session(engine) as s:
        shop = s.get(Shop, shop_id)
        made = []
        for name, buttons in (("基本メニュー", 6), ("会員メニュー", 6), ("未連携メニュー", 4)):
            menus, problems = save_menus(session=s, shop=shop, specs=[_menu_spec(name, buttons)])
            assert not problems, problems
            made += menus
        specs = [_menu_spec(f"セールタブ{t + 1}", 4, tabs=2, tab=t) for t in range(2)]
        tabs, problems = save_menus(session=s, shop=shop, specs=specs, tab_set="bench-sale")
        assert not problems, problems
        made += tabs
        made[0].is_default = True
        for menu in made:
            links.record(s, menu)
            menu.status, menu.line_rich_menu_id = "published", f"richmenu-{rnd.getrandbits(128):032x}"
            menu.published_at = now - timedelta(days=90)
        for priority, (menu, kind, extra) in enumerate(
            (
                (made[3], "segment", {"segment_id": 3, "starts_at": None}),
                (made[1], "linked", {}),
                (made[2], "unlinked", {}),
                (made[3], "linked", {"starts_at": "2026-12-01T00:00", "ends_at": "2026-12-31T23:59"}),
            )
        ):
            rule, problems = save_rule(
                session=s, shop=shop, spec={"menu_id": menu.id, "kind": kind, "priority": priority, **extra}
            )
            assert not problems, problems
        s.commit()
        live = [(m.id, m.line_rich_menu_id) for m in made]
        menu_links = s.execute(
            text("select id, rich_menu_id, target from tracked_links where rich_menu_id is not null")
        )
        menu_links = menu_links.all()
    sizes = {"rich_menus": len(live)}
    sizes["rich_menu_links"] = _bulk(
        engine,
        "rich_menu_links",
        (
            {"shop_id": shop_id, "friend_id": f, "line_rich_menu_id": live[f % 3][1], "linked_at": now}
            for f in range(1, friends + 1)
        ),
    )
    sizes["link_clicks (menu taps)"] = _bulk(
        engine,
        "link_clicks",
        (
            {
                "shop_id": shop_id,
                "link_id": (link := menu_links[rnd.randrange(len(menu_links))])[0],
                "friend_id": 1 + rnd.randrange(friends) if link[2].startswith("postback:") else None,
                "flow": links.FLOW,
                "clicked_at": now - timedelta(days=rnd.random() * 90),
            }
            for _ in range(friends)
        ),
    )
    with engine.begin() as conn:  # a menu's taps counted on its links, as the redirect does
        conn.execute(
            text(
                "update tracked_links set clicks = (select count(*) from link_clicks c"
                " where c.link_id = tracked_links.id) where rich_menu_id is not null"
            )
        )
    return sizes


def _restock(engine, rnd, shop_id: int, friends: int, now: datetime) -> dict[str, int]:
    """200 products of two variants, a quarter sold out; a request per ten friends, mostly on
    the sold-out ones, 70% waiting, the rest notified or lapsed."""
    products = 200
    sizes = {
        "products": _bulk(
            engine,
            "products",
            (
                {
                    "id": 1 + p,
                    "shop_id": shop_id,
                    "shopify_id": 70_000_000 + p,
                    "handle": f"item-{p}",
                    "title": f"オーガニックコットン Tシャツ {p + 1}",
                    "vendor": "つなぐ",
                    "product_type": "Tシャツ",
                    "status": "active",
                    "published_at": now - timedelta(days=200),
                    "created_at": now,
                    "updated_at": now,
                }
                for p in range(products)
            ),
        ),
        "product_variants": _bulk(
            engine,
            "product_variants",
            (
                {
                    "id": 1 + v,
                    "shop_id": shop_id,
                    "product_id": 1 + v // 2,
                    "shopify_id": 80_000_000 + v,
                    "title": ("S", "M")[v % 2],
                    "price": Decimal(3900),
                    "inventory_quantity": 0 if v % 8 < 2 else 12,
                    "available": v % 8 >= 2,
                    "position": 1 + v % 2,
                }
                for v in range(products * 2)
            ),
        ),
    }
    with Session(engine) as s:  # the chat's search index, as the catalog sync writes it
        for product in s.exec(select(Product).where(Product.shop_id == shop_id)).all():
            index_product(session=s, product=product)
        s.commit()
    sold_out = [v for v in range(products * 2) if v % 8 < 2]

    def requests():
        for k in range(friends // 10):
            v = sold_out[rnd.randrange(len(sold_out))] if k % 10 else rnd.randrange(products * 2)
            created = now - timedelta(days=rnd.random() * 90)
            status = "waiting" if k % 10 < 7 else "notified" if k % 10 < 9 else "expired"
            yield {
                "shop_id": shop_id,
                "friend_id": 1 + k * 10 % friends,
                "product_shopify_id": 70_000_000 + v // 2,
                "variant_shopify_id": 80_000_000 + v,
                "status": status,
                "created_at": created,
                "expires_at": created + timedelta(days=90),
                "notified_at": created + timedelta(days=5) if status == "notified" else None,
            }

    sizes["back_in_stock_requests"] = _bulk(engine, "back_in_stock_requests", requests())
    return sizes


def _shopify_flow_and_privacy(engine, rnd, shop_id: int, friends: int, now: datetime) -> dict[str, int]:
    outcomes = ("scheduled",) * 8 + ("unlinked", "opted_out")
    handles = (triggers.FRIEND_ADDED, triggers.CUSTOMER_LINKED, triggers.LINK_CLICKED)
    sizes = {
        "shopify_flow_runs": _bulk(
            engine,
            "shopify_flow_runs",
            (
                {
                    "shop_id": shop_id,
                    "action_run_id": f"run-{k}",
                    "handle": "send-line-message",
                    "status": 200 if (o := outcomes[k % len(outcomes)]) == "scheduled" else 422,
                    "outcome": o,
                    "created_at": now - timedelta(days=rnd.random() * 90),
                }
                for k in range(friends // 10)
            ),
        ),
        "shopify_flow_trigger_calls": _bulk(
            engine,
            "shopify_flow_trigger_calls",
            (
                {
                    "shop_id": shop_id,
                    "handle": handles[k % 3],
                    "dedupe_key": f"bench-{k}",
                    "payload": {"customer_id": 10_000_000 + k},
                    "status": "sent" if k % 20 else "failed",
                    "attempts": 1,
                    "next_at": (at := now - timedelta(days=rnd.random() * 90)),
                    "sent_at": at if k % 20 else None,
                    "created_at": at,
                }
                for k in range(friends // 25)
            ),
        ),
    }
    sizes["compliance_requests"] = _bulk(
        engine,
        "compliance_requests",
        (
            {
                "shop_id": shop_id,
                "topic": topic,
                "customer_shopify_id": 10_000_000 + k,
                "request_id": 900 + k,
                "status": "completed",
                "export": {"customer": {"id": 10_000_000 + k}, "line_friend": None, "messages": []}
                if topic == "customers/data_request"
                else None,
                "created_at": now - timedelta(days=10 * k),
                "completed_at": now - timedelta(days=10 * k),
            }
            for k, topic in enumerate(("customers/data_request", "customers/redact") * 3)
        ),
    )
    return sizes
