"""Orders credited to LINE: one Attribution per order, naming the message that earned it.

In order of priority:
1. recovered_checkout — the order's checkout (or cart) had a reminder that was sent before it;
2. discount_code — the order used a code the app created for a reminder (context.discount_issued);
3. menu_landing — the visit that placed the order began at a rich menu's web button (its UTM
   is the order's landing page) and that button was tapped within the shop's attribution
   window before the order (app/tracking/menu_landing.py);
4. click — the same customer clicked a tracked link, or tapped a rich menu's postback button
   (as this customer, or as their LINE friend before they linked), within the shop's
   attribution window (settings["attribution_window_days"], default 7) before the order:
   the latest click or tap wins, message or menu.

Messages and the rich menu share this one row per order, so an order is never counted for
both. A reminder's own checkout or code names the very message the order used, so it beats
the menu; the menu's landing page names the visit the order was placed in, so it beats an
earlier message click; between clicks and postback taps the latest wins. A credit to the menu
has flow "richmenu", no notification and `link_id` naming the button (its menu and area).

Asked on every order topic, so it is idempotent: the row is upserted (a changed total after
an edit updates the revenue). A cancelled order earns nothing: its attribution is deleted
(dashboards then never count revenue that did not happen; the order row keeps cancelled_at).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from ..flows.registry import Flow, spec
from ..models import (
    Attribution,
    Checkout,
    Customer,
    LineFriend,
    LinkClick,
    Notification,
    Order,
    Shop,
)
from ..models import NotificationStatus as St
from ..timeutil import as_utc, utcnow
from . import rollups
from .menu_landing import latest_tap as latest_menu_tap

DEFAULT_WINDOW_DAYS = 7
MAX_WINDOW_DAYS = 90
REMINDER_FLOWS = (Flow.ABANDONED_CHECKOUT, Flow.ABANDONED_CART)


@dataclass(frozen=True)
class Credit:
    kind: str  # recovered_checkout | discount_code | menu_landing | click
    notification_id: uuid.UUID | None
    flow: str | None
    link_id: int | None = None  # the tracked link clicked or tapped (click, menu_landing)


def window(shop: Shop) -> timedelta:
    try:
        days = int((shop.settings or {}).get("attribution_window_days", DEFAULT_WINDOW_DAYS))
    except (TypeError, ValueError):
        days = DEFAULT_WINDOW_DAYS
    return timedelta(days=min(max(days, 0), MAX_WINDOW_DAYS))


def ordered_at(order: Order) -> datetime:
    return as_utc(order.processed_at) or as_utc(order.created_at) or utcnow()


def attribute_order(*, session: Session, shop: Shop, order: Order) -> str | None:
    """Credit (or un-credit) this order; the kind it was credited with, or None. The
    rollups move from what the order was credited with to what it is now."""
    before = _credited(session=session, order=order)
    if order.cancelled_at is not None:
        return _uncredit(session=session, order=order, before=before)
    when = ordered_at(order)
    credit = (
        recovered_checkout(session=session, shop=shop, order=order, when=when)
        or discount_code(session=session, shop=shop, order=order, when=when)
        or menu_landing(session=session, shop=shop, order=order, when=when)
        or click(session=session, shop=shop, order=order, when=when)
    )
    if credit is None:
        return _uncredit(session=session, order=order, before=before)
    _upsert(session=session, shop=shop, order=order, credit=credit, when=when)
    after = rollups.Credited(shop.id, credit.flow, credit.kind, order.total_price, when)
    rollups.attribution_changed(session=session, before=before, after=after)
    return credit.kind


def _credited(*, session: Session, order: Order) -> rollups.Credited | None:
    """What the order is credited with now, locked (PostgreSQL) so that two order topics
    running at once move the rollups one after the other. The order row is locked first:
    with no attribution yet there is no row to lock."""
    pg = session.get_bind().dialect.name == "postgresql"
    if pg:
        session.execute(select(Order.id).where(Order.id == order.id).with_for_update())
    query = select(
        Attribution.shop_id, Attribution.flow, Attribution.kind, Attribution.revenue, Attribution.ordered_at
    ).where(Attribution.order_id == order.id)
    row = session.execute(query.with_for_update() if pg else query).first()
    if row is None:
        return None
    return rollups.Credited(row.shop_id, row.flow, row.kind, row.revenue, as_utc(row.ordered_at))


def _uncredit(*, session: Session, order: Order, before: rollups.Credited | None) -> None:
    session.execute(delete(Attribution).where(Attribution.order_id == order.id))
    rollups.attribution_changed(session=session, before=before, after=None)
    return None


def recovered_checkout(*, session: Session, shop: Shop, order: Order, when: datetime) -> Credit | None:
    """A reminder of this order's checkout or cart that went out before the order.
    The reminders' dedupe keys are exact (the registry's, one per step), so the unique
    index finds them."""
    checkouts = {order.checkout_token} if order.checkout_token else set()
    if order.cart_token:  # another checkout of the same cart (the checkout reminder names its cart)
        checkouts.update(
            session.exec(
                select(Checkout.token).where(Checkout.shop_id == shop.id, Checkout.cart_token == order.cart_token)
            ).all()
        )
    keys = reminder_keys(Flow.ABANDONED_CHECKOUT, checkouts)
    keys += reminder_keys(Flow.ABANDONED_CART, [order.cart_token] if order.cart_token else [])
    if not keys:
        return None
    row = session.exec(
        select(Notification)
        .where(
            Notification.shop_id == shop.id,
            Notification.dedupe_key.in_(keys),
            Notification.flow.in_(REMINDER_FLOWS),
            Notification.status == St.SENT,
            Notification.sent_at <= when,
        )
        .order_by(Notification.sent_at.desc())
        .limit(1)
    ).first()
    return Credit("recovered_checkout", row.id, row.flow) if row else None


def reminder_keys(flow: Flow, tokens) -> list[str]:
    """Every dedupe key a reminder of these checkouts (or carts) can have had."""
    reminder = spec(flow)
    return [reminder.keys.key(token=t, step=step) for t in tokens for step in range(reminder.max_steps)]


def discount_code(*, session: Session, shop: Shop, order: Order, when: datetime) -> Credit | None:
    """A code the app created is single-use and tied to its customer, so only that
    customer's friend's sent messages can hold it (ix_notifications_friend_sent)."""
    codes = {str(d.get("code") or "").strip().upper() for d in order.discount_codes or [] if isinstance(d, dict)}
    codes.discard("")
    customer = _customer(session=session, shop=shop, order=order)
    if not codes or customer is None:
        return None
    friends = select(LineFriend.id).where(LineFriend.shop_id == shop.id, LineFriend.customer_id == customer.id)
    sent = session.exec(
        select(Notification)
        .where(
            Notification.friend_id.in_(friends),
            Notification.sent_at.is_not(None),
            Notification.sent_at <= when,
        )
        .order_by(Notification.sent_at.desc())
    ).all()
    for row in sent:
        issued = (row.context or {}).get("discount_issued") or {}
        if str(issued.get("code") or "").upper() in codes and row.shop_id == shop.id:
            return Credit("discount_code", row.id, row.flow)
    return None


def menu_landing(*, session: Session, shop: Shop, order: Order, when: datetime) -> Credit | None:
    """The rich menu web button the order's landing page names, tapped within the window."""
    tap = latest_menu_tap(session=session, shop=shop, order=order, when=when, window=window(shop))
    return Credit("menu_landing", None, tap.flow, tap.link_id) if tap else None


