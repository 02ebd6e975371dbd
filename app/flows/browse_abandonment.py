"""Browse abandonment (閲覧放棄): a linked customer looked at products and did not buy.

The storefront's web pixel reports `product_viewed` for logged-in customers
(`app/shopify/pixel.py`); `record_view` keeps one row per customer and product, and only
for a customer linked to a LINE friend. Pixel events are unsigned, so nothing here trusts
them to send: the reminder job (`remind_due`, every minute) takes a customer whose last
view is `delay_hours` old (4 by default), deletes their views (in the transaction that
decides, so a crash leaves them for the next run), and schedules at most one reminder,
keyed per customer and day of the shop's zone (`browse:{customer}:{day}`), with up to
three of the viewed products that are in stock and were not in a reminder of theirs in the
last 30 days. An order since the first view means
no reminder; the worker asks again right before sending (`recheck`). It is marketing:
quiet hours, the caps, opt-outs and the quota reserve apply. However many events arrive,
one key per day and the once-per-product rule are what bound the messages.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ..db import session_scope
from ..formatting import shorten, zone
from ..line import messages
from ..models import Customer, LineFriend, Notification, Order, Product, ProductVariant, ProductView, Shop
from ..models import NotificationStatus as St
from ..search.found import Found
from ..search.reply import carousel
from ..timeutil import as_utc, parse_ts, utcnow
from . import content, outbox, recipients
from .config import flow_settings
from .registry import Flow, spec
from .templates import render

log = logging.getLogger("tsunagu.flows.browse")
FLOW = Flow.BROWSE_ABANDONMENT
KEYS = spec(FLOW).keys
MAX_PRODUCTS = 3  # products in one reminder
PRODUCT_ONCE_DAYS = 30  # a product is in at most one reminder to a customer in this many days
VIEWS_LIMIT = 50  # distinct products kept per customer until the job decides on them
CUSTOMERS_PER_RUN = 500  # per shop and job run; the rest wait for the next minute
UTM = {"utm_medium": "push", "utm_campaign": str(FLOW)}


def record_view(
    *,
    session: Session,
    shop: Shop,
    customer_shopify_id: int,
    product_shopify_id: int,
    variant_shopify_id: int | None,
    viewed_at: datetime,
) -> str:
    """Keep a pixel's product view: "recorded", or why not (nothing is stored then): the flow
    is off, the customer is not linked (or blocked us, or opted out), the product is unknown."""
    if not flow_settings(shop, FLOW)["enabled"]:
        return "disabled"
    customer_id = session.exec(
        select(Customer.id)
        .join(LineFriend, LineFriend.customer_id == Customer.id)
        .where(
            Customer.shop_id == shop.id,
            Customer.shopify_id == customer_shopify_id,
            LineFriend.shop_id == shop.id,
            LineFriend.is_blocked.is_(False),
            LineFriend.marketing_opt_out_at.is_(None),  # 配信停止: no reminder, so no need to keep views
        )
        .limit(1)
    ).first()
    if customer_id is None:
        return "not_linked"
    known = session.exec(
        select(Product.id).where(
            Product.shop_id == shop.id, Product.shopify_id == product_shopify_id, Product.deleted_at.is_(None)
        )
    ).first()
    if known is None:
        return "unknown_product"
    kept = session.exec(
        select(ProductView.product_shopify_id).where(
            ProductView.shop_id == shop.id, ProductView.customer_id == customer_id
        )
    ).all()
    if len(kept) >= VIEWS_LIMIT and product_shopify_id not in set(kept):
        return "too_many"
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    statement = insert(ProductView.__table__).values(
        shop_id=shop.id,
        customer_id=customer_id,
        product_shopify_id=product_shopify_id,
        variant_shopify_id=variant_shopify_id,
        viewed_at=viewed_at,
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["customer_id", "product_shopify_id"],
            set_={name: statement.excluded[name] for name in ("viewed_at", "variant_shopify_id")},
        )
    )
    return "recorded"


def remind_due(*, engine: Engine, now: datetime | None = None) -> dict:
    """The job: each customer whose last view is old enough is decided once, in a
    transaction of their own (a failure is logged and skipped; their views stay)."""
    now = now or utcnow()
    outcomes: Counter[str] = Counter()
    with Session(engine) as session:
        shop_ids = session.exec(select(ProductView.shop_id).distinct()).all()
    for shop_id in shop_ids:
        with Session(engine) as session:
            shop = session.get(Shop, shop_id)
            if shop is None:
                continue
            cutoff = now - timedelta(hours=_delay_hours(shop))
            due = session.exec(
                select(ProductView.customer_id)
                .where(ProductView.shop_id == shop_id)
                .group_by(ProductView.customer_id)
                .having(func.max(ProductView.viewed_at) <= cutoff)
                .limit(CUSTOMERS_PER_RUN)
            ).all()
        for customer_id in due:
            try:
                with session_scope(engine) as session:
                    shop = session.get(Shop, shop_id)
                    outcomes[remind(session=session, shop=shop, customer_id=customer_id, now=now)] += 1
            except Exception:
                log.exception("browse reminder failed shop=%s customer=%s", shop_id, customer_id)
                outcomes["error"] += 1
    return {k: v for k, v in outcomes.items() if v}


def remind(*, session: Session, shop: Shop, customer_id: int, now: datetime) -> str:
    """Decide one customer's reminder from their views, which go; what happened."""
    settings = flow_settings(shop, FLOW)
    views = session.exec(
        select(ProductView)
        .where(ProductView.shop_id == shop.id, ProductView.customer_id == customer_id)
        .order_by(ProductView.viewed_at.desc(), ProductView.id.desc())
        .with_for_update()
    ).all()
    if not views or as_utc(views[0].viewed_at) > now - timedelta(hours=_delay_hours(shop)):
        return "browsing"  # another worker took them, or they looked again meanwhile
    for view in views:
        session.delete(view)
    customer = session.get(Customer, customer_id)
    if not settings["enabled"] or not shop.is_installed:
        return "disabled"
    recipient = recipients.linked(session=session, shop=shop, customer_shopify_id=customer.shopify_id)
    if recipient is None:
        return "not_linked"
    since = min(as_utc(v.viewed_at) for v in views)
    if ordered_since(session=session, shop=shop, customer_shopify_id=customer.shopify_id, since=since):
        return "ordered"
    key = KEYS.key(customer=customer.id, day=now.astimezone(zone(shop.timezone)).date().isoformat())
    taken = select(Notification.id).where(Notification.shop_id == shop.id, Notification.dedupe_key == key)
    if session.exec(taken).first() is not None:
        return "window_used"  # one reminder a day, however many views
    recent = reminded_products(session=session, shop=shop, customer_id=customer.id, now=now)
    found = in_stock(session=session, shop=shop, product_ids=[v.product_shopify_id for v in views], exclude=recent)
    if not found:
        return "nothing_to_show"
    outbox.schedule(
        session=session,
        shop=shop,
        flow=FLOW,
        step=0,
        dedupe_key=key,
        due_at=now,
        recipient=recipient,
        messages=reminder_messages(shop, lang=recipient.lang, name=recipient.name, found=found),
        context={
            "customer_shopify_id": customer.shopify_id,
            "since": since.isoformat(),
            "products": [f.product.shopify_id for f in found],
        },
    )
    return "scheduled"


