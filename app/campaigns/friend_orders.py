"""Orders placed by a shop's LINE friends: a campaign's results (what it earned, and the
holdout comparison) match a window's orders to the friends they reached through each
friend's linked customer."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, select

from ..db import one_of, tuples
from ..models import Customer, LineFriend, Order, Shop
from ..timeutil import as_utc

LOOKUP = 5_000  # customers looked up per statement (SQLite takes at most 32,766 parameters)


def orders_of_friends(s: Session, shop: Shop, start: datetime, end: datetime, friend_ids: set[int]) -> list:
    """(order id, friend id, total, ordered at) of uncancelled orders in [start, end] whose
    customer is linked to one of `friend_ids`. The window's orders first, then the friends
    of their customers only: reading every linked friend of the shop with its customer
    (50,000 rows joined to 100,000 customers) took 69 ms of a campaign's results on
    PostgreSQL."""
    if not friend_ids:
        return []
    orders = s.execute(
        select(Order.id, Order.customer_shopify_id, Order.total_price, Order.processed_at).where(
            Order.shop_id == shop.id,
            Order.processed_at >= start,
            Order.processed_at <= end,
            Order.cancelled_at.is_(None),
            Order.customer_shopify_id.is_not(None),
        )
    ).all()
    wanted = sorted({customer for _, customer, _, _ in orders})
    linked: dict[int, int] = {}
    for at in range(0, len(wanted), LOOKUP):
        linked.update(
            tuples(
                s,
                select(Customer.shopify_id, LineFriend.id)
                .join(LineFriend, (LineFriend.shop_id == shop.id) & (LineFriend.customer_id == Customer.id))
                .where(Customer.shop_id == shop.id, one_of(s, Customer.shopify_id, wanted[at : at + LOOKUP])),
            )
        )
    found = []
    for order_id, customer, total, ordered_at in orders:
        friend = linked.get(customer)
        if friend in friend_ids:
            found.append((order_id, friend, Decimal(total or 0), as_utc(ordered_at)))
    return found
