"""The live count against a brute-force count in Python, on random shops and random
definitions (SQLite, and PostgreSQL when TEST_DATABASE_URL is set).

The compiler shapes its SQL for speed (customer tests gathered into one set, orders probed
per customer or read as a set, EXISTS on PostgreSQL, IN on SQLite); whatever the shape, the
friends counted must be exactly those a plain reading of the definition names. The Python
side below reads the rows as they were arranged, condition by condition, friend by friend.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from app.audiences.service import count, members
from app.models import Customer, LineFriend, LinkClick, Notification, Order, OrderLineItem, Product, TrackedLink

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
TOKYO = ZoneInfo("Asia/Tokyo")
TYPES, TAGS, PREFS, LANGS = (
    ("緑茶", "紅茶", "茶器"),
    ("VIP", "new", "ギフト"),
    ("JP-13", "JP-14", "JP-27"),
    ("ja", "en"),
)
DAYS = (1, 7, 30, 90)


def since(days: int) -> datetime:
    """Local midnight in Tokyo, `days` days before today (as the merchant reads "within")."""
    today = NOW.astimezone(TOKYO).date() - timedelta(days=days)
    return datetime(today.year, today.month, today.day, tzinfo=TOKYO)


def ago(rnd: random.Random) -> datetime:
    return NOW - timedelta(days=rnd.choice(DAYS) + rnd.uniform(-1.5, 1.5))


class World:
    """A random shop, kept both in the database and as plain Python rows."""

    def __init__(self, db, shop, rnd: random.Random):
        self.db, self.shop, self.rnd = db, shop, rnd
        self.products = [
            self.add(
                Product,
                shopify_id=900 + i,
                handle=f"p{i}",
                title="p",
                product_type=TYPES[i % 3],
                vendor="v",
                tags=TAGS[i % 3],
            )
            for i in range(6)
        ]
        self.customers = [self.customer(i) for i in range(30)]
        self.friends = [self.friend(i) for i in range(45)]
        self.orders = [o for c in self.customers for o in self.orders_of(c)]
        self.items = {o.id: self.items_of(o) for o in self.orders}
        self.sent = [self.message(f) for f in self.friends for _ in range(rnd.randrange(3))]
        self.clicks = [self.click() for _ in range(12)]
        db.commit()

    def add(self, model, **fields):
        row = model(shop_id=self.shop.id, **fields)
        self.db.add(row)
        self.db.flush()
        return row

    def customer(self, i: int) -> Customer:
        r = self.rnd
        tags = ", ".join(r.sample(TAGS, r.randrange(3)))
        return self.add(
            Customer,
            shopify_id=5000 + i,
            tags=tags,
            orders_count=r.randrange(5),
            total_spent=Decimal(r.randrange(0, 50_000, 5000)),
            province_code=r.choice((*PREFS, None)),
        )

    def friend(self, i: int) -> LineFriend:
        r = self.rnd
        linked = r.random() < 0.7 and i < len(self.customers)
        return self.add(
            LineFriend,
            line_user_id=f"U{uuid.uuid4().hex}",
            display_name=f"f{i}",
            customer_id=self.customers[i].id if linked else None,
            language=r.choice((*LANGS, None)),
            followed_at=ago(r),
            is_blocked=r.random() < 0.1,
            marketing_opt_out_at=NOW if r.random() < 0.1 else None,
        )

    def orders_of(self, customer: Customer) -> list[Order]:
        r = self.rnd
        return [
            self.add(
                Order,
                shopify_id=r.randrange(10**9),
                customer_shopify_id=customer.shopify_id,
                processed_at=ago(r),
                total_price=Decimal(1000),
                cancelled_at=NOW if r.random() < 0.15 else None,
            )
            for _ in range(r.randrange(4))
        ]

    def items_of(self, order: Order) -> list[int]:
        chosen = self.rnd.sample(self.products, self.rnd.randrange(1, 3))
        for p in chosen:
            self.add(
                OrderLineItem, order_id=order.id, shopify_id=self.rnd.randrange(10**9), product_shopify_id=p.shopify_id
            )
        return [p.shopify_id for p in chosen]

    def message(self, friend: LineFriend) -> Notification:
        r = self.rnd
        at, status = ago(r), r.choice(("sent", "sent", "failed"))
        return self.add(
            Notification,
            friend_id=friend.id,
            customer_id=friend.customer_id,
            flow="abandoned_checkout",
            dedupe_key=uuid.uuid4().hex,
            marketing=r.random() < 0.7,
            due_at=at,
            status=status,
            sent_at=at if status == "sent" else None,
        )

    def click(self) -> tuple[int | None, int | None, datetime]:
        """A click on a message's link (its friend) or on a link without one (a customer)."""
        r, at = self.rnd, ago(self.rnd)
        message = r.choice(self.sent) if r.random() < 0.6 and self.sent else None
        customer = None if message else r.choice(self.customers).id
        link = self.add(
            TrackedLink,
            token=uuid.uuid4().hex[:20],
            notification_id=message.id if message else None,
            customer_id=customer,
            flow="abandoned_checkout",
            target="https://example.com/",
        )
        self.add(
            LinkClick,
            link_id=link.id,
            notification_id=link.notification_id,
            customer_id=customer,
            flow="abandoned_checkout",
            clicked_at=at,
        )
        return (message.friend_id if message else None), customer, at

    # -- the plain reading ----------------------------------------------------------------
    def passes(self, f: LineFriend, cond: dict) -> bool:
        field = cond["field"]
        if field in ("linked", "friend_since", "language", "clicked", "received_marketing"):
            return getattr(self, "friend_" + field)(f, cond)
        customer = next((c for c in self.customers if c.id == f.customer_id), None)
        return customer is not None and getattr(self, "customer_" + field)(customer, cond)

    def friend_linked(self, f, cond):
        return (f.customer_id is not None) == cond["value"]

    def friend_friend_since(self, f, cond):
        return (f.followed_at >= since(cond["days"])) == (cond["op"] == "within")

    def friend_language(self, f, cond):
        return (f.language in cond["values"]) == (cond["op"] == "in")

    def friend_clicked(self, f, cond):
        edge = since(cond["days"])
        hit = any(
            at >= edge and (fid == f.id or (cid is not None and cid == f.customer_id)) for fid, cid, at in self.clicks
        )
        return hit == (cond["op"] == "within")

    def friend_received_marketing(self, f, cond):
        edge = since(cond["days"])
        hit = any(n.friend_id == f.id and n.marketing and n.status == "sent" and n.sent_at >= edge for n in self.sent)
        return hit == (cond["op"] == "within")

    def kept(self, c: Customer) -> list[Order]:
        return [o for o in self.orders if o.customer_shopify_id == c.shopify_id and o.cancelled_at is None]

    def customer_orders_count(self, c, cond):
        return _compare(c.orders_count, cond["op"], cond["value"])

    def customer_total_spent(self, c, cond):
        return _compare(c.total_spent, cond["op"], Decimal(cond["value"]))

    def customer_last_order(self, c, cond):
        return any(o.processed_at >= since(cond["days"]) for o in self.kept(c)) == (cond["op"] == "within")

    def customer_first_order(self, c, cond):
        dates = [o.processed_at for o in self.kept(c)]
        return (bool(dates) and min(dates) >= since(cond["days"])) == (cond["op"] == "within")

    def customer_bought(self, c, cond):
        wanted = {p.shopify_id for p in self.products if p.product_type in cond["values"]}
        edge = since(cond["days"]) if cond.get("days") else None
        hit = any(wanted & set(self.items[o.id]) for o in self.kept(c) if edge is None or o.processed_at >= edge)
        return hit == (cond["op"] == "bought")

    def customer_customer_tag(self, c, cond):
        tags = {t.strip().lower() for t in c.tags.split(",")}
        return bool(tags & {v.lower() for v in cond["values"]}) == (cond["op"] == "any")

    def customer_prefecture(self, c, cond):
        return (c.province_code in cond["values"]) == (cond["op"] == "in")

    def expected(self, definition: dict) -> set[int]:
        """The reachable friends the definition names, read one by one."""

        def group(f, g) -> bool:
            hits = [self.passes(f, c) for c in g["conditions"]]
            return all(hits) if g["match"] == "all" else any(hits)

        def inside(f) -> bool:
            groups = [group(f, g) for g in definition["groups"]]
            return all(groups) if definition["match"] == "all" else any(groups)

        reachable = [f for f in self.friends if not f.is_blocked and f.marketing_opt_out_at is None]
        return {f.id for f in reachable if inside(f)}