def click(*, session: Session, shop: Shop, order: Order, when: datetime) -> Credit | None:
    """The customer's latest click within the window before the order (bounds inclusive):
    their own clicks, and the menu postback taps of the friend linked to them now (made
    before they linked too: the tap named the friend)."""
    customer = _customer(session=session, shop=shop, order=order)
    if customer is None:
        return None
    friends = select(LineFriend.id).where(LineFriend.shop_id == shop.id, LineFriend.customer_id == customer.id)
    row = session.exec(
        select(LinkClick)
        .where(
            or_(LinkClick.customer_id == customer.id, LinkClick.friend_id.in_(friends)),
            LinkClick.shop_id == shop.id,
            LinkClick.clicked_at >= when - window(shop),
            LinkClick.clicked_at <= when,
        )
        .order_by(LinkClick.clicked_at.desc(), LinkClick.id.desc())
        .limit(1)
    ).first()
    return Credit("click", row.notification_id, row.flow, row.link_id) if row else None


def _customer(*, session: Session, shop: Shop, order: Order) -> Customer | None:
    if not order.customer_shopify_id:
        return None
    return session.exec(
        select(Customer).where(Customer.shop_id == shop.id, Customer.shopify_id == order.customer_shopify_id)
    ).first()


def _upsert(*, session: Session, shop: Shop, order: Order, credit: Credit, when: datetime) -> None:
    """One row per order even when orders/create and orders/paid run at once."""
    values = {
        "notification_id": credit.notification_id,
        "flow": credit.flow,
        "kind": credit.kind,
        "link_id": credit.link_id,
        "revenue": order.total_price,
        "currency": order.currency or shop.currency,
        "ordered_at": when,
    }
    insert = (sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert)(Attribution.__table__)
    session.execute(
        insert.values(shop_id=shop.id, order_id=order.id, created_at=utcnow(), **values).on_conflict_do_update(
            index_elements=["order_id"], set_=values
        )
    )
