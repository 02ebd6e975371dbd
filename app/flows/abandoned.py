"""Abandoned checkout and abandoned cart reminders.

A checkout of a linked customer that does not complete gets up to three reminder steps,
timed from its last update; an order with its token (or cart token), or its completion,
cancels them. A cart (carts/* carry no customer) is reminded only once its token is tied
to a linked customer by the theme extension through the app proxy; a checkout for the
same cart always wins, so nobody gets both reminders for one purchase.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import or_
from sqlmodel import Session, select

from ..formatting import money
from ..models import Cart, Checkout, Notification, Order, Product, ProductVariant, Shop
from ..timeutil import as_utc, utcnow
from . import content, outbox, recipients
from .config import flow_settings
from .recipients import Recipient
from .registry import Flow, spec
from .templates import render

CHECKOUT = spec(Flow.ABANDONED_CHECKOUT)
CART = spec(Flow.ABANDONED_CART)


def on_checkout(*, session: Session, shop: Shop, checkout: Checkout, now: datetime | None = None) -> str:
    """Schedule, refresh or cancel the reminders of this checkout; what happened."""
    if checkout.completed_at is not None:
        return _cancel_purchase(
            session=session,
            shop=shop,
            token=checkout.token,
            cart_token=checkout.cart_token,
            reason="checkout_completed",
        )
    settings = flow_settings(shop, Flow.ABANDONED_CHECKOUT)
    recipient = recipients.linked(
        session=session,
        shop=shop,
        customer_shopify_id=checkout.customer_shopify_id,
        email=checkout.email,
        phone=checkout.phone,
    )
    if not settings["enabled"] or recipient is None or not checkout.abandoned_checkout_url:
        return "not_eligible"
    reason = purchase_moot(
        session=session,
        shop=shop,
        token=checkout.token,
        cart_token=checkout.cart_token,
        customer_shopify_id=recipient.customer.shopify_id,
        settings=settings,
        now=now,
    )
    if reason or checkout.total_price < Decimal(str(settings["min_total"] or 0)):
        return _cancel_purchase(
            session=session, shop=shop, token=checkout.token, cart_token=None, reason=reason or "below_min_total"
        )
    if checkout.cart_token:  # the checkout reminder wins over the cart's
        outbox.cancel(
            session=session,
            shop=shop,
            reason="checkout_reminder_wins",
            key_prefix=CART.keys.prefix(token=checkout.cart_token),
        )
    base = as_utc(checkout.shopify_updated_at or checkout.shopify_created_at) or utcnow()
    context = {
        "checkout_token": checkout.token,
        "cart_token": checkout.cart_token,
        "customer_shopify_id": recipient.customer.shopify_id,
    }
    url = content.link(checkout.abandoned_checkout_url, Flow.ABANDONED_CHECKOUT)
    return _schedule_steps(
        session=session,
        shop=shop,
        recipient=recipient,
        flow=Flow.ABANDONED_CHECKOUT,
        token=checkout.token,
        base=base,
        settings=settings,
        context=context,
        items=checkout.line_items,
        total=money(checkout.total_price, checkout.currency),
        url=url,
        button="resume_checkout",
    )


def tie_cart(*, session: Session, shop: Shop, token: str, customer_shopify_id: int, now: datetime | None = None) -> str:
    """The theme extension saw this cart token in a logged-in customer's session."""
    cart = session.exec(select(Cart).where(Cart.shop_id == shop.id, Cart.token == token)).first()
    if cart is None:  # carts/create not yet received: keep the tie for when it comes
        cart = Cart(shop_id=shop.id, token=token[:128])
    cart.customer_shopify_id = customer_shopify_id
    session.add(cart)
    session.flush()
    return on_cart(session=session, shop=shop, cart=cart, now=now)


