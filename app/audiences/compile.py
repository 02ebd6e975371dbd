"""A checked definition (definition.py) as SQL: one WHERE clause over `line_friends`.

Every condition is a column test or a subquery the database works out inside the one
statement, never a loop over friends in Python. Store conditions are tests of the linked
customer's row (false for the unlinked; the negative ones are "linked and not …"); a group
gathers them into one `customer_id IN (SELECT customers …)`, so the cheap column tests
(spent, prefecture) narrow the customers before their orders are read (see OfCustomer).
The shape follows the database: IN sets on SQLite, correlated EXISTS on PostgreSQL (see
Compiler), the same friends either way (tests/audiences/test_random_counts.py).

Days are whole days in the shop's time zone, as Shopify's own segments count them:
"within 30 days" starts at local midnight 30 days before today, so on 12/02 it holds from
11/02 00:00 (Asia/Tokyo) until now.

Blocked friends and those who opted out of marketing (配信停止) are never in an audience.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, exists, func, literal, not_, or_, select, true
from sqlalchemy.sql import Select

from ..formatting import zone
from ..models import (
    Customer,
    LineFriend,
    LinkClick,
    Notification,
    NotificationStatus,
    Order,
    OrderLineItem,
    Product,
    Shop,
    TrackedLink,
)
from .definition import is_shopify


class NotLocal(ValueError):
    """A Shopify segment's members are in Shopify: ask the Shopify segments module."""


def local_midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone(timezone))


def since(days: int, *, shop: Shop, now: datetime) -> datetime:
    """The start of "within `days` days": local midnight, `days` days before today."""
    today = now.astimezone(zone(shop.timezone)).date()
    return local_midnight(today - timedelta(days=days), shop.timezone)


@dataclass(frozen=True)
class OfCustomer:
    """A test of the linked customer's own row (an unlinked friend never passes it). A group
    gathers its customer tests into ONE `customer_id IN (SELECT customers …)`.

    A test of the customer's orders has two forms. `test` probes the customer's own orders
    (the orders' (shop, customer, date) index): cheap for the few customers that a group's
    column tests (spent, prefecture, tags) leave. `whole` is the set of every buyer in the
    period, built once per statement: cheaper when nothing narrows the customers first."""

    test: ColumnElement
    whole: ColumnElement | None = None

    def form(self, narrowed: bool) -> ColumnElement:
        return self.test if narrowed or self.whole is None else self.whole


