"""Ninety days of LINE history for the demo store, so the dashboard has something to show.

Messages pushed to the linked friends across the flows, their tracked links (tokens from
the real derivation), clicks, blocks after pushes (recorded by the real block code) and,
last, every recent order of a linked customer put through the real attribution: some
recover a reminded checkout (the reminder carries the checkout's real dedupe key), some use
a code a reminder issued, some follow a click. A seeded RNG makes it the same every time;
once written it is kept (re-seeding adds nothing; `demo --reset` starts over).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from ..ext import settings
from ..flows import content
from ..flows.discounts import code_for
from ..flows.registry import Flow, is_marketing, spec
from ..models import (
    Customer,
    LineFriend,
    LinkClick,
    Notification,
    Order,
    Shop,
    TrackedLink,
)
from ..models import NotificationStatus as St
from ..tracking import attribution, blocks, rollup_rebuild, tracked_urls

PREFIX = "demo:history:"
DAYS = 90
TOKYO = ZoneInfo("Asia/Tokyo")
BACKGROUND = (Flow.ORDER_CONFIRMATION, Flow.SHIPPING_UPDATE, Flow.REPURCHASE, Flow.ABANDONED_CART, Flow.AFTER_DELIVERY)
BUTTONS = {
    Flow.ORDER_CONFIRMATION: "order_status",
    Flow.SHIPPING_UPDATE: "track",
    Flow.REPURCHASE: "buy_again",
    Flow.ABANDONED_CART: "view_cart",
    Flow.ABANDONED_CHECKOUT: "resume_checkout",
    Flow.AFTER_DELIVERY: "review",
}
INTROS = {
    Flow.ORDER_CONFIRMATION: "ご注文ありがとうございます。",
    Flow.SHIPPING_UPDATE: "ご注文の商品を発送しました。",
    Flow.REPURCHASE: "そろそろお手元の商品がなくなる頃ではありませんか？",
    Flow.ABANDONED_CART: "お買い物カゴに商品が残っています。",
    Flow.ABANDONED_CHECKOUT: "ご購入手続きが完了していません。",
    Flow.AFTER_DELIVERY: "商品はいかがでしたか？レビューをお寄せください。",
}


def seed_history(*, session: Session, shop: Shop, now: datetime, seed: int = 7) -> dict:
    """Idempotent: a store that already has demo history keeps it."""
    if session.exec(
        select(Notification.id)
        .where(Notification.shop_id == shop.id, Notification.dedupe_key.startswith(PREFIX))
        .limit(1)
    ).first():
        return {"history": "kept"}
    rng, made = random.Random(f"history:{seed}"), Counter()
    friends = list(
        session.exec(
            select(LineFriend)
            .where(LineFriend.shop_id == shop.id, LineFriend.customer_id.is_not(None))
            .order_by(LineFriend.id)
        )
    )
    for friend in friends:
        _background(session=session, shop=shop, friend=friend, now=now, rng=rng, made=made)
    by_customer = {f.customer_id: f for f in friends}
    for order, customer_id in _recent_orders(session=session, shop=shop, customer_ids=set(by_customer), now=now):
        _story(session=session, shop=shop, friend=by_customer[customer_id], order=order, rng=rng, made=made)
    session.flush()
    for order, _ in _recent_orders(session=session, shop=shop, customer_ids=set(by_customer), now=now):
        made[f"attributed_{attribution.attribute_order(session=session, shop=shop, order=order)}"] += 1
    made.pop("attributed_None", None)
    session.flush()
    rollup_rebuild.rebuild(session=session, shop_ids=[shop.id])  # the history was written as rows, not sends
    return {"history_" + key: value for key, value in sorted(made.items())}


def _background(
    *, session: Session, shop: Shop, friend: LineFriend, now: datetime, rng: random.Random, made: Counter
) -> None:
    """A message every 4–9 days; a third are clicked, a few are followed by a block."""
    day = rng.randint(1, 6)
    while day < DAYS:
        sent = _daytime(now - timedelta(days=day), rng)
        flow = rng.choice(BACKGROUND)
        _, link = _push(
            session=session,
            shop=shop,
            friend=friend,
            flow=flow,
            sent=sent,
            key=f"{PREFIX}{friend.id}:{day}",
            url=f"https://{shop.domain}/products/demo-{rng.randint(1, 240)}",
        )
        made["sent"] += 1
        if rng.random() < 0.3:
            _click(session=session, link=link, at=sent + timedelta(minutes=rng.randint(2, 240)))
            made["clicks"] += 1
        if rng.random() < 0.02:
            blocks.record_block(session=session, friend=friend, blocked_at=sent + timedelta(hours=rng.randint(1, 20)))
            made["blocks_after_push"] += 1
        elif rng.random() < 0.01:
            blocks.record_block(session=session, friend=friend, blocked_at=sent + timedelta(days=3))
            made["blocks_other"] += 1
        day += rng.randint(4, 9)


def _story(
    *, session: Session, shop: Shop, friend: LineFriend, order: Order, rng: random.Random, made: Counter
) -> None:
    """What (if anything) led to this order: a reminder, a code, or a click."""
    ordered, roll = attribution.ordered_at(order), rng.random()
    if roll < 0.3 and order.checkout_token:  # the checkout was reminded, then completed
        sent = ordered - timedelta(hours=rng.randint(2, 20))
        _, link = _push(
            session=session,
            shop=shop,
            friend=friend,
            flow=Flow.ABANDONED_CHECKOUT,
            sent=sent,
            key=spec(Flow.ABANDONED_CHECKOUT).keys.key(token=order.checkout_token, step=0),
            url=f"https://{shop.domain}/checkouts/{order.checkout_token}",
        )
        _click(session=session, link=link, at=sent + timedelta(minutes=rng.randint(5, 90)))
    elif roll < 0.45:  # a reminder's code, used at checkout
        sent = ordered - timedelta(hours=rng.randint(3, 48))
        note, _ = _push(
            session=session,
            shop=shop,
            friend=friend,
            flow=Flow.ABANDONED_CART,
            sent=sent,
            key=f"{PREFIX}code:{order.id}",
            url=f"https://{shop.domain}/cart",
        )
        code = code_for(note.id)
        note.context = {
            "discount_issued": {"code": code, "ends_at": (sent + timedelta(days=7)).isoformat(), "created": True}
        }
        order.discount_codes = [*(order.discount_codes or []), {"code": code, "amount": "500", "type": "fixed_amount"}]
        session.add(order)
    elif roll < 0.8:  # a message clicked in the days before
        sent = ordered - timedelta(days=rng.randint(1, 6), hours=rng.randint(1, 12))
        _, link = _push(
            session=session,
            shop=shop,
            friend=friend,
            flow=rng.choice((Flow.REPURCHASE, Flow.SHIPPING_UPDATE, Flow.AFTER_DELIVERY)),
            sent=sent,
            key=f"{PREFIX}click:{order.id}",
            url=f"https://{shop.domain}/collections/all",
        )
        _click(session=session, link=link, at=sent + timedelta(minutes=rng.randint(1, 180)))
    else:
        return
    made["stories"] += 1


def _push(
    *, session: Session, shop: Shop, friend: LineFriend, flow: str, sent: datetime, key: str, url: str
) -> tuple[Notification, TrackedLink]:
    """A sent notification as the dispatcher leaves it, and its tracked link."""
    target = content.link(url, flow)
    messages = content.with_button(INTROS[flow], [(content.label(BUTTONS[flow], "ja"), target)])
    note = Notification(
        shop_id=shop.id,
        friend_id=friend.id,
        customer_id=friend.customer_id,
        flow=flow,
        dedupe_key=key[:255],
        marketing=is_marketing(flow),
        due_at=sent,
        status=St.SENT,
        attempts=1,
        messages=messages,
        sent_at=sent,
        created_at=sent - timedelta(hours=1),
        updated_at=sent,
    )
    session.add(note)
    session.flush()  # no ORM relationship orders the inserts: the notification goes first
    link = TrackedLink(
        shop_id=shop.id,
        token=tracked_urls.token_for(note.id, target, settings().secret_key),
        notification_id=note.id,
        customer_id=friend.customer_id,
        flow=flow,
        target=target,
        created_at=sent,
    )
    session.add(link)
    session.flush()
    return note, link


def _click(*, session: Session, link: TrackedLink, at: datetime) -> None:
    session.add(
        LinkClick(
            shop_id=link.shop_id,
            link_id=link.id,
            notification_id=link.notification_id,
            customer_id=link.customer_id,
            flow=link.flow,
            clicked_at=at,
        )
    )
    link.clicks += 1
    link.first_clicked_at = min(link.first_clicked_at or at, at)
    link.last_clicked_at = max(link.last_clicked_at or at, at)
    session.add(link)


def _recent_orders(*, session: Session, shop: Shop, customer_ids: set[int], now: datetime) -> list[tuple[Order, int]]:
    return list(
        session.exec(
            select(Order, Customer.id)
            .join(Customer, (Customer.shop_id == Order.shop_id) & (Customer.shopify_id == Order.customer_shopify_id))
            .where(
                Order.shop_id == shop.id,
                Customer.id.in_(customer_ids),
                Order.cancelled_at.is_(None),
                Order.processed_at >= now - timedelta(days=DAYS - 7),
            )
            .order_by(Order.processed_at, Order.id)
        )
    )


def _daytime(day: datetime, rng: random.Random) -> datetime:
    """A time between 10:00 and 20:00 in Tokyo on that day (quiet hours are kept)."""
    local = day.astimezone(TOKYO).replace(hour=rng.randint(10, 19), minute=rng.randint(0, 59), second=0, microsecond=0)
    return local.astimezone(day.tzinfo)
