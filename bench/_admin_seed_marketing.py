"""The marketing half of bench/admin.py's shop, in proportion to its friends: friend sources
with their visits and days, saved segments, ~100 campaigns over 90 days sent in chunks of
500 (a few to every reachable friend, some with a holdout or an A/B test) with LINE's
insight, tracked links and clicks, and the orders and blocks the results pages weigh.

Rows are written as the app writes them (chunks' friend ids ascending in a JSON array, one
link per campaign and variant, visits counted into friend_source_days); bulk inserts through
bench/_admin_seed.py's `_bulk`. The dashboard's rollups are rebuilt by the caller afterwards
(app/tracking/rollup_rebuild.py counts chunks, clicks, orders and blocks).
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, insert, text

from app.tracking.rollups import CAMPAIGN_FLOW
from bench._admin_seed import _bulk, _table

SOURCES, SEGMENTS, CAMPAIGNS, CHUNK = 50, 10, 100, 500
ORDER_IDS = 1_000_000  # the base seed's orders and links use ids from 1
LINK_IDS = 1_000_000


def fix_id_sequences(engine: Engine, tables: tuple[str, ...]) -> None:
    """PostgreSQL: move each table's id sequence past the ids written explicitly, so rows the
    app inserts later (a saved menu's links, a recount) do not collide with seeded ones."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for table in tables:
            conn.execute(
                text(f"select setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 1)) from {table}")
            )


def seed(engine: Engine, rnd, *, shop_id: int, friends: int, now: datetime) -> dict[str, int]:
    sizes = _sources(engine, rnd, shop_id, friends, now)
    sizes["segments"] = _segments(engine, shop_id, now)
    sizes.update(_campaigns(engine, rnd, shop_id, friends, now))
    sizes.update(_orders_and_blocks(engine, rnd, shop_id, friends, now))
    return sizes


def _sources(engine, rnd, shop_id: int, friends: int, now: datetime) -> dict[str, int]:
    """50 sources; 60% as many visits as friends over 90 days, 40% of them new friends; a third
    of the friends carry the source that brought them."""
    sizes = {
        "friend_sources": _bulk(
            engine,
            "friend_sources",
            (
                {
                    "id": 1 + s,
                    "shop_id": shop_id,
                    "name": f"店頭POP {s + 1}" if s % 2 else f"同梱チラシ {s + 1}",
                    "slug": f"src-{s + 1}",
                    "tag": f"経路{s % 5 + 1}",
                    "cost_yen": 5_000 * (s % 10 + 1),
                    "created_at": now - timedelta(days=120),
                    "updated_at": now,
                }
                for s in range(SOURCES)
            ),
        )
    }
    days: Counter = Counter()

    def visits():
        for _ in range(friends * 6 // 10):
            source, at = 1 + rnd.randrange(SOURCES), now - timedelta(days=rnd.random() * 90)
            new = rnd.random() < 0.4
            days[(source, at.date())] += 1
            if new:
                days[(source, at.date(), "new")] += 1
            yield {
                "shop_id": shop_id,
                "source_id": source,
                "visited_at": at,
                "ip_hash": f"{rnd.getrandbits(64):016x}" * 4,
                "route": "login",
                "outcome": "new" if new else "existing",
                "resolved_at": at + timedelta(seconds=20),
                "line_friend_id": 1 + rnd.randrange(friends),
                "greeted_at": at + timedelta(seconds=21) if new else None,
            }

    sizes["friend_source_visits"] = _bulk(engine, "friend_source_visits", visits())
    sizes["friend_source_days"] = _bulk(
        engine,
        "friend_source_days",
        (
            {"shop_id": shop_id, "source_id": k[0], "day": k[1], "visits": n, "new_friends": days[(*k, "new")]}
            for k, n in days.items()
            if len(k) == 2
        ),
    )
    with engine.begin() as conn:
        conn.execute(
            text(
                "update line_friends set source_id = 1 + id % :n, source_at = followed_at, tags = :tag "
                "where shop_id = :shop and id % 3 = 0"
            ),
            {"n": SOURCES, "shop": shop_id, "tag": "経路1"},
        )
        conn.execute(  # a friend with a customer was linked (the base seed names the customer only)
            text(
                "update line_friends set linked_at = followed_at, link_method = 'chat' "
                "where shop_id = :shop and customer_id is not null"
            ),
            {"shop": shop_id},
        )
    return sizes


SEGMENT_DEFINITIONS = (
    ("連携済み", [{"field": "linked", "value": True}]),
    ("リピーター", [{"field": "orders_count", "op": "gte", "value": 2}]),
    ("VIP (2万円以上)", [{"field": "total_spent", "op": "gte", "value": 20000}]),
    ("新しい友だち", [{"field": "friend_since", "op": "within", "days": 30}]),
    ("最近クリック", [{"field": "clicked", "op": "within", "days": 30}]),
    ("配信お休み中", [{"field": "received_marketing", "op": "not_within", "days": 14}]),
    ("店頭POPから", [{"field": "source", "op": "in", "values": [1, 3, 5]}]),
    ("60日以内に購入", [{"field": "last_order", "op": "within", "days": 60}]),
    ("日本語", [{"field": "language", "op": "in", "values": ["ja"]}]),
    ("経路タグ", [{"field": "friend_tag", "op": "any", "values": ["経路1"]}]),
)


def _segments(engine, shop_id: int, now: datetime) -> int:
    return _bulk(
        engine,
        "segments",
        (
            {
                "id": 1 + k,
                "shop_id": shop_id,
                "name": name,
                "definition": {"match": "all", "groups": [{"match": "all", "conditions": conditions}]},
                "created_at": now - timedelta(days=100),
                "updated_at": now,
            }
            for k, (name, conditions) in enumerate(SEGMENT_DEFINITIONS[:SEGMENTS])
        ),
    )


def _campaign_plan(c: int, friends: int, rnd) -> tuple[dict, list[int]]:
    """Campaign c's audience and the friend ids it went to: every 20th to every reachable
    friend (blocked ones, every 25th, left out), the rest to a segment's 10–30% of them."""
    reachable = [f for f in range(1, friends + 1) if (f - 1) % 25]
    if c % 20 == 0 or c == CAMPAIGNS - 1:  # the last, a draft, too: its forecast counts them all
        return {"kind": "all"}, reachable
    share, start = 0.1 + rnd.random() * 0.2, rnd.randrange(len(reachable))
    n = int(len(reachable) * share)
    chosen = sorted((reachable + reachable)[start : start + n])
    return {"kind": "segment", "segment_id": 1 + c % SEGMENTS}, chosen


def _campaigns(engine, rnd, shop_id: int, friends: int, now: datetime) -> dict[str, int]:
    rows, chunks, holdouts, insights, links, clicks = [], [], [], [], [], []
    for c in range(CAMPAIGNS):
        cid, created = 1 + c, now - timedelta(days=90 - c * 0.88)
        audience, ids = _campaign_plan(c, friends, rnd)
        ab, holdout = c % 5 == 0, 10 if c % 40 == 0 else 0
        draft = c >= CAMPAIGNS - 2
        held = set(ids[:: 100 // holdout]) if holdout else set()
        sent_ids = [f for f in ids if f not in held]
        variants = 2 if ab else 1
        started = created + timedelta(hours=2)
        groups = [sent_ids[i : i + CHUNK] for i in range(0, len(sent_ids), CHUNK)]
        for number, group in enumerate([] if draft else groups):
            delivered = sum(1 for f in group if f % 97)  # a few blocked since planning
            chunks.append(
                {
                    "shop_id": shop_id,
                    "campaign_id": cid,
                    "number": number,
                    "variant": number % variants,
                    "friend_ids": group,
                    "retry_key": uuid.UUID(int=rnd.getrandbits(128)),
                    "status": "sent",
                    "attempts": 1,
                    "claimed_at": started + timedelta(seconds=number),
                    "sent_at": started + timedelta(seconds=number),
                    "delivered": delivered,
                }
            )
        holdouts += [{"campaign_id": cid, "friend_id": f, "shop_id": shop_id} for f in ([] if draft else held)]
        for v in range(0 if draft else variants):
            reached = sum(len(g) for i, g in enumerate(groups) if i % variants == v)
            insights.append(
                {
                    "shop_id": shop_id,
                    "campaign_id": cid,
                    "variant": v,
                    "unit": f"c{cid}v{v}",
                    "opened": int(reached * 0.45) if reached * 0.45 >= 20 else None,
                    "clicked": int(reached * 0.04) if reached * 0.04 >= 20 else None,
                    "fetched_at": min(now, started + timedelta(days=3)),
                }
            )
            link_id = LINK_IDS + len(links) + 1
            links.append(
                {
                    "id": link_id,
                    "shop_id": shop_id,
                    "token": f"c{cid:05d}v{v}{rnd.getrandbits(48):012x}",
                    "flow": CAMPAIGN_FLOW,
                    "campaign_id": cid,
                    "variant": v,
                    "target": f"https://tsunagu-demo.myshopify.com/collections/sale-{cid}",
                    "clicks": int(reached * 0.03),
                    "created_at": started,
                }
            )
            clicks += [
                {
                    "shop_id": shop_id,
                    "link_id": link_id,
                    "flow": CAMPAIGN_FLOW,
                    "clicked_at": min(now, started + timedelta(hours=rnd.random() * 72)),
                }
                for _ in range(int(reached * 0.03))
            ]
        messages = [{"type": "text", "text": f"【{cid}】週末セールのお知らせです。"}]
        rows.append(
            {
                "id": cid,
                "shop_id": shop_id,
                "uid": uuid.UUID(int=rnd.getrandbits(128)),
                "name": f"{created:%m/%d} {'全員' if audience['kind'] == 'all' else 'セグメント'}配信 {cid}",
                "status": "draft" if draft else "done",
                "audience": audience,
                "messages": messages,
                "blocks": [{"type": "text", "text": messages[0]["text"]}],
                "variants": [{"name": n, "messages": messages} for n in ("A", "B")] if ab else [],
                "holdout_share": holdout,
                "transport": None if draft else "multicast",
                "forecast": {} if draft else {"recipients": len(sent_ids), "quota_used": 0},
                "recipients": 0 if draft else len(sent_ids),
                "excluded": {} if draft else {"blocked": friends // 25, "holdout": len(held)},
                "chunks_total": 0 if draft else len(groups),
                "chunks_done": 0 if draft else len(groups),
                "sent_count": 0 if draft else sum(ch["delivered"] for ch in chunks if ch["campaign_id"] == cid),
                "started_at": None if draft else started,
                "finished_at": None if draft else started + timedelta(minutes=len(groups) // 60 + 1),
                "created_at": created,
                "updated_at": created,
            }
        )
    return {
        "campaigns": _bulk(engine, "campaigns", rows),
        "campaign_chunks": _bulk(engine, "campaign_chunks", chunks),
        "campaign_holdouts": _bulk(engine, "campaign_holdouts", holdouts),
        "campaign_insights": _bulk(engine, "campaign_insights", insights),
        "tracked_links (campaigns)": _bulk(engine, "tracked_links", links),
        "link_clicks (campaigns)": _bulk(engine, "link_clicks", clicks),
    }


def _orders_and_blocks(engine, rnd, shop_id: int, friends: int, now: datetime) -> dict[str, int]:
    """Orders by linked friends' customers (friend f is customer 2f - 1, Shopify id
    10,000,000 + 2f - 2) over 90 days, one in fifty cancelled; a block row for every blocked
    friend (the base seed blocks every 25th)."""
    orders = _bulk(
        engine,
        "orders",
        (
            {
                "id": ORDER_IDS + k,
                "shop_id": shop_id,
                "shopify_id": 60_000_000 + k,
                "customer_shopify_id": 10_000_000 + 2 * rnd.randrange(friends),
                "name": f"#{20001 + k}",
                "currency": "JPY",
                "total_price": Decimal(2000 + rnd.randrange(40) * 500),
                "subtotal_price": Decimal(2000 + rnd.randrange(40) * 500),
                "financial_status": "paid",
                "processed_at": (at := now - timedelta(days=rnd.random() * 90)),
                "cancelled_at": at + timedelta(days=1) if k % 50 == 0 else None,
                "created_at": at,
                "updated_at": at,
            }
            for k in range(friends // 5)
        ),
    )
    blocks = _bulk(
        engine,
        "friend_blocks",
        (
            {"shop_id": shop_id, "friend_id": f, "blocked_at": now - timedelta(days=rnd.random() * 90)}
            for f in range(1, friends + 1, 25)
        ),
    )
    with engine.begin() as conn:
        conn.execute(
            insert(_table("synonym_groups")),
            [
                {"shop_id": shop_id, "terms": terms, "created_at": now}
                for terms in (["tシャツ", "ティーシャツ", "tee"], ["パーカー", "フーディー"], ["靴", "シューズ"])
            ],
        )
    return {"orders (campaign window)": orders, "friend_blocks": blocks}
