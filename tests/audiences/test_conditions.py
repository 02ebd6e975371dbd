"""Each audience condition against rows arranged around its edges, on SQLite and PostgreSQL:
linked and unlinked friends, day boundaries in the shop's time zone, every comparison,
AND/OR nesting, and blocked or opted-out friends never counted."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from app.audiences.service import contains, count, members
from app.models import Customer, LineFriend, LinkClick, Notification, Order, OrderLineItem, Product, TrackedLink
from tests.helpers import make_shop

# 2026-12-02 12:00 in Tokyo. "Within 30 days" starts 2026-11-02 00:00 JST = 11-01 15:00 UTC.
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
EDGE_30 = datetime(2026, 11, 1, 15, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
_ids = itertools.count(5000)


class Store:
    """Arranges one shop's friends, customers and orders; `who(cond)` names who matches."""

    def __init__(self, db, shop):
        self.db, self.shop = db, shop

    def customer(self, **fields) -> Customer:
        row = Customer(shop_id=self.shop.id, shopify_id=next(_ids), **fields)
        self.db.add(row)
        self.db.commit()
        return row

    def friend(self, name: str, customer: Customer | None = None, **fields) -> LineFriend:
        fields.setdefault("followed_at", NOW - timedelta(days=400))
        row = LineFriend(
            shop_id=self.shop.id,
            line_user_id=f"U{uuid.uuid4().hex}",
            display_name=name,
            customer_id=customer.id if customer else None,
            **fields,
        )
        self.db.add(row)
        self.db.commit()
        return row

    def linked(self, name: str, **customer_fields) -> LineFriend:
        return self.friend(name, self.customer(**customer_fields))

    def order(self, friend: LineFriend, at: datetime, *, products=(), **fields) -> Order:
        customer = self.db.get(Customer, friend.customer_id)
        row = Order(
            shop_id=self.shop.id,
            shopify_id=next(_ids),
            customer_shopify_id=customer.shopify_id,
            processed_at=at,
            total_price=Decimal("1000"),
            **fields,
        )
        self.db.add(row)
        self.db.flush()
        for product in products:
            self.db.add(
                OrderLineItem(
                    shop_id=self.shop.id, order_id=row.id, shopify_id=next(_ids), product_shopify_id=product.shopify_id
                )
            )
        self.db.commit()
        return row

    def product(self, handle: str, **fields) -> Product:
        row = Product(shop_id=self.shop.id, shopify_id=next(_ids), handle=handle, title=handle, **fields)
        self.db.add(row)
        self.db.commit()
        return row

    def sent(self, friend: LineFriend, at: datetime, *, marketing: bool = True, status: str = "sent") -> Notification:
        row = Notification(
            shop_id=self.shop.id,
            friend_id=friend.id,
            customer_id=friend.customer_id,
            flow="abandoned_checkout" if marketing else "order_confirmation",
            dedupe_key=f"k{next(_ids)}",
            marketing=marketing,
            due_at=at,
            status=status,
            sent_at=at if status == "sent" else None,
        )
        self.db.add(row)
        self.db.commit()
        return row

    def click(self, at: datetime, *, notification: Notification | None = None, customer_id: int | None = None):
        link = TrackedLink(
            shop_id=self.shop.id,
            token=uuid.uuid4().hex[:20],
            notification_id=notification.id if notification else None,
            customer_id=customer_id,
            flow="abandoned_checkout",
            target="https://example.com/",
        )
        self.db.add(link)
        self.db.flush()
        self.db.add(
            LinkClick(
                shop_id=self.shop.id,
                link_id=link.id,
                notification_id=link.notification_id,
                customer_id=customer_id,
                flow=link.flow,
                clicked_at=at,
            )
        )
        self.db.commit()

    def who(self, *conditions, match: str = "all") -> set[str]:
        definition = {"match": "all", "groups": [{"match": match, "conditions": list(conditions)}]}
        return self.names(definition)

    def names(self, definition: dict) -> set[str]:
        ids = list(members(session=self.db, shop=self.shop, definition=definition, now=NOW))
        found = dict(self.db.exec(select(LineFriend.id, LineFriend.display_name).where(LineFriend.id.in_(ids))).all())
        size = count(session=self.db, shop=self.shop, definition=definition, now=NOW)
        assert size.total == len(ids)  # the count and the member list agree
        # One friend at a time (correlated probes) agrees with the whole shop's list.
        every = self.db.exec(select(LineFriend.id).where(LineFriend.shop_id == self.shop.id)).all()
        inside = {
            f for f in every if contains(session=self.db, shop=self.shop, definition=definition, friend_id=f, now=NOW)
        }
        assert inside == set(ids)
        return set(found.values())


