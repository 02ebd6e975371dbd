"""Everything the app holds about one shopper of one shop, table by table.

The data-request export hands these rows over and the erasure removes or blanks them, so
the two can never disagree about what "everything" is. A shopper is named the way
Shopify's privacy requests name them: a customer id, an e-mail, a phone number and the
ids of their orders. From there the rows are found through the links the app itself
keeps: the LINE friend linked to the customer (or once linked by the shopper's own hand,
in the chat or with LINE Login), that friend's chat, searches, back-in-stock requests,
messages and clicks, the customer's product views (web pixel), the orders' checkouts, carts
and fulfillments, the raw deliveries naming any of them, and the dry-run requests that would have gone to their LINE.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Text, cast, func, or_
from sqlmodel import Session, select

from .. import models as m
from ..sync.common import as_int, text
from .deliveries import naming

# Links a shopper made themselves prove the LINE account is theirs; a merchant's may not.
SHOPPER_LINKS = ("chat", "login")
_CHUNK = 200


@dataclass(frozen=True)
class ShopperRef:
    """How a privacy request names the shopper."""

    customer_shopify_id: int | None = None
    email: str | None = None
    phone: str | None = None
    order_ids: tuple[int, ...] = ()

    @classmethod
    def from_payload(cls, payload: dict, orders_key: str) -> ShopperRef:
        customer = payload.get("customer") if isinstance(payload.get("customer"), dict) else {}
        orders = payload.get(orders_key) if isinstance(payload.get(orders_key), list) else []
        return cls(
            customer_shopify_id=as_int(customer.get("id")),
            email=(text(customer.get("email"), 320) or "").strip() or None,
            phone=(text(customer.get("phone"), 32) or "").strip() or None,
            order_ids=tuple(i for i in (as_int(o) for o in orders) if i is not None),
        )


@dataclass
class Holdings:
    customer: m.Customer | None = None
    friends: list[m.LineFriend] = field(default_factory=list)
    orders: list[m.Order] = field(default_factory=list)
    line_items: list[m.OrderLineItem] = field(default_factory=list)
    checkouts: list[m.Checkout] = field(default_factory=list)
    carts: list[m.Cart] = field(default_factory=list)
    fulfillments: list[m.Fulfillment] = field(default_factory=list)
    notifications: list[m.Notification] = field(default_factory=list)
    tracked_links: list[m.TrackedLink] = field(default_factory=list)
    clicks: list[m.LinkClick] = field(default_factory=list)
    attributions: list[m.Attribution] = field(default_factory=list)
    link_audits: list[m.LinkAudit] = field(default_factory=list)
    link_nonces: list[m.LinkNonce] = field(default_factory=list)
    chat: list[m.LineEvent] = field(default_factory=list)
    dry_runs: list[m.LineDryRun] = field(default_factory=list)
    searches: list[m.SearchLog] = field(default_factory=list)
    back_in_stock: list[m.BackInStockRequest] = field(default_factory=list)
    product_views: list[m.ProductView] = field(default_factory=list)
    blocks: list[m.FriendBlock] = field(default_factory=list)
    source_visits: list[m.FriendSourceVisit] = field(default_factory=list)
    rich_menu_links: list[m.RichMenuLink] = field(default_factory=list)
    sequence_runs: list[m.SequenceRun] = field(default_factory=list)
    deliveries: list[m.WebhookEvent] = field(default_factory=list)
    requests: list[m.ComplianceRequest] = field(default_factory=list)

    @property
    def line_user_ids(self) -> list[str]:
        return [f.line_user_id for f in self.friends]


def holdings_of(*, session: Session, shop: m.Shop, ref: ShopperRef) -> Holdings:
    """Every row of `shop` that holds something about the shopper `ref` names."""
    held = Holdings(customer=_customer(session=session, shop=shop, shopify_id=ref.customer_shopify_id))
    emails = {e.lower() for e in (ref.email, held.customer and held.customer.email) if e}
    phones = {p for p in (ref.phone, held.customer and held.customer.phone) if p}
    held.friends = _friends(session=session, shop=shop, customer=held.customer, shopify_id=ref.customer_shopify_id)
    held.orders = _orders(session=session, shop=shop, ref=ref, emails=emails)
    held.checkouts = _checkouts(
        session=session,
        shop=shop,
        customer_id=ref.customer_shopify_id,
        emails=emails,
        phones=phones,
        orders=held.orders,
    )
    held.carts = _carts(
        session=session, shop=shop, customer_id=ref.customer_shopify_id, checkouts=held.checkouts, orders=held.orders
    )
    _order_rows(session=session, shop=shop, held=held)
    if held.customer is not None:  # the web pixel's product views (browse abandonment)
        held.product_views = _where(
            session=session, model=m.ProductView, shop=shop, conditions=(m.ProductView.customer_id == held.customer.id,)
        )
    _line_rows(session=session, shop=shop, held=held, shopify_id=ref.customer_shopify_id)
    _tracking_rows(session=session, shop=shop, held=held)
    terms = {ref.customer_shopify_id, *emails, *phones, *(o.shopify_id for o in held.orders)}
    terms |= {c.token for c in held.checkouts} | {c.token for c in held.carts}
    held.deliveries = naming(session=session, shop=shop, terms=terms)
    if ref.customer_shopify_id is not None:
        held.requests = _where(
            session=session,
            model=m.ComplianceRequest,
            shop=shop,
            conditions=(m.ComplianceRequest.customer_shopify_id == ref.customer_shopify_id,),
        )
    return held


def _where(*, session: Session, model, shop: m.Shop, conditions: tuple = ()) -> list:
    """The shop's rows of `model` matching any of `conditions` (none: no rows)."""
    conditions = [c for c in conditions if c is not None]
    if not conditions:
        return []
    return list(session.exec(select(model).where(model.shop_id == shop.id, or_(*conditions)).order_by(model.id)))


