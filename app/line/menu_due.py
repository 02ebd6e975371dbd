"""Friends whose rich menu must be decided again soon: they linked or unlinked, bought,
followed or blocked. The mark is a time on the friend (`menu_due_at`), set in the same
transaction as the change, so it can never be lost or seen before the change commits; the
worker's keep-in-step run decides only the marked friends between its full runs and clears
the marks older than the run (app/richmenus/assign.py). Kept here, beside the events that
mark, because the rich menus domain imports this one and not the other way round."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, select

from ..models import Customer, LineFriend
from ..timeutil import utcnow


def mark(friend: LineFriend) -> None:
    """The caller adds the friend to its session (it is changing the row anyway)."""
    friend.menu_due_at = utcnow()


def mark_customer(*, session: Session, shop_id: int, customer_shopify_id: int | None) -> None:
    """The friend linked to this store customer, if any (an order names the customer)."""
    if not customer_shopify_id:
        return
    customer = select(Customer.id).where(Customer.shop_id == shop_id, Customer.shopify_id == customer_shopify_id)
    session.execute(
        update(LineFriend)
        .where(LineFriend.shop_id == shop_id, LineFriend.customer_id.in_(customer.scalar_subquery()))
        .values(menu_due_at=utcnow())
    )