def on_cart(*, session: Session, shop: Shop, cart: Cart, now: datetime | None = None) -> str:
    settings = flow_settings(shop, Flow.ABANDONED_CART)
    if not settings["enabled"] or not cart.customer_shopify_id:
        return "not_eligible"
    recipient = recipients.linked(session=session, shop=shop, customer_shopify_id=cart.customer_shopify_id)
    if recipient is None:
        return "not_eligible"
    reason = purchase_moot(
        session=session,
        shop=shop,
        token=None,
        cart_token=cart.token,
        customer_shopify_id=cart.customer_shopify_id,
        settings=settings,
        now=now,
    )
    if reason is None and _has_checkout(session=session, shop=shop, cart_token=cart.token):
        reason = "checkout_reminder_wins"
    if reason is None and (not cart.line_items or cart.total_price < Decimal(str(settings["min_total"] or 0))):
        reason = "below_min_total"
    if reason:
        return _cancel_purchase(session=session, shop=shop, token=None, cart_token=cart.token, reason=reason)
    base = as_utc(cart.shopify_updated_at or cart.shopify_created_at) or utcnow()
    permalink = f"https://{shop.domain}/cart/" + ",".join(
        f"{i['variant_id']}:{i['quantity']}" for i in cart.line_items if i.get("variant_id")
    )
    return _schedule_steps(
        session=session,
        shop=shop,
        recipient=recipient,
        flow=Flow.ABANDONED_CART,
        token=cart.token,
        base=base,
        settings=settings,
        items=cart.line_items,
        context={"cart_token": cart.token, "customer_shopify_id": cart.customer_shopify_id},
        total=money(cart.total_price, shop.currency),
        url=content.link(permalink, Flow.ABANDONED_CART),
        button="view_cart",
    )


def on_order(*, session: Session, shop: Shop, order: Order) -> int:
    """An order ends the reminders of the checkout and cart it came from."""
    cancelled = 0
    if order.checkout_token:
        cancelled += _cancel_purchase(
            session=session, shop=shop, token=order.checkout_token, cart_token=None, reason="ordered", count=True
        )
    if order.cart_token:
        cancelled += _cancel_purchase(
            session=session, shop=shop, token=None, cart_token=order.cart_token, reason="ordered", count=True
        )
        for token in session.exec(
            select(Checkout.token).where(Checkout.shop_id == shop.id, Checkout.cart_token == order.cart_token)
        ):
            cancelled += _cancel_purchase(
                session=session, shop=shop, token=token, cart_token=None, reason="ordered", count=True
            )
    return cancelled


def purchase_moot(
    *,
    session: Session,
    shop: Shop,
    token: str | None,
    cart_token: str | None,
    customer_shopify_id: int | None,
    settings: dict,
    now: datetime | None,
) -> str | None:
    """Why reminding about this purchase makes no sense any more, or None.
    Asked when scheduling and again by the worker right before sending."""
    tokens = [Order.checkout_token == token] if token else []
    tokens += [Order.cart_token == cart_token] if cart_token else []
    if tokens and session.exec(select(Order.id).where(Order.shop_id == shop.id, or_(*tokens)).limit(1)).first():
        return "ordered"
    if (
        token
        and session.exec(
            select(Checkout.id).where(
                Checkout.shop_id == shop.id, Checkout.token == token, Checkout.completed_at.is_not(None)
            )
        ).first()
    ):
        return "checkout_completed"
    hours = settings.get("skip_if_ordered_within_h") or 0
    if hours and customer_shopify_id:
        since = (now or utcnow()) - timedelta(hours=hours)
        if session.exec(
            select(Order.id)
            .where(
                Order.shop_id == shop.id, Order.customer_shopify_id == customer_shopify_id, Order.processed_at >= since
            )
            .limit(1)
        ).first():
            return "ordered_recently"
    return None


def recheck(*, session: Session, row: Notification, shop: Shop, now: datetime) -> str | None:
    """The reminders' re-check before sending (the registry's `recheck` for both flows)."""
    context = row.context or {}
    return purchase_moot(
        session=session,
        shop=shop,
        token=context.get("checkout_token"),
        cart_token=context.get("cart_token"),
        customer_shopify_id=context.get("customer_shopify_id"),
        settings=flow_settings(shop, row.flow),
        now=now,
    )


