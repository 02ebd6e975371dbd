"""What the Flows page's back-in-stock card reads: the requests waiting per variant (how
many, since when, whether it can be sold now) and the last 30 days' results — requests
made, notified, clicks, orders and revenue attributed (the dashboard's rollup readers),
requests that lapsed unanswered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from ...flows.registry import Flow
from ...formatting import zone
from ...models import BackInStockRequest, Product, ProductVariant, Shop
from ...models import BackInStockStatus as Req
from ...timeutil import utcnow
from ...tracking import daily

_R = BackInStockRequest


@dataclass
class WaitingVariant:
    product_id: int
    variant_id: int
    title: str
    variant_title: str
    waiting: int
    oldest: datetime
    in_stock: bool
    quantity: int | None


@dataclass
class Results:
    days: int
    requests: int = 0
    notified: int = 0
    clicks: int = 0
    orders: int = 0
    revenue: Decimal = Decimal("0")
    expired: int = 0


def waiting(*, session: Session, shop: Shop, now: datetime | None = None, limit: int = 50) -> list[WaitingVariant]:
    """Variants with requests still waiting (not lapsed), the most asked for first."""
    now = now or utcnow()
    n = func.count().label("n")
    grouped = session.execute(
        select(_R.product_shopify_id, _R.variant_shopify_id, n, func.min(_R.created_at))
        .where(_R.shop_id == shop.id, _R.status == Req.WAITING, _R.expires_at > now)
        .group_by(_R.product_shopify_id, _R.variant_shopify_id)
        .order_by(n.desc(), func.min(_R.created_at))
        .limit(limit)
    ).all()
    ids = [variant for _p, variant, _n, _o in grouped]
    found = {
        variant.shopify_id: (variant, product)
        for variant, product in session.exec(
            select(ProductVariant, Product)
            .join(Product, Product.id == ProductVariant.product_id)
            .where(ProductVariant.shop_id == shop.id, ProductVariant.shopify_id.in_(ids or [0]))
        ).all()
    }
    rows = []
    for product_id, variant_id, count, oldest in grouped:
        variant, product = found.get(variant_id, (None, None))
        rows.append(
            WaitingVariant(
                product_id=product_id,
                variant_id=variant_id,
                title=product.title if product else "",
                variant_title="" if variant is None or variant.title == "Default Title" else variant.title,
                waiting=int(count),
                oldest=oldest,
                in_stock=bool(variant and variant.available and product and product.deleted_at is None),
                quantity=variant.inventory_quantity if variant else None,
            )
        )
    return rows


def results(*, session: Session, shop: Shop, days: int = 30, now: datetime | None = None) -> Results:
    """The last `days` local days, today included (the Flows table's window)."""
    now = now or utcnow()
    today = now.astimezone(zone(shop.timezone)).date()
    since = daily.midnight(shop, today - timedelta(days=days - 1), now.tzinfo)
    until = daily.midnight(shop, today + timedelta(days=1), now.tzinfo)
    mine = _R.shop_id == shop.id

    def count(*where) -> int:
        return int(session.execute(select(func.count()).select_from(_R).where(mine, *where)).scalar_one())

    attributed = daily.attributed_by_flow(session=session, shop=shop, since=since, until=until).get(Flow.BACK_IN_STOCK)
    return Results(
        days=days,
        requests=count(_R.created_at >= since),
        notified=count(_R.notified_at >= since),
        clicks=daily.clicks_by_flow(session=session, shop=shop, since=since, until=until).get(Flow.BACK_IN_STOCK, 0),
        orders=attributed.orders if attributed else 0,
        revenue=attributed.revenue if attributed else Decimal("0"),
        # A waiting request past its expiry has lapsed even before a restock marks it so.
        expired=count(_R.status != Req.NOTIFIED, _R.expires_at >= since, _R.expires_at <= now),
    )