@pytest.fixture
def store(db, shop):
    return Store(db, shop)


def test_blocked_and_opted_out_friends_are_never_in_an_audience(store, db):
    store.friend("unlinked")
    store.linked("linked")
    store.friend("blocked", is_blocked=True, blocked_at=NOW)
    store.friend("opted out", store.customer(), marketing_opt_out_at=NOW)
    other = make_shop(db, "other-shop.myshopify.com")
    Store(db, other).friend("another shop's")

    everyone = {"match": "all", "groups": []}
    assert store.names(everyone) == {"unlinked", "linked"}
    size = count(session=db, shop=store.shop, definition=everyone, now=NOW)
    assert (size.linked, size.unlinked, size.total) == (1, 1, 2)
    blocked = db.exec(select(LineFriend).where(LineFriend.display_name == "blocked")).one()
    assert not contains(session=db, shop=store.shop, definition=everyone, friend_id=blocked.id, now=NOW)


def test_linked_or_not(store):
    store.friend("unlinked")
    store.linked("linked")
    assert store.who({"field": "linked", "value": True}) == {"linked"}
    assert store.who({"field": "linked", "value": False}) == {"unlinked"}


def test_friend_since_counts_whole_days_in_the_shops_zone(store):
    store.friend("at the edge", followed_at=EDGE_30)
    store.friend("a second before", followed_at=EDGE_30 - SECOND)
    store.friend("no follow time", followed_at=None, created_at=NOW - timedelta(hours=1))

    assert store.who({"field": "friend_since", "op": "within", "days": 30}) == {"at the edge", "no follow time"}
    assert store.who({"field": "friend_since", "op": "not_within", "days": 30}) == {"a second before"}
    # 2026-11-02 as a date in Tokyo starts at the same instant.
    assert store.who({"field": "friend_since", "op": "on_or_after", "date": "2026-11-02"}) == {
        "at the edge",
        "no follow time",
    }
    assert store.who({"field": "friend_since", "op": "before", "date": "2026-11-02"}) == {"a second before"}


def test_day_boundaries_follow_the_zone_across_a_dst_change(db):
    shop = make_shop(db, "ny-shop.myshopify.com", timezone="America/New_York")
    store = Store(db, shop)
    # NOW is 2026-12-01 22:00 in New York (EST). Within 40 days starts 2026-10-22 00:00 EDT
    # (UTC-4, before the 11-01 change): 04:00 UTC, not the 05:00 a fixed EST offset gives.
    edge = datetime(2026, 10, 22, 4, 0, tzinfo=UTC)
    store.friend("at the edge", followed_at=edge)
    store.friend("a second before", followed_at=edge - SECOND)
    assert store.who({"field": "friend_since", "op": "within", "days": 40}) == {"at the edge"}