def _in(column, values) -> object | None:
    values = sorted({v for v in values if v is not None})
    return column.in_(values) if values else None


def _customer(*, session: Session, shop: m.Shop, shopify_id: int | None) -> m.Customer | None:
    if shopify_id is None:
        return None
    return session.exec(
        select(m.Customer).where(m.Customer.shop_id == shop.id, m.Customer.shopify_id == shopify_id)
    ).first()


def _friends(*, session: Session, shop: m.Shop, customer: m.Customer | None, shopify_id: int | None) -> list:
    """The friend linked to the customer, and friends the shopper once linked to it
    themselves that no other customer has linked since (then the LINE account is theirs)."""
    linked = m.LineFriend.customer_id == customer.id if customer is not None else None
    proven = None
    if shopify_id is not None:
        proven = m.LineFriend.customer_id.is_(None) & m.LineFriend.id.in_(
            select(m.LinkAudit.friend_id).where(
                m.LinkAudit.shop_id == shop.id,
                m.LinkAudit.customer_shopify_id == shopify_id,
                m.LinkAudit.method.in_(SHOPPER_LINKS),
            )
        )
    return _where(session=session, model=m.LineFriend, shop=shop, conditions=(linked, proven))


def _orders(*, session: Session, shop: m.Shop, ref: ShopperRef, emails: set[str]) -> list:
    return _where(
        session=session,
        model=m.Order,
        shop=shop,
        conditions=(
            m.Order.customer_shopify_id == ref.customer_shopify_id if ref.customer_shopify_id is not None else None,
            _in(m.Order.shopify_id, ref.order_ids),
            _in(func.lower(m.Order.email), emails),
        ),
    )


def _checkouts(*, session: Session, shop: m.Shop, customer_id, emails, phones, orders) -> list:
    return _where(
        session=session,
        model=m.Checkout,
        shop=shop,
        conditions=(
            m.Checkout.customer_shopify_id == customer_id if customer_id is not None else None,
            _in(func.lower(m.Checkout.email), emails),
            _in(m.Checkout.phone, phones),
            _in(m.Checkout.token, (o.checkout_token for o in orders)),
        ),
    )


def _carts(*, session: Session, shop: m.Shop, customer_id, checkouts, orders) -> list:
    tokens = [c.cart_token for c in checkouts] + [o.cart_token for o in orders]
    return _where(
        session=session,
        model=m.Cart,
        shop=shop,
        conditions=(
            m.Cart.customer_shopify_id == customer_id if customer_id is not None else None,
            _in(m.Cart.token, tokens),
        ),
    )


def _order_rows(*, session: Session, shop: m.Shop, held: Holdings) -> None:
    order_ids = [o.id for o in held.orders]
    held.line_items = _where(
        session=session, model=m.OrderLineItem, shop=shop, conditions=(_in(m.OrderLineItem.order_id, order_ids),)
    )
    held.fulfillments = _where(
        session=session,
        model=m.Fulfillment,
        shop=shop,
        conditions=(_in(m.Fulfillment.order_shopify_id, (o.shopify_id for o in held.orders)),),
    )
    held.attributions = _where(
        session=session, model=m.Attribution, shop=shop, conditions=(_in(m.Attribution.order_id, order_ids),)
    )


