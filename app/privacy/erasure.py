"""Erasing a shopper (customers/redact): every row that holds something about them is
deleted or blanked, so nothing personal is left in any column of any table.

What stays is only what figures need and no one can be found by: an order keeps its
number and amounts, a notification its flow, status and times, a click its time, the
LINE friend its follow and block times under a random placeholder id (so follower counts
and caps stay right). The link between a LINE user id and the customer goes entirely:
the friend row no longer carries the user id, and the link audits no longer carry the
customer id nor the LINE user id in `actor`.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from .. import models as m
from ..line.customer_links import unlink
from ..timeutil import utcnow
from ..tracking import rollups
from .deliveries import REDACTED, summary
from .holdings import Holdings, ShopperRef, holdings_of

ERASED_PREFIX = "erased-"  # placeholder LINE user ids of erased friends


def erase_shopper(
    *, session: Session, shop: m.Shop, ref: ShopperRef, current: m.WebhookEvent | None = None
) -> Holdings:
    """Erase everything held about the shopper; `current` is the delivery asking for it
    (its own body names them too). Returns what was found, for the record."""
    held = holdings_of(session=session, shop=shop, ref=ref)
    _forget_deliveries(held, current)
    _forget_shopify_flow(session=session, shop=shop, held=held)
    _forget_line(session=session, shop=shop, held=held)
    _forget_messages(session=session, shop=shop, held=held)
    _forget_commerce(session=session, shop=shop, held=held)
    for row in held.requests:
        if row.topic == "customers/data_request":
            row.export, row.status = None, "redacted"
            session.add(row)
    for row in held.product_views:
        session.delete(row)
    if held.customer is not None:
        session.delete(held.customer)
    session.flush()
    return held


def _forget_deliveries(held: Holdings, current: m.WebhookEvent | None) -> None:
    """Raw bodies naming them keep only a summary; one not yet handled never will be (it
    would bring the data back)."""
    now = utcnow()
    found = [e for e in held.deliveries if current is None or e.id != current.id]
    for event in [*found, *([current] if current is not None else [])]:
        event.body, event.body_trimmed_at = summary(event.body, REDACTED), now
    for event in found:
        if event.status in (m.WebhookStatus.RECEIVED, m.WebhookStatus.FAILED):
            event.status, event.next_attempt_at, event.error = m.WebhookStatus.IGNORED, None, "customer redacted"


def _forget_line(*, session: Session, shop: m.Shop, held: Holdings) -> None:
    """Their chat, searches, back-in-stock requests and dry-run requests go; each LINE friend of theirs is unlinked
    and keeps only anonymous follow/block facts."""
    user_ids = set(held.line_user_ids)
    for row in [*held.chat, *held.searches, *held.back_in_stock, *held.link_nonces]:
        session.delete(row)
    for row in held.dry_runs:
        to = row.body.get("to")
        if isinstance(to, list) and set(to) - user_ids:  # a multicast: the others stay
            row.body = {**row.body, "to": [u for u in to if u not in user_ids]}
            session.add(row)
        else:
            session.delete(row)
    friend_ids = [f.id for f in held.friends]
    if friend_ids:  # their own campaign coupon codes (the friend row itself stays, anonymous)
        for code in session.exec(select(m.CampaignCode).where(m.CampaignCode.friend_id.in_(friend_ids))):
            session.delete(code)
    for visit in held.source_visits:  # the visits stay as counts; the address hash goes
        visit.ip_hash = ""
        session.add(visit)
    for friend in held.friends:
        if friend.customer_id is not None:
            unlink(session=session, shop=shop, friend=friend, method="redact", actor="shopify")
    audits = {a.id: a for a in held.link_audits}
    for friend in held.friends:
        audits.update({a.id: a for a in session.exec(_audits_of(shop, friend))})
        friend.line_user_id = ERASED_PREFIX + uuid.uuid4().hex
        friend.display_name = friend.picture_url = friend.language = None
        session.add(friend)
    for audit in audits.values():
        audit.customer_shopify_id, audit.note = None, None
        if (audit.actor or "").startswith("line:"):
            audit.actor = "line"
        session.add(audit)


def _forget_shopify_flow(*, session: Session, shop: m.Shop, held: Holdings) -> None:
    """Shopify Flow trigger calls naming them (their customer id or LINE friend) go, sent or not."""
    customer = held.customer.shopify_id if held.customer is not None else None
    friends = {str(f.id) for f in held.friends}
    calls = session.exec(select(m.ShopifyFlowTriggerCall).where(m.ShopifyFlowTriggerCall.shop_id == shop.id))
    for call in calls:
        payload = call.payload or {}
        if (customer is not None and payload.get("customer_id") == customer) or payload.get(
            "LINE friend ID"
        ) in friends:
            session.delete(call)


def _audits_of(shop: m.Shop, friend: m.LineFriend):
    return select(m.LinkAudit).where(m.LinkAudit.shop_id == shop.id, m.LinkAudit.friend_id == friend.id)


def _forget_messages(*, session: Session, shop: m.Shop, held: Holdings) -> None:
    """Messages stay as counts: pending ones are cancelled, every text is blanked; their
    links lead to the store's front page from now on (an order-status or checkout URL
    opens the shopper's own details)."""
    now, moved = utcnow(), []
    for note in held.notifications:
        if note.status in m.NotificationStatus.PENDING:
            before = rollups.state_of(note)
            note.status, note.reason = m.NotificationStatus.CANCELLED, "customer_redacted"
            moved.append((before, rollups.state_of(note)))
        note.messages, note.context, note.last_error, note.customer_id = [], {}, None, None
        note.updated_at = now
        session.add(note)
    rollups.notes_moved(session=session, changes=moved)
    for link in held.tracked_links:
        link.customer_id, link.target = None, f"https://{shop.domain}/"
        session.add(link)
    for click in held.clicks:  # the tap stays counted for its button, naming nobody
        click.customer_id = click.friend_id = None
        session.add(click)


def _forget_commerce(*, session: Session, shop: m.Shop, held: Holdings) -> None:
    """Orders stay for the shop's figures without anything that names the buyer;
    checkouts and carts (unfinished purchases) go; shipments lose their tracking."""
    for order in held.orders:
        order.email = order.phone = order.customer_shopify_id = order.order_status_url = None
        session.add(order)
    for row in [*held.checkouts, *held.carts]:
        session.delete(row)
    for shipment in held.fulfillments:
        shipment.tracking_numbers, shipment.tracking_urls = [], []
        session.add(shipment)
