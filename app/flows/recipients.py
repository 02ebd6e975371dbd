"""Who a customer flow speaks to: the LINE friend linked to the customer, if any."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, select

from ..i18n import language, t
from ..models import Customer, LineFriend, Shop


@dataclass(frozen=True)
class Recipient:
    friend: LineFriend
    customer: Customer | None  # None for a friend not linked to a customer (back in stock)
    lang: str
    name: str


def linked(
    *,
    session: Session,
    shop: Shop,
    customer_shopify_id: int | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> Recipient | None:
    """The linked friend of the customer with this Shopify id, else of the customer with this
    email or phone (checkouts of logged-out shoppers). None when nobody is linked."""
    customer = None
    if customer_shopify_id:
        customer = session.exec(
            select(Customer).where(Customer.shop_id == shop.id, Customer.shopify_id == customer_shopify_id)
        ).first()
    friend = _friend(session=session, shop=shop, customer=customer) if customer else None
    if friend is None and (email or phone):
        matches = [Customer.email.in_({email.strip(), email.strip().lower()})] if email else []
        matches += [Customer.phone == phone.strip()] if phone else []
        pairs = session.exec(
            select(Customer, LineFriend)
            .join(LineFriend, LineFriend.customer_id == Customer.id)
            .where(Customer.shop_id == shop.id, LineFriend.shop_id == shop.id, or_(*matches))
            .limit(1)
        ).first()
        if pairs:
            customer, friend = pairs
    if friend is None or customer is None:
        return None
    lang = language(shop=shop, friend=friend)
    fallback = friend.display_name or t("flows.recipient.fallback_name", lang)
    return Recipient(friend=friend, customer=customer, lang=lang, name=customer.display_name(fallback))


def recipient_of(*, session: Session, shop: Shop, customer: Customer) -> Recipient | None:
    """`linked` for a customer already read: their linked friend, or None."""
    friend = _friend(session=session, shop=shop, customer=customer)
    if friend is None:
        return None
    lang = language(shop=shop, friend=friend)
    fallback = friend.display_name or t("flows.recipient.fallback_name", lang)
    return Recipient(friend=friend, customer=customer, lang=lang, name=customer.display_name(fallback))


def _friend(*, session: Session, shop: Shop, customer: Customer) -> LineFriend | None:
    return session.exec(
        select(LineFriend).where(LineFriend.shop_id == shop.id, LineFriend.customer_id == customer.id)
    ).first()
