"""A checked definition (definition.py) as SQL: one WHERE clause over `line_friends`.

Every condition is a column test or an `IN (subquery)` that the database works out once
per statement (a set of customer or friend ids), never a loop over friends in Python and
never a subquery per friend. Store conditions go through the linked customer
(`customer_id IN (…)`, false for the unlinked); the negative ones are "linked and not in".

Days are whole days in the shop's time zone, as Shopify's own segments count them:
"within 30 days" starts at local midnight 30 days before today, so on 12/02 it holds from
11/02 00:00 (Asia/Tokyo) until now.

Blocked friends and those who opted out of marketing (配信停止) are never in an audience.
"""

from __future__ import annotations

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


class Compiler:
    """`one_friend`: the statement asks about one friend (`contains`). Subqueries are then
    correlated EXISTS probes through that friend's own rows (index lookups), instead of
    sets the database builds over the whole shop once per statement (counts, lists)."""

    def __init__(self, *, shop: Shop, now: datetime, one_friend: bool = False):
        self.shop, self.now, self.one_friend = shop, now, one_friend

    def since(self, days: int) -> datetime:
        return since(days, shop=self.shop, now=self.now)

    # -- building blocks ------------------------------------------------------------------------
    def member(self, outer, query: Select, inner) -> ColumnElement:
        """`outer IN query`, or for one friend EXISTS(query WHERE inner = outer)."""
        return exists(query.where(inner == outer)) if self.one_friend else outer.in_(query)

    def customers(self, query: Select, inner=Customer.id) -> ColumnElement:
        """Linked to one of these customers (false, not NULL, for the unlinked: so NOT works)."""
        return and_(LineFriend.customer_id.is_not(None), self.member(LineFriend.customer_id, query, inner))

    def not_customers(self, query: Select) -> ColumnElement:
        return and_(LineFriend.customer_id.is_not(None), not_(self.member(LineFriend.customer_id, query, Customer.id)))

    def friends(self, query: Select, inner) -> ColumnElement:
        return self.member(LineFriend.id, query, inner)

    def customer_ids(self, *where) -> Select:
        return select(Customer.id).where(Customer.shop_id == self.shop.id, *where)

    def ordering_customers(self, *where, items=None) -> Select:
        """Customers with a (not cancelled) order matching `where` (and with a line item
        matching `items`). For a shop: from the orders' (shop, date, customer) index to the
        customers' (shop, Shopify id) key. For one friend: their customer's own orders."""
        mine = and_(Order.shop_id == self.shop.id, Order.cancelled_at.is_(None))
        if self.one_friend:
            query = select(Customer.id).join(
                Order, and_(Order.shop_id == Customer.shop_id, Order.customer_shopify_id == Customer.shopify_id)
            )
            if items is not None:
                query = query.join(OrderLineItem, OrderLineItem.order_id == Order.id).where(items)
            return query.where(Customer.shop_id == self.shop.id, mine, *where)
        if items is not None:
            where = (*where, Order.id.in_(select(OrderLineItem.order_id).where(items)))
        buyers = select(Order.customer_shopify_id).where(mine, Order.customer_shopify_id.is_not(None), *where)
        return self.customer_ids(Customer.shopify_id.in_(buyers))

    def period(self, op: str, inside: Select) -> ColumnElement:
        return self.customers(inside) if op == "within" else self.not_customers(inside)

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

    def orders_count(self, cond: dict) -> ColumnElement:
        return self.customers(self.customer_ids(compare(Customer.orders_count, cond["op"], cond["value"])))

    def total_spent(self, cond: dict) -> ColumnElement:
        return self.customers(self.customer_ids(compare(Customer.total_spent, cond["op"], Decimal(cond["value"]))))

    def last_order(self, cond: dict) -> ColumnElement:
        return self.period(cond["op"], self.ordering_customers(Order.processed_at >= self.since(cond["days"])))

    def first_order(self, cond: dict) -> ColumnElement:
        if self.one_friend:
            earliest = (
                select(func.min(Order.processed_at))
                .where(
                    Order.shop_id == self.shop.id,
                    Order.cancelled_at.is_(None),
                    Order.customer_shopify_id == Customer.shopify_id,
                )
                .scalar_subquery()
            )
            return self.period(cond["op"], self.customer_ids(earliest >= self.since(cond["days"])))
        first = (
            select(Order.customer_shopify_id)
            .where(Order.shop_id == self.shop.id, Order.cancelled_at.is_(None), Order.customer_shopify_id.is_not(None))
            .group_by(Order.customer_shopify_id)
            .having(func.min(Order.processed_at) >= self.since(cond["days"]))
        )
        return self.period(cond["op"], self.customer_ids(Customer.shopify_id.in_(first)))

    def bought(self, cond: dict) -> ColumnElement:
        items = and_(
            OrderLineItem.shop_id == self.shop.id,
            OrderLineItem.product_shopify_id.in_(self.products(cond["by"], cond["values"])),
        )
        where = [Order.processed_at >= self.since(cond["days"])] if cond.get("days") else []
        buyers = self.ordering_customers(*where, items=items)
        return self.customers(buyers) if cond["op"] == "bought" else self.not_customers(buyers)

    def products(self, by: str, values: list):
        if by == "product":
            return [int(v) for v in values]
        in_shop = Product.shop_id == self.shop.id
        if by == "tag":
            return select(Product.shopify_id).where(in_shop, or_(*(has_tag(Product.tags, v) for v in values)))
        column = Product.product_type if by == "product_type" else Product.vendor
        return select(Product.shopify_id).where(in_shop, column.in_(values))

    def customer_tag(self, cond: dict) -> ColumnElement:
        tagged = self.customer_ids(or_(*(has_tag(Customer.tags, v) for v in cond["values"])))
        return self.customers(tagged) if cond["op"] == "any" else self.not_customers(tagged)

    def prefecture(self, cond: dict) -> ColumnElement:
        living = self.customer_ids(Customer.province_code.in_(cond["values"]))
        return self.customers(living) if cond["op"] == "in" else self.not_customers(living)

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
        clicked = or_(
            self.friends(by_message, Notification.friend_id), self.customers(by_customer, LinkClick.customer_id)
        )
        return clicked if cond["op"] == "within" else not_(clicked)

    def received_marketing(self, cond: dict) -> ColumnElement:
        received = self.friends(
            select(Notification.friend_id).where(
                Notification.shop_id == self.shop.id,
                Notification.sent_at >= self.since(cond["days"]),
                Notification.marketing.is_(True),
                Notification.status == NotificationStatus.SENT,
                Notification.friend_id.is_not(None),
            ),
            Notification.friend_id,
        )
        return received if cond["op"] == "within" else not_(received)

    # -- the tree -------------------------------------------------------------------------------
    def condition(self, cond: dict) -> ColumnElement:
        return getattr(self, cond["field"])(cond)

    def group(self, match: str, parts: list[ColumnElement]) -> ColumnElement:
        if not parts:
            return true()
        return and_(*parts) if match == "all" else or_(*parts)

    def where(self, definition: dict) -> ColumnElement:
        groups = [
            self.group(g["match"], [self.condition(c) for c in g["conditions"]]) for g in definition.get("groups") or []
        ]
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


def audience_filter(definition: dict, *, shop: Shop, now: datetime, one_friend: bool = False) -> list[ColumnElement]:
    """The WHERE clauses of a checked, local definition (reachable friends included)."""
    if is_shopify(definition):
        raise NotLocal("a Shopify customer segment is read from Shopify at send time")
    return [*reachable(shop), Compiler(shop=shop, now=now, one_friend=one_friend).where(definition)]


def friend_ids(definition: dict, *, shop: Shop, now: datetime) -> Select:
    """ONE select of the audience's `line_friends.id`, in id order."""
    return select(LineFriend.id).where(*audience_filter(definition, shop=shop, now=now)).order_by(LineFriend.id)
