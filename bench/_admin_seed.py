"""One demo shop at scale for bench/admin.py: customers, LINE friends, notifications spread
over 90 days across flows and statuses, tracked links, clicks and attributed orders.
Bulk inserts through SQLAlchemy Core executemany, in chunks."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import Engine, insert
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers the tables)
from app.flows.registry import Flow
from app.timeutil import utcnow

CHUNK = 20_000
FLOWS = (Flow.ABANDONED_CHECKOUT, Flow.ORDER_CONFIRMATION, Flow.SHIPPING_UPDATE, Flow.REPURCHASE)
STATUSES = ("sent",) * 14 + ("scheduled", "failed", "cancelled", "skipped")
FAMILY = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤")
GIVEN = ("花子", "太郎", "美咲", "健太", "陽菜", "翔", "結衣", "大輝", "さくら", "蓮")


def _table(name: str):
    return SQLModel.metadata.tables[name]


def _bulk(engine: Engine, table: str, rows) -> int:
    total, batch = 0, []
    with engine.begin() as conn:
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK:
                conn.execute(insert(_table(table)), batch)
                total, batch = total + len(batch), []
        if batch:
            conn.execute(insert(_table(table)), batch)
            total += len(batch)
    return total


def seed(engine: Engine, *, customers: int, notifications: int) -> dict[str, int]:
    rnd, now = random.Random(7), utcnow()
    with engine.begin() as conn:
        shop_id = conn.execute(
            insert(_table("shops"))
            .values(
                domain="tsunagu-demo.myshopify.com",
                name="つなぐ ベンチストア",
                is_demo=True,
                installed_at=now,
                created_at=now,
                updated_at=now,
            )
            .returning(_table("shops").c.id)
        ).scalar_one()
        first_customer = 1
    sizes = {
        "customers": _bulk(
            engine,
            "customers",
            (
                {
                    "id": first_customer + i,
                    "shop_id": shop_id,
                    "shopify_id": 10_000_000 + i,
                    "email": f"user{i}@example.jp",
                    "first_name": GIVEN[i % 10],
                    "last_name": FAMILY[(i // 10) % 10] + str(i),
                    "tags": "",
                    "orders_count": i % 5,
                    "total_spent": Decimal(i % 50 * 1000),
                    "created_at": now - timedelta(days=rnd.random() * 365),
                    "updated_at": now,
                }
                for i in range(customers)
            ),
        )
    }
    friends = customers // 2  # half the customers follow the shop on LINE
    sizes["line_friends"] = _bulk(
        engine,
        "line_friends",
        (
            {
                "id": 1 + i,
                "shop_id": shop_id,
                "line_user_id": f"U{i:032x}",
                "display_name": GIVEN[i % 10],
                "customer_id": first_customer + i * 2,
                "followed_at": now - timedelta(days=rnd.random() * 200),
                "is_blocked": i % 25 == 0,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(friends)
        ),
    )
    ids: list[uuid.UUID] = []

    def messages():
        for i in range(notifications):
            nid, due = uuid.UUID(int=rnd.getrandbits(128)), now - timedelta(days=rnd.random() * 90)
            status, friend = STATUSES[i % len(STATUSES)], 1 + rnd.randrange(friends)
            if i % 50 == 0:
                ids.append(nid)
            yield {
                "id": nid,
                "shop_id": shop_id,
                "friend_id": friend,
                "customer_id": first_customer + (friend - 1) * 2,
                "flow": FLOWS[i % 4],
                "step": 0,
                "dedupe_key": f"bench-{i}",
                "marketing": i % 4 in (0, 3),
                "due_at": due,
                "status": status,
                "attempts": 1 if status != "scheduled" else 0,
                "messages": [{"type": "text", "text": "ご注文ありがとうございます"}],
                "context": {},
                "sent_at": due + timedelta(seconds=3) if status == "sent" else None,
                "reason": "quiet_hours" if status == "skipped" else None,
                "created_at": due,
                "updated_at": due,
            }

    sizes["notifications"] = _bulk(engine, "notifications", messages())
    sizes.update(_clicks_and_orders(engine, rnd, shop_id, ids, first_customer, now))
    return sizes


def _clicks_and_orders(engine, rnd, shop_id, ids, first_customer, now) -> dict[str, int]:
    """A link in every 50th message; some are clicked; some clicks end in an attributed order."""
    links = _bulk(
        engine,
        "tracked_links",
        (
            {
                "id": 1 + i,
                "shop_id": shop_id,
                "token": f"t{i:012d}",
                "notification_id": nid,
                "flow": FLOWS[i % 4],
                "target": "https://tsunagu-demo.myshopify.com/products/x",
                "clicks": 1 if i % 3 == 0 else 0,
                "created_at": now,
            }
            for i, nid in enumerate(ids)
        ),
    )
    clicks = _bulk(
        engine,
        "link_clicks",
        (
            {
                "shop_id": shop_id,
                "link_id": 1 + i,
                "notification_id": nid,
                "flow": FLOWS[i % 4],
                "clicked_at": now - timedelta(days=rnd.random() * 90),
            }
            for i, nid in enumerate(ids)
            if i % 3 == 0
        ),
    )
    chosen = [(i, nid) for i, nid in enumerate(ids) if i % 9 == 0]
    orders = _bulk(
        engine,
        "orders",
        (
            {
                "id": 1 + k,
                "shop_id": shop_id,
                "shopify_id": 50_000_000 + k,
                "name": f"#{1001 + k}",
                "currency": "JPY",
                "created_at": now,
                "updated_at": now,
            }
            for k, _ in enumerate(chosen)
        ),
    )
    attributions = _bulk(
        engine,
        "attributions",
        (
            {
                "shop_id": shop_id,
                "order_id": 1 + k,
                "notification_id": nid,
                "flow": FLOWS[i % 4],
                "kind": "click",
                "revenue": Decimal(3000 + k % 20 * 500),
                "currency": "JPY",
                "ordered_at": now - timedelta(days=rnd.random() * 90),
                "created_at": now,
            }
            for k, (i, nid) in enumerate(chosen)
        ),
    )
    return {"tracked_links": links, "link_clicks": clicks, "orders": orders, "attributions": attributions}
