"""Back-in-stock notices (再入荷のお知らせ): when a sold-out variant can be sold again, the
friends who asked are told, oldest request first.

Friends ask from the chat (the search carousel's button, `restock_requests.py`). A
restock is a variant going from unavailable to available, seen by the webhook handlers
(products/update, inventory_levels/update) comparing before and after. Per restock at most
available quantity × the shop's factor (default 3) requests are notified: telling more
people than could buy mostly disappoints; the rest wait for the next restock. A request is
notified once (its id is the notice's dedupe key) and expires after the shop's expiry
(90 days by default). All of it happens in the webhook's transaction and only puts
notices in the outbox: the dispatcher sends each with its id as LINE's retry key, so a
crash never sends one twice. The shopper asked for it, so opt-outs and quiet hours apply
and the marketing caps do not (`Kind.REQUESTED`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from ..formatting import money
from ..i18n import language, t
from ..models import BackInStockRequest, Customer, LineFriend, Notification, Product, ProductVariant, Shop
from ..models import BackInStockStatus as Req
from ..timeutil import utcnow
from . import content, outbox
from .config import flow_settings
from .recipients import Recipient
from .registry import Flow, spec
from .templates import render

KEYS = spec(Flow.BACK_IN_STOCK).keys
_CHUNK = 500  # ids per IN (...): well under SQLite's and PostgreSQL's parameter limits


def expire(*, session: Session, shop: Shop, now: datetime, variant_id: int | None = None) -> int:
    """Mark waiting requests past their expiry as expired (one variant's, or all); how many."""
    where = [
        BackInStockRequest.shop_id == shop.id,
        BackInStockRequest.status == Req.WAITING,
        BackInStockRequest.expires_at <= now,
    ]
    if variant_id is not None:
        where.append(BackInStockRequest.variant_shopify_id == variant_id)
    return session.execute(update(BackInStockRequest).where(*where).values(status=Req.EXPIRED)).rowcount or 0


def on_restock(*, session: Session, shop: Shop, variant: ProductVariant, now: datetime | None = None) -> int:
    """The variant can be sold again: notify the oldest waiting requests; how many."""
    now = now or utcnow()
    settings = flow_settings(shop, Flow.BACK_IN_STOCK)
    expire(session=session, shop=shop, now=now, variant_id=variant.shopify_id)
    product = session.get(Product, variant.product_id)
    if not settings["enabled"] or product is None or product.deleted_at is not None:
        return 0
    chosen = [
        (request_id, LineFriend.model_construct(id=friend_id, language=lang, display_name=shown, customer_id=customer))
        for request_id, friend_id, lang, shown, customer in waiting_requests(
            session=session, shop=shop, variant=variant, limit=notice_limit(variant, int(settings["factor"]))
        )
    ]
    customers = _customers(session=session, shop=shop, friends=[friend for _id, friend in chosen])
    notices = []
    for request_id, friend in chosen:
        recipient = _recipient(shop=shop, friend=friend, customer=customers.get(friend.customer_id))
        notices.append(
            (
                KEYS.key(request=request_id),
                recipient,
                notice_messages(shop, lang=recipient.lang, name=recipient.name, product=product, variant=variant),
                {"request_id": request_id, "product_id": product.shopify_id, "variant_id": variant.shopify_id},
            )
        )
    outbox.schedule_many(session=session, shop=shop, flow=Flow.BACK_IN_STOCK, due_at=now, notices=notices)
    ids = [request_id for request_id, _friend in chosen]
    for start in range(0, len(ids), _CHUNK):
        session.execute(
            update(BackInStockRequest)
            .where(BackInStockRequest.id.in_(ids[start : start + _CHUNK]))
            .values(status=Req.NOTIFIED, notified_at=now)
        )
    return len(chosen)


def sold_out_variants(*, session: Session, shop: Shop, product_shopify_id: int | None) -> set[int]:
    """The product's variants that cannot be sold now (read before a products webhook applies)."""
    if product_shopify_id is None:
        return set()
    return set(
        session.exec(
            select(ProductVariant.shopify_id)
            .join(Product, Product.id == ProductVariant.product_id)
            .where(
                Product.shop_id == shop.id,
                Product.shopify_id == product_shopify_id,
                ProductVariant.available.is_(False),
            )
        )
    )


def on_available_again(*, session: Session, shop: Shop, variant_ids: set[int]) -> int:
    """After a products webhook: each variant that was sold out and can be sold now is a restock."""
    if not variant_ids:
        return 0
    restocked = session.exec(
        select(ProductVariant).where(
            ProductVariant.shop_id == shop.id,
            ProductVariant.shopify_id.in_(variant_ids),
            ProductVariant.available.is_(True),
        )
    ).all()
    return sum(on_restock(session=session, shop=shop, variant=v) for v in restocked)


def notice_limit(variant: ProductVariant, factor: int) -> int | None:
    """How many requests one restock notifies: quantity × factor; None (all) when stock
    does not decide (not tracked, overselling) or the quantity is not known."""
    quantity = variant.inventory_quantity
    if variant.stock_tracked is False or quantity is None or quantity <= 0:
        return None
    return quantity * max(1, factor)


def waiting_requests(
    *, session: Session, shop: Shop, variant: ProductVariant, limit: int | None
) -> list[tuple[int, int, str | None, str | None, int | None]]:
    """The waiting requests of friends who can hear it, first come first served: (request
    id, friend id, language, display name, customer id) each.

    Plain tuples, not rows: a restock reads tens of thousands at once, and each SQLAlchemy
    Row is a container the garbage collector keeps tracking, so holding 30,000 of them set
    off a full collection of the whole heap (most of the selection's time, 60-110 ms here).
    A tuple of plain values is untracked at its first collection and costs nothing after."""
    return list(map(tuple, session.execute(_waiting(shop, variant, limit=limit))))


def _waiting(shop: Shop, variant: ProductVariant, *, limit: int | None):
    """The query: in `ix_back_in_stock_waiting`'s order, which also holds the friend id."""
    query = (
        select(
            BackInStockRequest.id,
            LineFriend.id,
            LineFriend.language,
            LineFriend.display_name,
            LineFriend.customer_id,
        )
        .join(LineFriend, LineFriend.id == BackInStockRequest.friend_id)
        .where(
            BackInStockRequest.shop_id == shop.id,
            BackInStockRequest.variant_shopify_id == variant.shopify_id,
            BackInStockRequest.status == Req.WAITING,
            # Blocked or opted out: their turn would be wasted; they keep waiting.
            LineFriend.is_blocked.is_(False),
            LineFriend.marketing_opt_out_at.is_(None),
        )
        .order_by(BackInStockRequest.created_at, BackInStockRequest.id)
    )
    return query.limit(limit) if limit is not None else query


def _customers(*, session: Session, shop: Shop, friends: list[LineFriend]) -> dict[int, Customer]:
    """The linked friends' customers, read in chunks rather than one at a time."""
    ids = sorted({f.customer_id for f in friends if f.customer_id})
    found: dict[int, Customer] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found.update(
            (c.id, c) for c in session.exec(select(Customer).where(Customer.shop_id == shop.id, Customer.id.in_(chunk)))
        )
    return found


def _recipient(*, shop: Shop, friend: LineFriend, customer: Customer | None) -> Recipient:
    lang = language(shop=shop, friend=friend)
    fallback = friend.display_name or t("flows.recipient.fallback_name", lang)
    name = customer.display_name(fallback) if customer else fallback
    return Recipient(friend=friend, customer=customer, lang=lang, name=name)


def notice_messages(shop: Shop, *, lang: str, name: str, product: Product, variant: ProductVariant) -> list[dict]:
    """The notice: the merchant's text, then the product with a buy button (the admin's
    preview renders the same). The link opens the variant; the worker makes it tracked."""
    page = product.online_store_url or f"https://{shop.domain}/products/{product.handle}"
    url = content.link(f"{page}?variant={variant.shopify_id}", Flow.BACK_IN_STOCK)
    shown_variant = variant.title if variant.title and variant.title != "Default Title" else ""
    intro = render(
        shop,
        Flow.BACK_IN_STOCK,
        lang,
        {"customer_name": name, "product_title": product.title, "variant_title": shown_variant, "product_url": url},
    )
    return content.product_card(
        intro=intro,
        title=content.item_title(product.title, shown_variant or None, lang),
        price=money(variant.price, shop.currency),
        button=(content.label("buy_now", lang), url),
        image_url=variant.image_url or product.image_url,
    )


def recheck(*, session: Session, row: Notification, shop: Shop, now: datetime) -> str | None:
    """A notice about a product deleted since is moot (a sold-out-again one still goes:
    the request was notified once, and the shopper learns it sells)."""
    variant_id = (row.context or {}).get("variant_id")
    found = session.exec(
        select(ProductVariant.id).where(ProductVariant.shop_id == shop.id, ProductVariant.shopify_id == variant_id)
    ).first()
    return None if found is not None else "product_gone"