def _compare(value, op: str, to) -> bool:
    return {"gte": value >= to, "gt": value > to, "lte": value <= to, "lt": value < to, "eq": value == to}[op]


def random_condition(rnd: random.Random) -> dict:
    period = {"op": rnd.choice(("within", "not_within")), "days": rnd.choice(DAYS)}
    return rnd.choice(
        [
            {"field": "linked", "value": rnd.random() < 0.5},
            {"field": "friend_since", **period},
            {"field": "language", "op": rnd.choice(("in", "not_in")), "values": [rnd.choice(LANGS)]},
            {"field": "orders_count", "op": rnd.choice(("gte", "lt", "eq")), "value": rnd.randrange(4)},
            {"field": "total_spent", "op": rnd.choice(("gte", "lte")), "value": str(rnd.randrange(0, 50_000, 5000))},
            {"field": "last_order", **period},
            {"field": "first_order", **period},
            {
                "field": "bought",
                "by": "product_type",
                "values": [rnd.choice(TYPES)],
                "op": rnd.choice(("bought", "not_bought")),
                "days": rnd.choice((None, *DAYS)),
            },
            {"field": "customer_tag", "op": rnd.choice(("any", "none")), "values": [rnd.choice(TAGS)]},
            {"field": "prefecture", "op": rnd.choice(("in", "not_in")), "values": rnd.sample(PREFS, 2)},
            {"field": "clicked", **period},
            {"field": "received_marketing", **period},
        ]
    )


def random_definition(rnd: random.Random) -> dict:
    groups = [
        {"match": rnd.choice(("all", "any")), "conditions": [random_condition(rnd) for _ in range(rnd.randrange(1, 5))]}
        for _ in range(rnd.randrange(1, 3))
    ]
    return {"match": rnd.choice(("all", "any")), "groups": groups}


@pytest.mark.parametrize("seed", range(3))
def test_the_count_is_the_brute_force_count(db, shop, seed):
    rnd = random.Random(seed)
    world = World(db, shop, rnd)
    for _ in range(60):
        definition = random_definition(rnd)
        expected = world.expected(definition)
        size = count(session=db, shop=shop, definition=definition, now=NOW)
        listed = set(members(session=db, shop=shop, definition=definition, now=NOW))
        linked = {f.id for f in world.friends if f.customer_id is not None} & expected
        assert listed == expected, definition
        assert (size.total, size.linked) == (len(expected), len(linked)), definition
