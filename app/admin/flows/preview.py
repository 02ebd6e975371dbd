"""What a flow's message looks like, built by the flow's own code with sample data.

The sample is the shop's latest order, its fulfillment and an active product when the
shop has them, else plausible stand-ins in the language being previewed
(admin.flows.sample.*). Discount marks get a sample code, exactly where the worker would
put the real one.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session, select

from ...flows.builders import Sample
from ...flows.discounts import fill_marks
from ...flows.registry import spec
from ...formatting import local_time
from ...i18n import t
from ...models import Fulfillment, Order, OrderLineItem, Product, ProductVariant, Shop
from ...timeutil import utcnow

SAMPLE_CODE = "LINE-SAMPLE01"


def sample(*, session: Session, shop: Shop, lang: str) -> Sample:
    """The shop's own rows where it has them; stand-ins in `lang` where it has not."""
    order = session.exec(
        select(Order).where(Order.shop_id == shop.id, Order.cancelled_at.is_(None)).order_by(Order.id.desc()).limit(1)
    ).first()
    items = (
        list(
            session.exec(
                select(OrderLineItem).where(OrderLineItem.order_id == order.id).order_by(OrderLineItem.id).limit(10)
            )
        )
        if order
        else []
    )
    if order is None or not items:
        order = Order(
            shop_id=shop.id,
            shopify_id=0,
            name="#1001",
            currency=shop.currency,
            total_price=Decimal(3980),
            order_status_url=f"https://{shop.domain}/account/orders/sample",
        )
        items = [
            OrderLineItem(
                shop_id=shop.id,
                order_id=0,
                shopify_id=0,
                title=t("admin.flows.sample.product", lang),
                quantity=2,
                price=Decimal(1290),
            ),
            OrderLineItem(
                shop_id=shop.id,
                order_id=0,
                shopify_id=0,
                title=t("admin.flows.sample.item", lang),
                quantity=1,
                price=Decimal(1400),
            ),
        ]
    fulfillment = (
        session.exec(
            select(Fulfillment)
            .where(Fulfillment.shop_id == shop.id, Fulfillment.order_shopify_id == order.shopify_id)
            .limit(1)
        ).first()
        if order.shopify_id
        else None
    )
    if fulfillment is None or not fulfillment.tracking_numbers:
        fulfillment = Fulfillment(
            shop_id=shop.id,
            shopify_id=0,
            order_shopify_id=order.shopify_id,
            tracking_company=t("admin.flows.sample.carrier", lang),
            tracking_numbers=["4821-0935-7716"],
            tracking_urls=["https://toi.kuronekoyamato.co.jp/cgi-bin/tneko"],
        )
    product, variant = _product(session=session, shop=shop, lang=lang)
    ids = {i.product_shopify_id for i in items if i.product_shopify_id}
    images = (
        dict(
            session.exec(
                select(Product.shopify_id, Product.image_url).where(
                    Product.shop_id == shop.id, Product.shopify_id.in_(ids)
                )
            ).all()
        )
        if ids
        else {}
    )
    return Sample(order=order, items=items, fulfillment=fulfillment, product=product, variant=variant, images=images)


def _product(*, session: Session, shop: Shop, lang: str) -> tuple[Product, ProductVariant | None]:
    product = session.exec(
        select(Product)
        .where(Product.shop_id == shop.id, Product.status == "active", Product.deleted_at.is_(None))
        .order_by(Product.id)
        .limit(1)
    ).first()
    if product is None:
        return Product(shop_id=shop.id, shopify_id=0, title=t("admin.flows.sample.product", lang)), None
    variant = session.exec(
        select(ProductVariant)
        .where(ProductVariant.product_id == product.id)
        .order_by(ProductVariant.position, ProductVariant.id)
        .limit(1)
    ).first()
    return product, variant


def with_templates(shop: Shop, flow_config: dict | None, texts: dict[str, dict[str, str]]) -> Shop:
    """A detached copy of the shop whose settings hold these (unsaved) texts and flow config,
    so the flow's builders render exactly what they would after saving."""
    settings = dict(shop.settings or {})
    custom = dict(settings.get("line_texts") or {})
    for key, langs in texts.items():
        custom[f"flow:{key}"] = {**(custom.get(f"flow:{key}") or {}), **langs}
    settings["line_texts"] = custom
    view = Shop(**{**shop.model_dump(), "settings": settings})
    return view


def build(
    view: Shop, *, flow: str, template_key: str, lang: str, data: Sample, config: dict, step: int = 0
) -> list[dict]:
    """The LINE message objects the flow would send for this template, marks filled: the
    registry's builder for the flow (the same code the flow sends with)."""
    name = t("admin.flows.sample.customer_name", lang)
    messages = spec(flow).build(view, data, lang=lang, name=name, settings=config, template=template_key, step=step)
    steps = config.get("steps") or [{}]
    discount = steps[max(0, min(step, len(steps) - 1))].get("discount") if "steps" in config else None
    if not discount:
        return fill_marks(messages, "", "")
    ends = utcnow() + timedelta(days=int(discount.get("expires_days") or 7))
    return fill_marks(messages, SAMPLE_CODE, local_time(ends, view.timezone, "%Y/%m/%d"))