def test_language_matches_the_tag_or_its_region(store):
    store.friend("ja", language="ja")
    store.friend("en", language="en")
    store.friend("zh-Hant", language="zh-Hant")
    store.friend("unknown", language=None)
    assert store.who({"field": "language", "op": "in", "values": ["en", "zh"]}) == {"en", "zh-Hant"}
    assert store.who({"field": "language", "op": "in", "values": ["zh-hant"]}) == {"zh-Hant"}
    assert store.who({"field": "language", "op": "not_in", "values": ["ja"]}) == {"en", "zh-Hant", "unknown"}


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("gte", 3, {"three", "ten"}),
        ("gt", 3, {"ten"}),
        ("lte", 3, {"zero", "three"}),
        ("lt", 3, {"zero"}),
        ("eq", 0, {"zero"}),
    ],
)
def test_orders_count_compares_and_leaves_out_the_unlinked(store, op, value, expected):
    store.linked("zero", orders_count=0)
    store.linked("three", orders_count=3)
    store.linked("ten", orders_count=10)
    store.friend("unlinked")  # knows no orders: not even "0 orders"
    assert store.who({"field": "orders_count", "op": op, "value": value}) == expected


def test_total_spent_compares_amounts(store):
    store.linked("just under", total_spent=Decimal("29999.99"))
    store.linked("exactly", total_spent=Decimal("30000"))
    store.linked("more", total_spent=Decimal("120000"))
    store.friend("unlinked")
    assert store.who({"field": "total_spent", "op": "gte", "value": "30000"}) == {"exactly", "more"}
    assert store.who({"field": "total_spent", "op": "lt", "value": 30000}) == {"just under"}


def test_last_order_within_and_not_within_at_the_day_edge(store):
    edge = store.linked("ordered at the edge")
    store.order(edge, EDGE_30)
    before = store.linked("ordered a second before")
    store.order(before, EDGE_30 - SECOND)
    cancelled = store.linked("only a cancelled order")
    store.order(cancelled, NOW - timedelta(days=1), cancelled_at=NOW)
    store.linked("never ordered")
    store.friend("unlinked")

    assert store.who({"field": "last_order", "op": "within", "days": 30}) == {"ordered at the edge"}
    assert store.who({"field": "last_order", "op": "not_within", "days": 30}) == {
        "ordered a second before",
        "only a cancelled order",
        "never ordered",
    }


def test_first_order_within(store):
    new = store.linked("first order recently")
    store.order(new, NOW - timedelta(days=3))
    old = store.linked("ordered long ago and recently")
    store.order(old, NOW - timedelta(days=300))
    store.order(old, NOW - timedelta(days=2))
    store.linked("never ordered")

    assert store.who({"field": "first_order", "op": "within", "days": 30}) == {"first order recently"}
    assert store.who({"field": "first_order", "op": "not_within", "days": 30}) == {
        "ordered long ago and recently",
        "never ordered",
    }


def test_bought_a_product_type_vendor_or_tag_ever_or_lately(store):
    tea = store.product("sencha", product_type="緑茶", vendor="静岡茶園", tags="新茶, ギフト")
    cup = store.product("yunomi", product_type="茶器", vendor="美濃焼", tags="ギフト2")
    tea_buyer = store.linked("bought tea long ago")
    store.order(tea_buyer, NOW - timedelta(days=200), products=[tea])
    cup_buyer = store.linked("bought a cup lately")
    store.order(cup_buyer, NOW - timedelta(days=5), products=[cup])
    store.linked("bought nothing")
    store.friend("unlinked")

    def bought(by, values, **extra):
        return store.who({"field": "bought", "by": by, "values": values, "op": "bought", **extra})

    assert bought("product", [tea.shopify_id]) == {"bought tea long ago"}
    assert bought("product_type", ["緑茶", "茶器"]) == {"bought tea long ago", "bought a cup lately"}
    assert bought("product_type", ["緑茶", "茶器"], days=30) == {"bought a cup lately"}
    assert bought("vendor", ["美濃焼"]) == {"bought a cup lately"}
    assert bought("tag", ["ギフト"]) == {"bought tea long ago"}  # a whole tag: not "ギフト2"
    assert store.who({"field": "bought", "by": "product_type", "values": ["緑茶"], "op": "not_bought"}) == {
        "bought a cup lately",
        "bought nothing",
    }