def _line_rows(*, session: Session, shop: m.Shop, held: Holdings, shopify_id: int | None) -> None:
    friend_ids = [f.id for f in held.friends]
    held.chat = _where(
        session=session, model=m.LineEvent, shop=shop, conditions=(_in(m.LineEvent.line_user_id, held.line_user_ids),)
    )
    held.searches = _where(
        session=session, model=m.SearchLog, shop=shop, conditions=(_in(m.SearchLog.friend_id, friend_ids),)
    )
    held.back_in_stock = _where(
        session=session,
        model=m.BackInStockRequest,
        shop=shop,
        conditions=(_in(m.BackInStockRequest.friend_id, friend_ids),),
    )
    held.blocks = _where(
        session=session, model=m.FriendBlock, shop=shop, conditions=(_in(m.FriendBlock.friend_id, friend_ids),)
    )
    held.source_visits = _where(
        session=session,
        model=m.FriendSourceVisit,
        shop=shop,
        conditions=(_in(m.FriendSourceVisit.line_friend_id, friend_ids),),
    )
    held.rich_menu_links = _where(
        session=session, model=m.RichMenuLink, shop=shop, conditions=(_in(m.RichMenuLink.friend_id, friend_ids),)
    )
    held.sequence_runs = _where(
        session=session, model=m.SequenceRun, shop=shop, conditions=(_in(m.SequenceRun.friend_id, friend_ids),)
    )
    by_customer = m.LinkAudit.customer_shopify_id == shopify_id if shopify_id is not None else None
    held.link_audits = _where(
        session=session, model=m.LinkAudit, shop=shop, conditions=(_in(m.LinkAudit.friend_id, friend_ids), by_customer)
    )
    if shopify_id is not None:
        held.link_nonces = _where(
            session=session, model=m.LinkNonce, shop=shop, conditions=(m.LinkNonce.customer_shopify_id == shopify_id,)
        )
    reply_tokens = [str(e.body.get("replyToken")) for e in held.chat if (e.body or {}).get("replyToken")]
    held.dry_runs = _dry_runs(session=session, shop=shop, user_ids=held.line_user_ids, reply_tokens=reply_tokens)


def _dry_runs(*, session: Session, shop: m.Shop, user_ids: list[str], reply_tokens: list[str]) -> list:
    """Requests that would have gone to the shopper's LINE: pushes and multicasts naming
    their user id, and replies to their chat events (by reply token)."""
    found: dict[int, m.LineDryRun] = {}
    terms = [*user_ids, *reply_tokens]
    for start in range(0, len(terms), _CHUNK):
        chunk = terms[start : start + _CHUNK]
        text = cast(m.LineDryRun.body, Text)
        for row in _where(
            session=session,
            model=m.LineDryRun,
            shop=shop,
            conditions=tuple(text.contains(term, autoescape=True) for term in chunk),
        ):
            if addressed_to(row.body, set(user_ids), set(reply_tokens)):
                found[row.id] = row
    return sorted(found.values(), key=lambda r: r.id)


def addressed_to(body: dict, user_ids: set[str], reply_tokens: set[str]) -> bool:
    to = (body or {}).get("to")
    recipients = set(to) if isinstance(to, list) else {to}
    return bool(recipients & user_ids) or (body or {}).get("replyToken") in reply_tokens


def _tracking_rows(*, session: Session, shop: m.Shop, held: Holdings) -> None:
    friend_ids = [f.id for f in held.friends]
    customer_id = held.customer.id if held.customer is not None else None
    by_customer = m.Notification.customer_id == customer_id if customer_id is not None else None
    held.notifications = _where(
        session=session,
        model=m.Notification,
        shop=shop,
        conditions=(by_customer, _in(m.Notification.friend_id, friend_ids)),
    )
    notification_ids = [n.id for n in held.notifications]
    held.tracked_links = _where(
        session=session,
        model=m.TrackedLink,
        shop=shop,
        conditions=(
            m.TrackedLink.customer_id == customer_id if customer_id is not None else None,
            _in(m.TrackedLink.notification_id, notification_ids),
        ),
    )
    held.clicks = _where(
        session=session,
        model=m.LinkClick,
        shop=shop,
        conditions=(
            m.LinkClick.customer_id == customer_id if customer_id is not None else None,
            _in(m.LinkClick.link_id, (link.id for link in held.tracked_links)),
            _in(m.LinkClick.friend_id, friend_ids),  # rich menu postback taps, linked or not yet
        ),
    )
