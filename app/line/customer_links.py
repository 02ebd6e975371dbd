"""The one place a LINE friend and a store customer are linked or unlinked.

Rules: one friend ↔ one customer per shop; linking again replaces the old link; every
change leaves a LinkAudit row (who, when, how), marks the customer's `line-linked`
tag in Shopify for the worker to add or remove, and marks the friend's rich menu due.
"""

from __future__ import annotations

from sqlmodel import Session, select

from ..models import Customer, LineFriend, LinkAudit, Shop, Trigger
from ..sequences import enroll as sequences
from ..shopify_flow import triggers as flow_triggers
from ..timeutil import utcnow
from . import menu_due


def customer_by_shopify_id(*, session: Session, shop: Shop, shopify_id: int) -> Customer:
    """The local customer, created bare when Shopify has not told us about them yet."""
    customer = session.exec(
        select(Customer).where(Customer.shop_id == shop.id, Customer.shopify_id == shopify_id)
    ).first()
    if customer is None:
        customer = Customer(shop_id=shop.id, shopify_id=shopify_id)
        session.add(customer)
        session.flush()
    return customer


def linked_friend(*, session: Session, shop: Shop, customer: Customer) -> LineFriend | None:
    return session.exec(
        select(LineFriend).where(LineFriend.shop_id == shop.id, LineFriend.customer_id == customer.id)
    ).first()


def link(*, session: Session, shop: Shop, friend: LineFriend, customer: Customer, method: str, actor: str) -> str:
    """Link them; returns "link", "relink" or "unchanged"."""
    if friend.customer_id == customer.id:
        return "unchanged"
    previous = linked_friend(session=session, shop=shop, customer=customer)
    if previous is not None:  # the customer moves to this friend
        unlink(
            session=session,
            shop=shop,
            friend=previous,
            method=method,
            actor=actor,
            note="moved to another LINE account",
        )
        session.flush()
    action = "relink" if friend.customer_id is not None else "link"
    if friend.customer_id is not None:
        _mark_tag(session=session, customer_id=friend.customer_id)
    friend.customer_id, friend.linked_at, friend.link_method = customer.id, utcnow(), method
    menu_due.mark(friend)
    customer.line_tag_due_at = utcnow()
    audit = LinkAudit(
        shop_id=shop.id,
        friend_id=friend.id,
        action=action,
        customer_shopify_id=customer.shopify_id,
        method=method,
        actor=actor,
    )
    session.add_all([friend, customer, audit])
    session.flush()
    sequences.on_event(Trigger.ACCOUNT_LINKED, session=session, shop=shop, friend=friend)
    flow_triggers.fire(
        session=session,
        shop_id=shop.id,
        handle=flow_triggers.CUSTOMER_LINKED,
        key=f"audit:{audit.id}",
        friend=friend,
        fields={"Link method": method},
    )
    return action


def unlink(
    *, session: Session, shop: Shop, friend: LineFriend, method: str, actor: str, note: str | None = None
) -> bool:
    """Remove the friend's link, if any; True when there was one."""
    if friend.customer_id is None:
        return False
    customer = session.get(Customer, friend.customer_id)
    _mark_tag(session=session, customer_id=friend.customer_id)
    audit = LinkAudit(
        shop_id=shop.id,
        friend_id=friend.id,
        action="unlink",
        method=method,
        actor=actor,
        customer_shopify_id=customer.shopify_id if customer else None,
        note=note,
    )
    session.add(audit)
    session.flush()
    if method != "redact":  # an erased shopper is not handed to the merchant's workflows
        flow_triggers.fire(  # the customer it was linked to: the link is gone from the friend below
            session=session,
            shop_id=shop.id,
            handle=flow_triggers.CUSTOMER_UNLINKED,
            key=f"audit:{audit.id}",
            friend=friend,
            customer_id=friend.customer_id,
        )
    friend.customer_id, friend.linked_at, friend.link_method = None, None, None
    menu_due.mark(friend)
    session.add(friend)
    session.flush()
    sequences.exit_runs(session=session, shop=shop, friend_id=friend.id, reason="unlinked")
    return True


def _mark_tag(*, session: Session, customer_id: int) -> None:
    customer = session.get(Customer, customer_id)
    if customer is not None:
        customer.line_tag_due_at = utcnow()
        session.add(customer)