def ordered_since(*, session: Session, shop: Shop, customer_shopify_id: int | None, since: datetime) -> bool:
    if not customer_shopify_id:
        return False
    return (
        session.exec(
            select(Order.id)
            .where(
                Order.shop_id == shop.id,
                Order.customer_shopify_id == customer_shopify_id,
                Order.processed_at >= since,
            )
            .limit(1)
        ).first()
        is not None
    )


def reminded_products(*, session: Session, shop: Shop, customer_id: int, now: datetime) -> set[int]:
    """Products in this customer's browse reminders of the last 30 days (sent or on the way)."""
    contexts = session.exec(
        select(Notification.context).where(
            Notification.shop_id == shop.id,
            Notification.customer_id == customer_id,
            Notification.flow == str(FLOW),
            Notification.created_at >= now - timedelta(days=PRODUCT_ONCE_DAYS),
            Notification.status.in_((St.SCHEDULED, St.SENDING, St.SENT)),
        )
    ).all()
    return {int(p) for context in contexts for p in (context or {}).get("products", [])}


def in_stock(*, session: Session, shop: Shop, product_ids: list[int], exclude: set[int] = frozenset()) -> list[Found]:
    """Up to three of the products (in the order given) that are live and can be bought now."""
    wanted = list(dict.fromkeys(p for p in product_ids if p not in exclude))
    if not wanted:
        return []
    products = {
        p.shopify_id: p
        for p in session.exec(
            select(Product).where(
                Product.shop_id == shop.id,
                Product.shopify_id.in_(wanted),
                Product.deleted_at.is_(None),
                Product.status == "active",
            )
        )
    }
    variants: dict[int, list[ProductVariant]] = {}
    for v in session.exec(
        select(ProductVariant)
        .where(ProductVariant.product_id.in_([p.id for p in products.values()]))
        .order_by(ProductVariant.position)
    ):
        variants.setdefault(v.product_id, []).append(v)
    found = []
    for shopify_id in wanted:
        product = products.get(shopify_id)
        if product is None or not any(v.available for v in variants.get(product.id, [])):
            continue  # deleted, unpublished or sold out: left out
        found.append(Found(product, variants[product.id], True))
        if len(found) == MAX_PRODUCTS:
            break
    return found


def reminder_messages(shop: Shop, *, lang: str, name: str, found: list[Found]) -> list[dict]:
    """The merchant's text, then the products as the search carousel draws them (also the
    admin's preview). Links carry the flow's UTM; the worker makes them tracked."""
    shown = [content.Item(title=f.product.title, quantity=1) for f in found]
    intro = render(
        shop,
        FLOW,
        lang,
        {
            "customer_name": name,
            "product_title": found[0].product.title if found else "",
            "items": "\n".join(f"・{shorten(i.title, 40)}" for i in shown),
        },
    )
    return [
        messages.text(intro),
        carousel(shop, "", found, more=False, lang=lang, alt=shorten(intro, 200) + "\n", utm=UTM),
    ]


def recheck(*, session: Session, row: Notification, shop: Shop, now: datetime) -> str | None:
    """Right before sending: an order since the first view, or every product sold out since."""
    context = row.context or {}
    since = parse_ts(context.get("since"))
    if since and ordered_since(
        session=session, shop=shop, customer_shopify_id=context.get("customer_shopify_id"), since=since
    ):
        return "ordered"
    if not in_stock(session=session, shop=shop, product_ids=[int(p) for p in context.get("products", [])]):
        return "sold_out"
    return None


def _delay_hours(shop: Shop) -> int:
    return int(flow_settings(shop, FLOW)["delay_hours"])
