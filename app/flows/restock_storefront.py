"""Back-in-stock requests from the store: the theme block "入荷したら知らせる / Notify me"
on a sold-out variant's product page posts through the app proxy (`/proxy/restock`, signed
by Shopify with the logged-in customer).

A customer linked to a LINE friend asks exactly as from the chat (`restock_requests.request`:
one waiting request per friend and variant) and gets the chat's confirmation in LINE, pushed
through the outbox once per request (its key) since there is no reply token; the shopper
asked for it, so it waits out quiet hours like the notice itself. A customer with no friend
(or a blocked one) gets an answer telling them to link LINE, with the store's LINE Login link
when the shop has LINE Login set up. The answer is JSON the block shows as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from ..i18n import language, t
from ..line import account_link, channels, messages
from ..line import texts as line_texts
from ..models import Customer, LineFriend, Shop
from . import outbox
from .recipients import Recipient
from .registry import Flow, spec
from .restock_requests import expiry_days, find_variant, request, title_of

CONFIRMATION_STEP = 1  # step 0 is the notice; the confirmation is counted apart from it


@dataclass(frozen=True)
class Answer:
    status: str  # requested, already, in_stock, unknown, unlinked
    message: str
    link_url: str | None = None


def confirmation_key(request_id: int) -> str:
    return spec(Flow.BACK_IN_STOCK).keys.key(request=f"{request_id}:confirmation")


def ask(*, session: Session, shop: Shop, customer_shopify_id: int, variant_value, lang: str, now: datetime) -> Answer:
    """The logged-in customer asked for the variant; `lang` is the browser's (for the unlinked)."""
    friend = _friend(session=session, shop=shop, customer_shopify_id=customer_shopify_id)
    lang = language(shop=shop, friend=friend) if friend is not None else lang
    variant = find_variant(session=session, shop=shop, value=variant_value)
    if variant is None:
        return Answer("unknown", line_texts.text(shop, "line.chat.restock.unknown", lang))
    title = title_of(session=session, variant=variant, lang=lang)
    if variant.available:
        return Answer("in_stock", line_texts.text(shop, "line.chat.restock.in_stock", lang, product_title=title))
    if friend is None:
        link = _login_link(session=session, shop=shop)
        key = "line.store.restock.unlinked_login" if link else "line.store.restock.unlinked_chat"
        return Answer("unlinked", t(key, lang, product_title=title), link)
    made = request(session=session, shop=shop, friend=friend, variant=variant, now=now)
    if made is None:
        return Answer("already", line_texts.text(shop, "line.chat.restock.already", lang, product_title=title))
    days = expiry_days(shop)
    confirmation = line_texts.text(shop, "line.chat.restock.requested", lang, product_title=title, days=days)
    customer = session.get(Customer, friend.customer_id)
    outbox.schedule(
        session=session,
        shop=shop,
        flow=Flow.BACK_IN_STOCK,
        step=CONFIRMATION_STEP,
        dedupe_key=confirmation_key(made.id),
        due_at=now,
        recipient=Recipient(friend=friend, customer=customer, lang=lang, name=friend.display_name or ""),
        messages=[messages.text(confirmation)],
        context={"request_id": made.id, "variant_id": variant.shopify_id, "confirmation": True},
    )
    return Answer("requested", t("line.store.restock.requested", lang, product_title=title))


def _friend(*, session: Session, shop: Shop, customer_shopify_id: int) -> LineFriend | None:
    """The customer's LINE friend, if linked and not blocked."""
    return session.exec(
        select(LineFriend)
        .join(Customer, Customer.id == LineFriend.customer_id)
        .where(
            Customer.shop_id == shop.id,
            Customer.shopify_id == customer_shopify_id,
            LineFriend.shop_id == shop.id,
            LineFriend.is_blocked.is_(False),
        )
    ).first()


def _login_link(*, session: Session, shop: Shop) -> str | None:
    channel = channels.for_shop(session=session, shop=shop)
    if channel is None or channel.disconnected_at is not None or not channel.login_channel_id:
        return None
    return account_link.store_login_url(shop)
