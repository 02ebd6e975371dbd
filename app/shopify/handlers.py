"""One thin function per webhook topic, and the table that routes topics to them."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from ..flows import abandoned, back_in_stock, shipping
from ..flows import orders as order_flows
from ..models import Shop, WebhookEvent
from ..sequences import enroll as sequences
from ..sync.checkouts import upsert_cart, upsert_checkout
from ..sync.common import as_int
from ..sync.customers import delete_customer, upsert_customer
from ..sync.fulfillments import upsert_fulfillment
from ..sync.inventory import apply_inventory_level
from ..sync.orders import upsert_order
from ..sync.policies import request_policies
from ..sync.products import delete_product, upsert_product
from ..timeutil import utcnow
from . import compliance, lifecycle

Handler = Callable[..., None]


def on_app_uninstalled(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    lifecycle.uninstall(session=session, shop=shop, at=event.triggered_at)


def on_app_scopes_update(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    lifecycle.update_scopes(shop=shop, payload=payload)


def on_shop_update(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    """Policies have no webhook of their own: a shop update has the worker read them again."""
    request_policies(shop=shop, now=utcnow())


def on_customer_upsert(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    upsert_customer(session=session, shop=shop, payload=payload)


def on_customer_delete(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    delete_customer(session=session, shop=shop, payload=payload)


def on_order(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    order = upsert_order(session=session, shop=shop, payload=payload)
    session.flush()
    order_flows.on_order(session=session, shop=shop, order=order, topic=event.topic)
    if event.topic == "orders/create":
        sequences.on_order(session=session, shop=shop, order=order)


def on_checkout(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    checkout = upsert_checkout(session=session, shop=shop, payload=payload)
    session.flush()
    abandoned.on_checkout(session=session, shop=shop, checkout=checkout)


def on_cart(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    cart = upsert_cart(session=session, shop=shop, payload=payload)
    session.flush()
    abandoned.on_cart(session=session, shop=shop, cart=cart)


def on_fulfillment(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    fulfillment = upsert_fulfillment(session=session, shop=shop, payload=payload)
    session.flush()
    shipping.on_fulfillment(session=session, shop=shop, fulfillment=fulfillment)


def on_product_upsert(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    sold_out = back_in_stock.sold_out_variants(session=session, shop=shop, product_shopify_id=as_int(payload.get("id")))
    upsert_product(session=session, shop=shop, payload=payload)
    session.flush()
    back_in_stock.on_available_again(session=session, shop=shop, variant_ids=sold_out)


def on_inventory_level(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    change = apply_inventory_level(session=session, shop=shop, payload=payload)
    if change is not None and not change.was_available and change.variant.available:
        session.flush()
        back_in_stock.on_restock(session=session, shop=shop, variant=change.variant)


def on_product_delete(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    delete_product(session=session, shop=shop, payload=payload, deleted_at=event.triggered_at)


def on_customers_data_request(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    compliance.export_customer_data(session=session, shop=shop, payload=payload)


def on_customers_redact(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    compliance.redact_customer(session=session, shop=shop, payload=payload, event=event)


def on_shop_redact(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    compliance.redact_shop(session=session, shop=shop)


TOPIC_HANDLERS: dict[str, Handler] = {
    "app/uninstalled": on_app_uninstalled,
    "app/scopes_update": on_app_scopes_update,
    "shop/update": on_shop_update,
    "customers/create": on_customer_upsert,
    "customers/update": on_customer_upsert,
    "customers/delete": on_customer_delete,
    "orders/create": on_order,
    "orders/paid": on_order,
    "orders/cancelled": on_order,
    "checkouts/create": on_checkout,
    "checkouts/update": on_checkout,
    "carts/create": on_cart,
    "carts/update": on_cart,
    "fulfillments/create": on_fulfillment,
    "fulfillments/update": on_fulfillment,
    "products/create": on_product_upsert,
    "products/update": on_product_upsert,
    "products/delete": on_product_delete,
    "inventory_levels/update": on_inventory_level,
    "customers/data_request": on_customers_data_request,
    "customers/redact": on_customers_redact,
    "shop/redact": on_shop_redact,
}
