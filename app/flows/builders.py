"""Every flow's message builder behind one signature, named by the registry (`FlowSpec.builder`).

    build(shop, sample, *, lang, name, settings, template=None, step=0) -> list[dict]

`sample` is what a message is about (an order and its items, a fulfillment, a product);
`settings` the flow's settings (a step's discount, a review URL, repurchase cycles);
`template` one of `spec.templates` (which shipping status); `step` a reminder step. Each
builder hands the sample to the flow's own message function, the one the flow calls when it
schedules the real message, so what the admin previews (and the tests render) is exactly
what would be sent. Discount marks are left in place, as the worker fills them at send time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..formatting import money
from ..i18n import t
from ..models import Fulfillment, Order, OrderLineItem, Product, ProductVariant, Shop
from ..search.found import Found
from . import abandoned, content, orders, shipping
from . import back_in_stock as back_in_stock_flow  # the builder below takes the flow's name
from . import browse_abandonment as browse_flow
from . import repurchase as repurchase_flow  # the builder below takes the flow's name
from . import shopify_flow as shopify_flow_flow  # the builder below takes the flow's name
from .registry import Flow, spec

STAND_IN_PRICE = Decimal(1290)  # a sample product without a variant still shows a price
STAND_IN_CYCLE_DAYS = 30  # a sample product without a cycle still names a number of days


@dataclass
class Sample:
    """What one message is about, as the builders need it."""

    order: Order
    items: list[OrderLineItem]
    fulfillment: Fulfillment
    product: Product
    variant: ProductVariant | None = None
    images: dict[int, str] = field(default_factory=dict)  # product id → image URL


def abandoned_checkout(
    shop: Shop, sample: Sample, *, lang: str, name: str, settings: dict, template: str | None = None, step: int = 0
) -> list[dict]:
    url = content.link(f"https://{shop.domain}/checkouts/sample", Flow.ABANDONED_CHECKOUT)
    return _basket(shop, Flow.ABANDONED_CHECKOUT, sample, url, "resume_checkout", lang, name, _discount(settings, step))


def abandoned_cart(
    shop: Shop, sample: Sample, *, lang: str, name: str, settings: dict, template: str | None = None, step: int = 0
) -> list[dict]:
    permalink = ",".join(f"{i.variant_shopify_id}:{i.quantity}" for i in sample.items if i.variant_shopify_id)
    url = content.link(f"https://{shop.domain}/cart/{permalink}", Flow.ABANDONED_CART)
    return _basket(shop, Flow.ABANDONED_CART, sample, url, "view_cart", lang, name, _discount(settings, step))


def order_confirmation(
    shop: Shop, sample: Sample, *, lang: str, name: str, settings: dict, template: str | None = None, step: int = 0
) -> list[dict]:
    return orders.confirmation_messages(shop, sample.order, sample.items, lang=lang, name=name)


def shipping_update(
    shop: Shop, sample: Sample, *, lang: str, name: str, settings: dict, template: str | None = None, step: int = 0
) -> list[dict]:
    parts = spec(Flow.SHIPPING_UPDATE).parts
    status = template.split(":", 1)[1] if template and ":" in template else parts[0]
    return shipping.status_messages(shop, sample.order, sample.fulfillment, status, lang=lang, name=name)


def after_delivery(
    shop: Shop, sample: Sample, *, lang: str, name: str, settings: dict, template: str | None = None, step: int = 0
) -> list[dict]:
    return shipping.after_delivery_messages(shop, sample.order, settings, lang=lang, name=name)


def repurchase(
    shop: Shop, sample: Sample, *, lang: str, name: str, settings: dict, template: str | None = None, step: int = 0
) -> list[dict]:
    variant = sample.variant
    return repurchase_flow.reminder_messages(
        shop,
        lang=lang,
        name=name,
        product=sample.product,
        variant=variant,
        variant_id=variant.shopify_id if variant else 0,
        quantity=1,
        days=repurchase_flow.cycle_days(settings, sample.product) or STAND_IN_CYCLE_DAYS,
        price=variant.price if variant else STAND_IN_PRICE,
    )


def back_in_stock(
    shop: Shop, sample: Sample, *, lang: str, name: str, settings: dict, template: str | None = None, step: int = 0
) -> list[dict]:
    variant = sample.variant or ProductVariant(shop_id=shop.id, product_id=0, shopify_id=0, price=STAND_IN_PRICE)
    return back_in_stock_flow.notice_messages(shop, lang=lang, name=name, product=sample.product, variant=variant)


def browse_abandonment(
    shop: Shop, sample: Sample, *, lang: str, name: str, settings: dict, template: str | None = None, step: int = 0
) -> list[dict]:
    variant = sample.variant or ProductVariant(shop_id=shop.id, product_id=0, shopify_id=0, price=STAND_IN_PRICE)
    found = [Found(sample.product, [variant], True)]
    return browse_flow.reminder_messages(shop, lang=lang, name=name, found=found)


def _discount(settings: dict, step: int) -> bool:
    """Whether this reminder step carries a discount code."""
    steps = settings.get("steps") or [{}]
    return bool(steps[max(0, min(step, len(steps) - 1))].get("discount"))


def _basket(
    shop: Shop, flow: Flow, sample: Sample, url: str, button: str, lang: str, name: str, discount: bool
) -> list[dict]:
    shown = [
        content.Item(
            title=content.item_title(i.title, i.variant_title, lang),
            quantity=i.quantity,
            image_url=sample.images.get(i.product_shopify_id),
        )
        for i in sample.items
    ]
    return abandoned.reminder_messages(
        shop,
        flow=flow,
        lang=lang,
        name=name,
        items=shown,
        total=money(sample.order.total_price, sample.order.currency),
        url=url,
        button=button,
        discount=discount,
    )


def shopify_flow(
    shop: Shop, sample: Sample, *, lang: str, name: str, settings: dict, template: str | None = None, step: int = 0
) -> list[dict]:
    text = t("flows.shopify_flow.sample", lang, customer_name=name)
    return shopify_flow_flow.preview(shop, lang=lang, name=name, message=text)