class Compiler:
    """`probe`: every subquery is a correlated EXISTS (NOT EXISTS for the negative tests).
    For one friend (`contains`) that reads only their own rows. On PostgreSQL the planner
    turns each EXISTS into the join it finds cheapest (hash or nested loop) and NOT EXISTS
    into an anti-join, which NOT IN never becomes. SQLite runs an EXISTS once per row, so
    for a whole shop it gets IN sets, built once per statement."""

    def __init__(self, *, shop: Shop, now: datetime, probe: bool = False):
        self.shop, self.now, self.probe = shop, now, probe

    def since(self, days: int) -> datetime:
        return since(days, shop=self.shop, now=self.now)

    # -- building blocks ------------------------------------------------------------------------
    def member(self, outer, query: Select, inner) -> ColumnElement:
        """`outer IN query`, or (probing) EXISTS(query WHERE inner = outer)."""
        return exists(query.where(inner == outer)) if self.probe else outer.in_(query)

    def customers(self, tests: list[ColumnElement], match: str) -> ColumnElement:
        """Linked to a customer of the shop who passes `tests` (false, not NULL, for the
        unlinked: so NOT works)."""
        query = select(Customer.id).where(Customer.shop_id == self.shop.id, self.group(match, tests))
        return and_(LineFriend.customer_id.is_not(None), self.member(LineFriend.customer_id, query, Customer.id))

    def friends(self, query: Select, inner) -> ColumnElement:
        return self.member(LineFriend.id, query, inner)

    def orders(self, *where, products=None) -> ColumnElement:
        """The customer has a (not cancelled) order matching `where`, with a line item
        of one of `products` when given: a probe of the orders' (shop, customer, date) index,
        then of the order's own items (by its id, never a scan of a product's items)."""
        query = select(Order.id).where(
            Order.shop_id == self.shop.id,
            Order.customer_shopify_id == Customer.shopify_id,
            Order.cancelled_at.is_(None),
            *where,
        )
        if products is not None:
            # "+ 0": the order's few items are read by its id and each product looked up in
            # the set; SQLite would otherwise probe the (order, product) index per product.
            bought = (OrderLineItem.product_shopify_id + 0).in_(products)
            query = query.where(exists(select(OrderLineItem.id).where(OrderLineItem.order_id == Order.id, bought)))
        return exists(query)

    def buyers(self, *where, products=None) -> ColumnElement:
        """The same test as `orders`, as the set of the shop's buyers: from the orders'
        (shop, date, customer) index and, with `products`, the items' (shop, product) index."""
        if products is not None:
            items = and_(OrderLineItem.shop_id == self.shop.id, OrderLineItem.product_shopify_id.in_(products))
            where = (*where, Order.id.in_(select(OrderLineItem.order_id).where(items)))
        mine = and_(Order.shop_id == self.shop.id, Order.cancelled_at.is_(None), Order.customer_shopify_id.is_not(None))
        return Customer.shopify_id.in_(select(Order.customer_shopify_id).where(mine, *where))

    def period(self, within: bool, probe: ColumnElement, whole: ColumnElement) -> OfCustomer:
        return OfCustomer(probe, whole) if within else OfCustomer(not_(probe), not_(whole))

    # -- one method per field -------------------------------------------------------------------
    def linked(self, cond: dict) -> ColumnElement:
        return LineFriend.customer_id.is_not(None) if cond["value"] else LineFriend.customer_id.is_(None)

    def friend_since(self, cond: dict) -> ColumnElement:
        started = func.coalesce(LineFriend.followed_at, LineFriend.created_at)
        if cond["op"] in ("on_or_after", "before"):
            edge = local_midnight(date.fromisoformat(cond["date"]), self.shop.timezone)
            return started >= edge if cond["op"] == "on_or_after" else started < edge
        edge = self.since(cond["days"])
        return started >= edge if cond["op"] == "within" else started < edge

    def language(self, cond: dict) -> ColumnElement:
        spoken = func.lower(LineFriend.language)
        matched = or_(*(or_(spoken == v, spoken.startswith(v + "-", autoescape=True)) for v in cond["values"]))
        matched = and_(LineFriend.language.is_not(None), matched)
        return matched if cond["op"] == "in" else not_(matched)

    def orders_count(self, cond: dict) -> OfCustomer:
        return OfCustomer(compare(Customer.orders_count, cond["op"], cond["value"]))

    def total_spent(self, cond: dict) -> OfCustomer:
        return OfCustomer(compare(Customer.total_spent, cond["op"], Decimal(cond["value"])))

    def last_order(self, cond: dict) -> OfCustomer:
        edge = Order.processed_at >= self.since(cond["days"])
        return self.period(cond["op"] == "within", self.orders(edge), self.buyers(edge))

    def first_order(self, cond: dict) -> OfCustomer:
        """The earliest (not cancelled) order is in the period: one in it and none before."""
        edge = self.since(cond["days"])
        first = (
            select(Order.customer_shopify_id)
            .where(Order.shop_id == self.shop.id, Order.cancelled_at.is_(None), Order.customer_shopify_id.is_not(None))
            .group_by(Order.customer_shopify_id)
            .having(func.min(Order.processed_at) >= edge)
        )
        probe = and_(self.orders(Order.processed_at >= edge), not_(self.orders(Order.processed_at < edge)))
        return self.period(cond["op"] == "within", probe, Customer.shopify_id.in_(first))

    def bought(self, cond: dict) -> OfCustomer:
        products = self.products(cond["by"], cond["values"])
        where = [Order.processed_at >= self.since(cond["days"])] if cond.get("days") else []
        probe, whole = self.orders(*where, products=products), self.buyers(*where, products=products)
        return self.period(cond["op"] == "bought", probe, whole)

    def products(self, by: str, values: list):
        if by == "product":
            return [int(v) for v in values]
        in_shop = Product.shop_id == self.shop.id
        if by == "tag":
            return select(Product.shopify_id).where(in_shop, or_(*(has_tag(Product.tags, v) for v in values)))
        column = Product.product_type if by == "product_type" else Product.vendor
        return select(Product.shopify_id).where(in_shop, column.in_(values))

    def customer_tag(self, cond: dict) -> OfCustomer:
        tagged = or_(*(has_tag(Customer.tags, v) for v in cond["values"]))
        return OfCustomer(tagged if cond["op"] == "any" else or_(Customer.tags.is_(None), not_(tagged)))

    def prefecture(self, cond: dict) -> OfCustomer:
        living = Customer.province_code.in_(cond["values"])
        return OfCustomer(living if cond["op"] == "in" else or_(Customer.province_code.is_(None), not_(living)))

    def clicked(self, cond: dict) -> ColumnElement:
        edge = self.since(cond["days"])
        # A click on a message sent to this friend, or (a link without a message, such as a
        # rich menu's) by the customer they are linked to.
        by_message = (
            select(Notification.friend_id)
            .join(TrackedLink, TrackedLink.notification_id == Notification.id)
            .join(LinkClick, LinkClick.link_id == TrackedLink.id)
            .where(LinkClick.shop_id == self.shop.id, LinkClick.clicked_at >= edge, Notification.friend_id.is_not(None))
        )
        by_customer = select(LinkClick.customer_id).where(
            LinkClick.shop_id == self.shop.id, LinkClick.clicked_at >= edge, LinkClick.customer_id.is_not(None)
        )
        by_friend = and_(
            LineFriend.customer_id.is_not(None), self.member(LineFriend.customer_id, by_customer, LinkClick.customer_id)
        )
        clicked = or_(self.friends(by_message, Notification.friend_id), by_friend)
        return clicked if cond["op"] == "within" else not_(clicked)

    def received_marketing(self, cond: dict) -> ColumnElement:
        received = self.friends(
            select(Notification.friend_id).where(
                Notification.shop_id == self.shop.id,
                Notification.sent_at >= self.since(cond["days"]),
                Notification.marketing == true(),
                Notification.status == NotificationStatus.SENT,
                Notification.friend_id.is_not(None),
            ),
            Notification.friend_id,
        )
        return received if cond["op"] == "within" else not_(received)

    def source(self, cond: dict) -> ColumnElement:
        came = LineFriend.source_id.in_(cond["values"])
        return came if cond["op"] == "in" else or_(LineFriend.source_id.is_(None), not_(came))

    def friend_tag(self, cond: dict) -> ColumnElement:
        tagged = or_(*(has_tag(LineFriend.tags, v) for v in cond["values"]))
        return tagged if cond["op"] == "any" else or_(LineFriend.tags.is_(None), not_(tagged))

    # -- the tree -------------------------------------------------------------------------------
    def condition(self, cond: dict) -> ColumnElement | OfCustomer:
        return getattr(self, cond["field"])(cond)

    def group(self, match: str, parts: list[ColumnElement]) -> ColumnElement:
        if not parts:
            return true()
        return and_(*parts) if match == "all" else or_(*parts)

    def conditions(self, match: str, conditions: list[dict]) -> ColumnElement:
        """A group: the friend's own tests, and its customer tests as one customer set
        (column tests first; orders probed per customer when those narrow the customers)."""
        parts = [self.condition(c) for c in conditions]
        mine = sorted((p for p in parts if isinstance(p, OfCustomer)), key=lambda p: p.whole is not None)
        narrowed = self.probe or (match == "all" and any(p.whole is None for p in mine))
        tests = [p.form(narrowed) for p in mine]
        own = [p for p in parts if not isinstance(p, OfCustomer)]
        return self.group(match, [*own, self.customers(tests, match)] if tests else own)

    def where(self, definition: dict) -> ColumnElement:
        groups = [self.conditions(g["match"], g["conditions"]) for g in definition.get("groups") or []]
        return self.group(definition.get("match", "all"), groups)


