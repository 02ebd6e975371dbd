"""One thin function per webhook topic, and the table that routes topics to them."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from ..flows import abandoned, shipping
from ..flows import orders as order_flows
from ..models import Shop, WebhookEvent
from ..sync.checkouts import upsert_cart, upsert_checkout
from ..sync.customers import delete_customer, upsert_customer
from ..sync.fulfillments import upsert_fulfillment
from ..sync.orders import upsert_order
from ..sync.products import delete_product, upsert_product
from . import compliance, lifecycle

Handler = Callable[..., None]


def on_app_uninstalled(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    lifecycle.uninstall(session=session, shop=shop, at=event.triggered_at)


def on_app_scopes_update(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    lifecycle.update_scopes(shop=shop, payload=payload)


def on_customer_upsert(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    upsert_customer(session=session, shop=shop, payload=payload)


def on_customer_delete(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    delete_customer(session=session, shop=shop, payload=payload)


def on_order(*, session: Session, shop: Shop, payload: dict, event: WebhookEvent) -> None:
    order = upsert_order(session=session, shop=shop, payload=payload)
    session.flush()
    order_flows.on_order(session=session, shop=shop, order=order, topic=event.topic)


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
    upsert_product(session=session, shop=shop, payload=payload)


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
    "customers/data_request": on_customers_data_request,
    "customers/redact": on_customers_redact,
    "shop/redact": on_shop_redact,
}