def test_customer_tags_match_whole_tags_ignoring_case(store):
    store.linked("vip", tags="VIP, リピーター")
    store.linked("vip2", tags="VIP2")
    store.linked("lower", tags="newsletter,vip")
    store.linked("none", tags="")
    store.friend("unlinked")
    assert store.who({"field": "customer_tag", "op": "any", "values": ["vip"]}) == {"vip", "lower"}
    assert store.who({"field": "customer_tag", "op": "any", "values": ["VIP2", "リピーター"]}) == {"vip", "vip2"}
    assert store.who({"field": "customer_tag", "op": "none", "values": ["VIP"]}) == {"vip2", "none"}


def test_prefecture_from_the_default_address(store):
    store.linked("tokyo", province_code="JP-13")
    store.linked("osaka", province_code="JP-27")
    store.linked("no address")
    store.friend("unlinked")
    assert store.who({"field": "prefecture", "op": "in", "values": ["JP-13", "JP-14"]}) == {"tokyo"}
    assert store.who({"field": "prefecture", "op": "not_in", "values": ["JP-13"]}) == {"osaka", "no address"}


def test_clicked_a_line_message_through_the_message_or_the_customer(store):
    unlinked = store.friend("unlinked clicker")
    store.click(EDGE_30, notification=store.sent(unlinked, EDGE_30 - timedelta(hours=1)))
    linked = store.linked("linked clicker")
    store.click(NOW - timedelta(days=1), customer_id=linked.customer_id)  # a link without a message
    late = store.friend("clicked a second too early")
    store.click(EDGE_30 - SECOND, notification=store.sent(late, EDGE_30 - timedelta(days=1)))
    store.friend("never clicked")

    assert store.who({"field": "clicked", "op": "within", "days": 30}) == {"unlinked clicker", "linked clicker"}
    assert store.who({"field": "clicked", "op": "not_within", "days": 30}) == {
        "clicked a second too early",
        "never clicked",
    }


def test_received_a_marketing_message(store):
    store.sent(store.friend("reminded"), EDGE_30)
    store.sent(store.friend("reminded too early"), EDGE_30 - SECOND)
    store.sent(store.friend("order confirmation only"), NOW - timedelta(days=1), marketing=False)
    store.sent(store.friend("reminder skipped"), NOW - timedelta(days=1), status="skipped")

    assert store.who({"field": "received_marketing", "op": "within", "days": 30}) == {"reminded"}
    assert store.who({"field": "received_marketing", "op": "not_within", "days": 30}) == {
        "reminded too early",
        "order confirmation only",
        "reminder skipped",
    }


def test_groups_nest_and_or(store):
    store.linked("tokyo vip", province_code="JP-13", total_spent=Decimal("50000"))
    store.linked("tokyo", province_code="JP-13", total_spent=Decimal("100"))
    store.linked("osaka vip", province_code="JP-27", total_spent=Decimal("50000"))
    store.friend("new unlinked", followed_at=NOW - timedelta(days=2))
    store.friend("old unlinked")
    vip = {"field": "total_spent", "op": "gte", "value": 30000}
    tokyo = {"field": "prefecture", "op": "in", "values": ["JP-13"]}
    new = {"field": "friend_since", "op": "within", "days": 7}
    unlinked = {"field": "linked", "value": False}

    assert store.who(vip, tokyo) == {"tokyo vip"}
    assert store.who(vip, tokyo, match="any") == {"tokyo vip", "tokyo", "osaka vip"}
    both = {
        "match": "any",
        "groups": [{"match": "all", "conditions": [vip, tokyo]}, {"match": "all", "conditions": [unlinked, new]}],
    }
    assert store.names(both) == {"tokyo vip", "new unlinked"}
    either = {
        "match": "all",
        "groups": [{"match": "any", "conditions": [vip, unlinked]}, {"match": "any", "conditions": [tokyo, new]}],
    }
    assert store.names(either) == {"tokyo vip", "new unlinked"}


def test_members_come_in_id_order_across_chunks(store, db):
    made = [store.friend(f"f{i}").id for i in range(7)]
    store.friend("blocked", is_blocked=True)
    got = list(members(session=db, shop=store.shop, definition={"groups": []}, now=NOW, chunk=2))
    assert got == sorted(made)