def compare(column, op: str, value) -> ColumnElement:
    return {
        "gte": column >= value,
        "gt": column > value,
        "lte": column <= value,
        "lt": column < value,
        "eq": column == value,
    }[op]


def has_tag(column, tag: str) -> ColumnElement:
    """Shopify keeps tags as "a, b, c": match one whole tag, ignoring ASCII case."""
    padded = func.lower(literal(",") + func.replace(column, ", ", ",") + literal(","))
    return padded.contains(f",{tag.strip().lower()},", autoescape=True)


def reachable(shop: Shop) -> list[ColumnElement]:
    """Who may ever be in an audience: the shop's friends, not blocked, not opted out."""
    return [
        LineFriend.shop_id == shop.id,
        LineFriend.is_blocked.is_(False),
        LineFriend.marketing_opt_out_at.is_(None),
    ]


def audience_filter(
    definition: dict, *, shop: Shop, now: datetime, one_friend: bool = False, dialect: str = "sqlite"
) -> list[ColumnElement]:
    """The WHERE clauses of a checked, local definition (reachable friends included), for
    the database `dialect` names (see Compiler)."""
    if is_shopify(definition):
        raise NotLocal("a Shopify customer segment is read from Shopify at send time")
    probe = one_friend or dialect == "postgresql"
    return [*reachable(shop), Compiler(shop=shop, now=now, probe=probe).where(definition)]


def friend_ids(definition: dict, *, shop: Shop, now: datetime, dialect: str = "sqlite") -> Select:
    """ONE select of the audience's `line_friends.id`, in id order."""
    where = audience_filter(definition, shop=shop, now=now, dialect=dialect)
    return select(LineFriend.id).where(*where).order_by(LineFriend.id)
