"""Back-in-stock requests from the chat: the shopper tapped "入荷したら知らせる".

The search carousel's button (`app/search/restock.py`) posts back the variant; the chat
routes it here. The store's theme block posts the same request through the app proxy
(`restock_storefront.py`, for a logged-in customer linked to a friend): the same `request`, and
the chat's confirmation pushed through the outbox (there is no reply token to answer with).
One waiting request per friend and variant (a unique index): a second tap,
or two taps racing, leave one request and get a polite "already" reply. A request lapses
after the shop's expiry (`expiry_days`, 90 by default); `back_in_stock.py` notifies the
waiting ones when the variant is restocked.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select, update

from ..i18n import t
from ..line import messages
from ..line.chat import Chat
from ..models import BackInStockRequest, LineFriend, Product, ProductVariant, Shop
from ..models import BackInStockStatus as Req
from ..shopify_flow import triggers as flow_triggers
from ..timeutil import utcnow
from .config import flow_settings
from .registry import Flow


def expiry_days(shop: Shop) -> int:
    return int(flow_settings(shop, Flow.BACK_IN_STOCK)["expiry_days"])


def request(
    *, session: Session, shop: Shop, friend: LineFriend, variant: ProductVariant, now: datetime
) -> BackInStockRequest | None:
    """Record the friend's request; None when one is already waiting."""
    session.execute(  # a lapsed request does not stop the friend from asking again
        update(BackInStockRequest)
        .where(
            BackInStockRequest.friend_id == friend.id,
            BackInStockRequest.variant_shopify_id == variant.shopify_id,
            BackInStockRequest.status == Req.WAITING,
            BackInStockRequest.expires_at <= now,
        )
        .values(status=Req.EXPIRED)
    )
    product = session.get(Product, variant.product_id)
    row = BackInStockRequest(
        shop_id=shop.id,
        friend_id=friend.id,
        product_shopify_id=product.shopify_id if product else 0,
        variant_shopify_id=variant.shopify_id,
        created_at=now,
        expires_at=now + timedelta(days=expiry_days(shop)),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    flow_triggers.fire(
        session=session,
        shop_id=shop.id,
        handle=flow_triggers.BACK_IN_STOCK_REQUESTED,
        key=f"request:{row.id}",
        friend=friend,
        fields={
            "Product title": product.title if product else "",
            "Product ID": str(row.product_shopify_id),
            "Variant ID": str(variant.shopify_id),
        },
    )
    return row


def on_postback(chat: Chat, params: dict) -> None:
    """The shopper tapped the button: ask for them, and say so."""
    if chat.friend is None:  # a group's member we do not know as a friend: nowhere to push
        return
    variant = _variant(chat, params.get("variant"))
    if variant is None:
        chat.reply(messages.text(chat.t("line.chat.restock.unknown")))
        return
    title = _title(chat, variant)
    if variant.available:  # restocked between the search and the tap
        chat.reply(messages.text(chat.t("line.chat.restock.in_stock", product_title=title)))
        return
    made = request(session=chat.session, shop=chat.shop, friend=chat.friend, variant=variant, now=utcnow())
    key = "line.chat.restock.requested" if made is not None else "line.chat.restock.already"
    chat.reply(messages.text(chat.t(key, product_title=title, days=expiry_days(chat.shop))))


def _variant(chat: Chat, value) -> ProductVariant | None:
    return find_variant(session=chat.session, shop=chat.shop, value=value)


def find_variant(*, session: Session, shop: Shop, value) -> ProductVariant | None:
    """The shop's variant named by `value` (its Shopify id), on a product not deleted."""
    try:
        shopify_id = int(str(value))
    except ValueError:
        return None
    if not 0 < shopify_id < 2**63:
        return None
    return session.exec(
        select(ProductVariant)
        .join(Product, Product.id == ProductVariant.product_id)
        .where(
            ProductVariant.shop_id == shop.id,
            ProductVariant.shopify_id == shopify_id,
            Product.deleted_at.is_(None),
        )
    ).first()


def _title(chat: Chat, variant: ProductVariant) -> str:
    return title_of(session=chat.session, variant=variant, lang=chat.lang)


def title_of(*, session: Session, variant: ProductVariant, lang: str) -> str:
    product = session.get(Product, variant.product_id)
    title = product.title if product else ""
    if not variant.title or variant.title == "Default Title":
        return title
    return t("search.restock.item_variant", lang, title=title, variant=variant.title)