def _has_checkout(*, session: Session, shop: Shop, cart_token: str) -> bool:
    return (
        session.exec(
            select(Checkout.id)
            .where(
                Checkout.shop_id == shop.id,
                Checkout.cart_token == cart_token,
                Checkout.abandoned_checkout_url.is_not(None),
            )
            .limit(1)
        ).first()
        is not None
    )


def _cancel_purchase(
    *, session: Session, shop: Shop, token: str | None, cart_token: str | None, reason: str, count: bool = False
):
    done = 0
    if token:
        done += outbox.cancel(session=session, shop=shop, reason=reason, key_prefix=CHECKOUT.keys.prefix(token=token))
    if cart_token:
        done += outbox.cancel(session=session, shop=shop, reason=reason, key_prefix=CART.keys.prefix(token=cart_token))
    return done if count else f"cancelled:{reason}"


def _schedule_steps(
    *,
    session: Session,
    shop: Shop,
    recipient: Recipient,
    flow: Flow,
    token: str,
    base: datetime,
    settings: dict,
    context: dict,
    items: list[dict],
    total: str,
    url: str,
    button: str,
) -> str:
    shown = _items(session=session, shop=shop, items=items, lang=recipient.lang)
    outcomes = []
    for step, config in enumerate(settings["steps"][: spec(flow).max_steps]):
        discount = config.get("discount") or None
        messages = reminder_messages(
            shop,
            flow=flow,
            lang=recipient.lang,
            name=recipient.name,
            items=shown,
            total=total,
            url=url,
            button=button,
            discount=discount is not None,
        )
        outcomes.append(
            outbox.schedule(
                session=session,
                shop=shop,
                flow=flow,
                step=step,
                dedupe_key=spec(flow).keys.key(token=token, step=step),
                recipient=recipient,
                due_at=base + timedelta(minutes=int(config["delay_min"])),
                messages=messages,
                context={**context, "discount": discount},
                refresh=True,
            )
        )
    return ",".join(outcomes)


def reminder_messages(
    shop: Shop,
    *,
    flow: str,
    lang: str,
    name: str,
    items: list[content.Item],
    total: str,
    url: str,
    button: str,
    discount: bool,
) -> list[dict]:
    """One reminder step's messages (also what the admin's preview shows)."""
    intro = render(
        shop,
        flow,
        lang,
        {
            "customer_name": name,
            "total": total,
            "items": content.items_text(items, lang),
            "checkout_url": url,
            "cart_url": url,
        },
    )
    return content.basket(
        intro=intro,
        title=content.label("cart_title", lang),
        items=items,
        total=total,
        lang=lang,
        button=(content.label(button, lang), url),
        discount=discount,
    )


def _items(*, session: Session, shop: Shop, items: list[dict], lang: str) -> list[content.Item]:
    """Titles and quantities from the payload; images and stock from the synced catalog."""
    product_ids = {i["product_id"] for i in items if i.get("product_id")}
    variant_ids = {i["variant_id"] for i in items if i.get("variant_id")}
    images = (
        dict(
            session.exec(
                select(Product.shopify_id, Product.image_url).where(
                    Product.shop_id == shop.id, Product.shopify_id.in_(product_ids)
                )
            ).all()
        )
        if product_ids
        else {}
    )
    stock = (
        {
            v.shopify_id: v
            for v in session.exec(
                select(ProductVariant).where(
                    ProductVariant.shop_id == shop.id, ProductVariant.shopify_id.in_(variant_ids)
                )
            )
        }
        if variant_ids
        else {}
    )
    shown = []
    for item in items:
        variant = stock.get(item.get("variant_id"))
        left = variant.inventory_quantity if variant is not None else None
        variant_title = item.get("variant_title") if item.get("variant_title") != "Default Title" else None
        title = content.item_title(item.get("title") or "", variant_title, lang)
        shown.append(
            content.Item(
                title=title,
                quantity=item.get("quantity") or 1,
                image_url=(variant.image_url if variant is not None else None) or images.get(item.get("product_id")),
                low_stock=left is not None and 0 < left <= content.LOW_STOCK,
            )
        )
    return shown
