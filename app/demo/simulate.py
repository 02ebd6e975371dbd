"""`flask --app wsgi simulate <event>`: a demo customer abandons a checkout, orders, or has a
parcel shipped or delivered. The event is a correctly signed Shopify webhook sent through the
real route (/webhooks/shopify) and handled as the worker would; `flask --app wsgi run-due
--now <ISO>` then shows what goes out (the demo channel runs dry and records each push).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import secrets
import uuid
from datetime import datetime

from flask import Flask
from sqlmodel import Session, select

from .. import ext
from ..ext import settings
from ..models import Checkout, Customer, Fulfillment, LineFriend, Notification, Order, Product, ProductVariant, Shop
from ..shopify.processing import process_due_events
from ..timeutil import utcnow
from .catalog import DEMO_SHOP_DOMAIN
from .people_words import CARRIERS

EVENTS = ("abandon-checkout", "order", "ship", "deliver")


class SimulateError(RuntimeError):
    pass


def simulate(app: Flask, event: str, who: str | None = None) -> dict:
    engine = ext.engine(app)
    with Session(engine) as s:
        shop = s.exec(select(Shop).where(Shop.domain == DEMO_SHOP_DOMAIN)).first()
        if shop is None:
            raise SimulateError("no demo store; run `flask --app wsgi demo` first")
        customer = _customer(s, shop, who)
        topic, payload = _BUILDERS[event](s, shop, customer)
        before = utcnow()
    _post(app, shop, topic, payload)
    process_due_events(engine=engine, now=utcnow())
    with Session(engine) as s:
        planned = s.exec(
            select(Notification).where(Notification.shop_id == shop.id, Notification.updated_at >= before)
        ).all()
        return {
            "topic": topic,
            "customer": _name(customer),
            "notifications": [
                {"flow": n.flow, "step": n.step, "status": n.status, "reason": n.reason, "due_at": n.due_at.isoformat()}
                for n in planned
            ],
        }


def _customer(s: Session, shop: Shop, who: str | None) -> Customer:
    query = (
        select(Customer)
        .join(LineFriend, LineFriend.customer_id == Customer.id)
        .where(Customer.shop_id == shop.id, LineFriend.is_blocked.is_(False))
    )
    if who:
        like = f"%{who}%"
        query = query.where(
            Customer.email.like(like)
            | Customer.last_name.like(like)
            | Customer.first_name.like(like)
            | (Customer.shopify_id == (int(who) if who.isdigit() else -1))
        )
    customer = s.exec(query.order_by(LineFriend.marketing_opt_out_at.is_not(None), Customer.id)).first()
    if customer is None:
        raise SimulateError(f"no linked demo customer matches {who!r}" if who else "the demo has no linked customer")
    return customer


def _name(customer: Customer) -> str:
    return customer.display_name(customer.email or str(customer.id))


def _buyer(customer: Customer) -> dict:
    return {
        "id": customer.shopify_id,
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "phone": customer.phone,
    }


def _basket(s: Session, shop: Shop) -> list[dict]:
    pairs = s.exec(
        select(Product, ProductVariant)
        .join(ProductVariant, ProductVariant.product_id == Product.id)
        .where(
            Product.shop_id == shop.id,
            Product.status == "active",
            Product.deleted_at.is_(None),
            ProductVariant.available.is_(True),
        )
        .order_by(Product.id)
        .limit(200)
    ).all()
    rng = random.Random()
    return [
        {
            "id": rng.randrange(10**12, 10**13),
            "product_id": p.shopify_id,
            "variant_id": v.shopify_id,
            "title": p.title,
            "variant_title": None if v.title == "Default Title" else v.title,
            "quantity": rng.randint(1, 2),
            "price": str(v.price),
            "sku": v.sku,
        }
        for p, v in rng.sample(pairs, k=min(2, len(pairs)))
    ]


def _total(items: list[dict]) -> str:
    return str(sum(float(i["price"]) * i["quantity"] for i in items))


def _abandon_checkout(s: Session, shop: Shop, customer: Customer) -> tuple[str, dict]:
    token, now = secrets.token_hex(16), _iso(utcnow())
    items = _basket(s, shop)
    return "checkouts/create", {
        "id": random.randrange(10**17, 10**18),
        "token": token,
        "cart_token": secrets.token_hex(12),
        "email": customer.email,
        "customer": _buyer(customer),
        "line_items": items,
        "currency": "JPY",
        "subtotal_price": _total(items),
        "total_price": _total(items),
        "created_at": now,
        "updated_at": now,
        "completed_at": None,
        "abandoned_checkout_url": f"https://{shop.domain}/checkouts/{token}/recover?key=demo",
    }


def _order(s: Session, shop: Shop, customer: Customer) -> tuple[str, dict]:
    """An order for the customer; it completes their latest open checkout when they have one."""
    open_checkout = s.exec(
        select(Checkout)
        .where(
            Checkout.shop_id == shop.id,
            Checkout.customer_shopify_id == customer.shopify_id,
            Checkout.completed_at.is_(None),
        )
        .order_by(Checkout.id.desc())
    ).first()
    items = (open_checkout.line_items if open_checkout else None) or _basket(s, shop)
    items = [{**i, "id": i.get("id") or random.randrange(10**12, 10**13)} for i in items]
    order_id, token, now = random.randrange(10**17, 10**18), secrets.token_hex(16), _iso(utcnow())
    number = 9000 + random.randrange(1000)
    return "orders/create", {
        "id": order_id,
        "name": f"#{number}",
        "email": customer.email,
        "customer": _buyer(customer),
        "checkout_token": open_checkout.token if open_checkout else secrets.token_hex(16),
        "cart_token": open_checkout.cart_token if open_checkout else secrets.token_hex(12),
        "currency": "JPY",
        "subtotal_price": _total(items),
        "total_price": _total(items),
        "financial_status": "paid",
        "line_items": items,
        "processed_at": now,
        "created_at": now,
        "updated_at": now,
        "order_status_url": f"https://{shop.domain}/orders/{token}/authenticate?key=demo",
    }


def _latest_order(s: Session, shop: Shop, customer: Customer) -> Order:
    order = s.exec(
        select(Order)
        .where(Order.shop_id == shop.id, Order.customer_shopify_id == customer.shopify_id, Order.cancelled_at.is_(None))
        .order_by(Order.processed_at.desc())
    ).first()
    if order is None:
        raise SimulateError(f"{_name(customer)} has no order yet; run `flask --app wsgi simulate order` first")
    return order


def _ship(s: Session, shop: Shop, customer: Customer) -> tuple[str, dict]:
    order = _latest_order(s, shop, customer)
    number = f"{random.randrange(10**11, 10**12)}"
    carrier, url, _weight = random.choice(CARRIERS)
    now = _iso(utcnow())
    return "fulfillments/create", {
        "id": random.randrange(10**14, 10**15),
        "order_id": order.shopify_id,
        "status": "success",
        "name": f"{order.name}.1",
        "tracking_company": carrier,
        "tracking_numbers": [number],
        "tracking_urls": [url.format(number=number)],
        "shipment_status": None,
        "created_at": now,
        "updated_at": now,
        "line_items": [],
    }


def _deliver(s: Session, shop: Shop, customer: Customer) -> tuple[str, dict]:
    order = _latest_order(s, shop, customer)
    fulfillment = s.exec(
        select(Fulfillment)
        .where(Fulfillment.shop_id == shop.id, Fulfillment.order_shopify_id == order.shopify_id)
        .order_by(Fulfillment.id.desc())
    ).first()
    if fulfillment is None:
        raise SimulateError(f"order {order.name} is not shipped yet; run `flask --app wsgi simulate ship` first")
    return "fulfillments/update", {
        "id": fulfillment.shopify_id,
        "order_id": order.shopify_id,
        "status": "success",
        "name": fulfillment.name,
        "tracking_company": fulfillment.tracking_company,
        "tracking_numbers": fulfillment.tracking_numbers,
        "tracking_urls": fulfillment.tracking_urls,
        "shipment_status": "delivered",
        "created_at": _iso(fulfillment.shopify_created_at or utcnow()),
        "updated_at": _iso(utcnow()),
        "line_items": [],
    }


_BUILDERS = {"abandon-checkout": _abandon_checkout, "order": _order, "ship": _ship, "deliver": _deliver}


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _post(app: Flask, shop: Shop, topic: str, payload: dict) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    digest = hmac.new(settings().shopify_api_secret.encode(), body, hashlib.sha256).digest()
    response = app.test_client().post(
        "/webhooks/shopify",
        data=body,
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
            "X-Shopify-Shop-Domain": shop.domain,
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": _iso(utcnow()),
            "X-Shopify-API-Version": settings().shopify_api_version,
        },
    )
    if response.status_code != 200:
        raise SimulateError(f"the webhook answered {response.status_code}: {response.get_data(as_text=True)}")
