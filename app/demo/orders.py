"""Demo orders and fulfillments: a year of purchases before ``now``, repeat buys included.

Orders fall by days-ago and time of day, so a later ``now`` gives the same orders moved
later in time (re-seeding updates rows rather than adding them).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from .catalog import CATALOG_SETTLED, DEMO_SHOP_DOMAIN, DEMO_SHOP_ID, JST, _gid, _ids, _iso, _money
from .people_words import CARRIERS, DISCOUNT_CODES
from .words import CONSUMABLE_TYPES, REDUCED_TAX_TYPES

DEMO_LOCATION_ID = 71_234_567_890
STATUS_URL_BASE = f"https://{DEMO_SHOP_DOMAIN}/{DEMO_SHOP_ID}/orders"
ORDER_WINDOW_DAYS = 365
# How many orders a customer places in a year: 0..8, most place one to three.
ORDERS_PER_CUSTOMER = (8, 14, 12, 10, 8, 6, 4, 3, 2)
SHOP_HOURS = (7 * 3600, 24 * 3600 - 1)  # seconds after midnight: few people shop at 4 a.m.
ORDER_ADDRESS_KEYS = (
    "first_name",
    "last_name",
    "name",
    "company",
    "address1",
    "address2",
    "city",
    "province",
    "province_code",
    "zip",
    "country",
    "country_code",
    "phone",
)


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def _yen(value: str) -> int:
    return int(Decimal(value))


def _tokyo(now: datetime) -> datetime:
    """A naive ``now`` is ambiguous (UTC? Tokyo?), and a wrong guess shifts every order."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(JST).replace(microsecond=0)
    if now <= CATALOG_SETTLED:
        raise ValueError(f"now must be after {CATALOG_SETTLED.isoformat()}, when the demo catalog settles")
    return now


def demo_orders(*, products: list[dict], customers: list[dict], seed: int = 7, now: datetime) -> list[dict]:
    """orders/create payloads from the last year, numbered #1001… in time order.

    About half of the frequent buyers re-order one consumable every 25–40 days, the
    pattern a replenishment reminder has to find. Visits are drawn as (days ago, time
    of day), never from ``now`` itself, so seeding again on a later day yields the same
    ids, names and baskets, only shifted in time: the upserts update, never duplicate.
    """
    now = _tokyo(now)
    end = now - timedelta(minutes=30)
    rng = random.Random(f"orders:{seed}")
    catalog = [p for p in products if p.get("status") == "active" and p.get("variants")]
    staples = [p for p in catalog if p.get("product_type") in CONSUMABLE_TYPES]
    visits = []
    for rank, customer in enumerate(customers):
        for key, basket in _customer_visits(rng, catalog, staples, _latest_day(customer, end)):
            visits.append((key, rank, len(visits), customer, basket))
    visits.sort(key=lambda visit: visit[:3])
    return _number_orders(rng, visits, end, now)


def _latest_day(customer: dict, end: datetime) -> int:
    """How many days back this customer's orders may go: a year, but not before sign-up."""
    latest = ORDER_WINDOW_DAYS - 1
    if customer.get("created_at"):
        created = datetime.fromisoformat(customer["created_at"]).astimezone(JST)
        latest = min(latest, (end.date() - created.date()).days - 1)
    return latest


def _customer_visits(rng: random.Random, catalog: list, staples: list, latest: int) -> list[tuple]:
    count = rng.choices(range(len(ORDERS_PER_CUSTOMER)), weights=ORDERS_PER_CUSTOMER)[0]
    if not catalog or latest < 0:
        return []
    visits = []
    if count >= 3 and staples and rng.random() < 0.55:
        visits += _repeat_run(rng, catalog, staples, latest, rng.randint(3, count))
    while len(visits) < count:
        # A share of recent orders keeps some parcels in transit for shipping messages.
        days = rng.randint(0, min(9, latest)) if rng.random() < 0.15 else rng.randint(0, latest)
        size = rng.choices((1, 2, 3, 4), weights=(50, 30, 14, 6))[0]
        visits.append(((-days, rng.randint(*SHOP_HOURS)), _basket(rng, catalog, size)))
    return visits


def _repeat_run(rng: random.Random, catalog: list, staples: list, latest: int, length: int) -> list[tuple]:
    product = rng.choice(staples)
    variant = rng.choice(product["variants"])
    gaps = [rng.randint(25, 40) for _ in range(length - 1)]
    while gaps and sum(gaps) > latest:
        gaps.pop()
    days = rng.randint(sum(gaps), latest)
    others = [p for p in catalog if p is not product]
    visits = []
    for gap in [0, *gaps]:
        days -= gap
        basket = [(product, variant, rng.choice((1, 1, 2)))]
        if rng.random() < 0.3 and others:
            basket += _basket(rng, others, 1)
        visits.append(((-days, rng.randint(*SHOP_HOURS)), basket))
    return visits


def _moment(key: tuple[int, int], end: datetime) -> datetime:
    """Turn (−days ago, second of day) into a time; today's orders are squeezed before ``end``."""
    days, second = -key[0], key[1]
    midnight = end.replace(hour=0, minute=0, second=0, microsecond=0)
    if days == 0:
        return (midnight + (end - midnight) * (second / 86_400)).replace(microsecond=0)
    return midnight - timedelta(days=days) + timedelta(seconds=second)


def _basket(rng: random.Random, catalog: list, size: int) -> list[tuple[dict, dict, int]]:
    picks = rng.sample(catalog, min(size, len(catalog)))
    return [(p, rng.choice(p["variants"]), rng.choices((1, 2, 3), weights=(80, 16, 4))[0]) for p in picks]


def _number_orders(rng: random.Random, visits: list, end: datetime, now: datetime) -> list[dict]:
    order_ids, line_ids = _ids(rng, 5_912_000_000_000), _ids(rng, 14_020_000_000_000)
    totals: dict[int, tuple[int, int]] = {}
    orders = []
    for number, (key, _, _, customer, basket) in enumerate(visits, start=1001):
        order = _order(rng, next(order_ids), line_ids, number, _moment(key, end), customer, basket, now)
        count, spent = totals.get(customer["id"], (0, 0))
        if order["financial_status"] != "refunded":
            spent += _yen(order["total_price"])
        totals[customer["id"]] = (count + 1, spent)
        # Running totals, so replaying the orders in order leaves the customer row right.
        order["customer"].update(orders_count=count + 1, total_spent=_money(spent))
        orders.append(order)
    return orders


def _lifecycle(rng: random.Random, when: datetime, now: datetime) -> tuple:
    """(financial_status, fulfillment_status, cancelled_at, updated_at); shipping sets updated_at.

    Every draw is made whatever the outcome, so a later ``now`` does not shift the
    random stream for the orders that follow.
    """
    cancel = rng.random() < 0.04
    cancelled = when + timedelta(hours=rng.randint(1, 20))
    shipped = when + timedelta(hours=rng.randint(12, 60), minutes=rng.randint(0, 59))
    touched = when + timedelta(seconds=rng.randint(1, 20))
    if cancel and cancelled < now:
        return "refunded", None, cancelled, cancelled
    if shipped < now:
        return "paid", "fulfilled", None, shipped
    return "paid", None, None, touched


def _order(
    rng: random.Random,
    order_id: int,
    line_ids: Iterator[int],
    number: int,
    when: datetime,
    customer: dict,
    basket: list,
    now: datetime,
) -> dict:
    financial, fulfillment, cancelled_at, updated = _lifecycle(rng, when, now)
    items = [_line_item(next(line_ids), p, v, q, fulfillment is not None) for p, v, q in basket]
    rates = [8 if p.get("product_type") in REDUCED_TAX_TYPES else 10 for p, _, _ in basket]
    codes = _discount(rng, items)
    token, secret, address = _hex(rng), _hex(rng), customer.get("default_address")
    address = {key: address.get(key) for key in ORDER_ADDRESS_KEYS} if address else None
    consent = (customer.get("email_marketing_consent") or {}).get("state") == "subscribed"
    return {
        "id": order_id,
        "admin_graphql_api_id": _gid("Order", order_id),
        "name": f"#{number}",
        "number": number - 1000,
        "order_number": number,
        "token": token,
        "checkout_token": _hex(rng),
        "cart_token": _hex(rng),
        "checkout_id": order_id + 1_000_000,
        "order_status_url": f"{STATUS_URL_BASE}/{token}/authenticate?key={secret}",
        "email": customer.get("email"),
        "contact_email": customer.get("email"),
        "phone": customer.get("phone"),
        "customer": {
            key: customer.get(key)
            for key in ("id", "admin_graphql_api_id", "email", "first_name", "last_name", "phone")
        },
        "customer_locale": customer.get("locale") or "ja",
        "buyer_accepts_marketing": consent,
        "currency": "JPY",
        "presentment_currency": "JPY",
        "taxes_included": True,
        "test": False,
        **_settle(items, codes, rates),
        "financial_status": financial,
        "fulfillment_status": fulfillment,
        "confirmed": True,
        "cancelled_at": _iso(cancelled_at) if cancelled_at else None,
        "cancel_reason": "customer" if cancelled_at else None,
        "closed_at": None,
        "processed_at": _iso(when),
        "created_at": _iso(when),
        "updated_at": _iso(updated),
        "source_name": "web",
        "payment_gateway_names": ["shopify_payments"],
        "tags": "",
        "note": None,
        "discount_codes": codes,
        "line_items": items,
        "shipping_lines": [
            {
                "id": order_id + 7,
                "title": "通常配送（送料無料）",
                "code": "standard",
                "price": "0.00",
                "source": "shopify",
                "discounted_price": "0.00",
            }
        ],
        "shipping_address": address,
        "billing_address": copy.deepcopy(address),
    }


def _line_item(line_id: int, product: dict, variant: dict, quantity: int, fulfilled: bool) -> dict:
    variant_title = None if variant["title"] == "Default Title" else variant["title"]
    return {
        "id": line_id,
        "admin_graphql_api_id": _gid("LineItem", line_id),
        "product_id": product["id"],
        "variant_id": variant["id"],
        "title": product["title"],
        "variant_title": variant_title,
        "name": f"{product['title']} - {variant_title}" if variant_title else product["title"],
        "sku": variant.get("sku"),
        "vendor": product.get("vendor"),
        "quantity": quantity,
        "price": variant["price"],
        "fulfillment_status": "fulfilled" if fulfilled else None,
        "fulfillable_quantity": 0 if fulfilled else quantity,
        "fulfillment_service": "manual",
        "requires_shipping": True,
        "taxable": True,
        "gift_card": False,
        "product_exists": True,
        "properties": [],
        "total_discount": "0.00",
        "discount_allocations": [],
        "tax_lines": [],
    }


def _discount(rng: random.Random, items: list[dict]) -> list[dict]:
    """A few orders use a code; one never takes more than half the basket."""
    use, (code, kind, value) = rng.random() < 0.08, rng.choice(DISCOUNT_CODES)
    gross = sum(_yen(item["price"]) * item["quantity"] for item in items)
    amount = value if kind == "fixed_amount" else gross * value // 100
    if not use or amount <= 0 or amount * 2 > gross:
        return []
    return [{"code": code, "amount": _money(amount), "type": kind}]


def _settle(items: list[dict], codes: list[dict], rates: list[int]) -> dict:
    """Split discounts over the lines, then take the tax out of tax-inclusive prices.

    Food carries Japan's reduced 8% rate, everything else 10%; tax is rounded down per
    line, as most Japanese shops do. Shipping is free, so the total is the subtotal.
    """
    gross = [_yen(item["price"]) * item["quantity"] for item in items]
    discount = sum(_yen(code["amount"]) for code in codes)
    shares = [discount * amount // sum(gross) for amount in gross]
    shares[-1] += discount - sum(shares)
    by_rate: dict[int, int] = {}
    for item, amount, share, rate in zip(items, gross, shares, rates, strict=False):
        tax = (amount - share) * rate // (100 + rate)
        by_rate[rate] = by_rate.get(rate, 0) + tax
        item["tax_lines"] = [{"title": "消費税", "rate": rate / 100, "price": _money(tax)}]
        if share:
            item["discount_allocations"] = [{"amount": _money(share), "discount_application_index": 0}]
    subtotal, tax_total = sum(gross) - discount, sum(by_rate.values())
    return {
        "total_line_items_price": _money(sum(gross)),
        "total_discounts": _money(discount),
        "subtotal_price": _money(subtotal),
        "total_price": _money(subtotal),
        "total_tax": _money(tax_total),
        "tax_lines": [
            {"title": "消費税", "rate": rate / 100, "price": _money(tax)} for rate, tax in sorted(by_rate.items())
        ],
    }


def demo_fulfillments(*, orders: list[dict], seed: int = 7, now: datetime) -> list[dict]:
    """fulfillments/create payloads for every fulfilled order, so shipping messages have data.

    A fulfilled order's ``updated_at`` is the moment it shipped; the fulfillment starts
    there, and parcels older than their 1–3 day delivery time are ``delivered``. Each
    one draws from its own order-keyed stream and takes an id derived from the order's,
    so an order fulfilled on a later seeding does not renumber the others.
    """
    now = _tokyo(now)
    return [
        _fulfillment(random.Random(f"fulfillments:{seed}:{order['id']}"), order, now)
        for order in orders
        if order.get("fulfillment_status") == "fulfilled"
    ]


def _fulfillment(rng: random.Random, order: dict, now: datetime) -> dict:
    fulfillment_id = int(order["id"]) - 1_100_000_000_000
    shipped = datetime.fromisoformat(order["updated_at"])
    company, template, _ = rng.choices(CARRIERS, weights=[carrier[2] for carrier in CARRIERS])[0]
    body = rng.randint(10**10, 10**11 - 1)
    number = f"{body}{body % 7}"  # the mod-7 check digit Yamato, Sagawa and Japan Post all use
    url = template.format(number=number)
    delivered = shipped + timedelta(hours=rng.randint(18, 66), minutes=rng.randint(0, 59))
    arrived = delivered < now
    return {
        "id": fulfillment_id,
        "admin_graphql_api_id": _gid("Fulfillment", fulfillment_id),
        "order_id": order["id"],
        "name": f"{order['name']}.1",
        "status": "success",
        "service": "manual",
        "location_id": DEMO_LOCATION_ID,
        "created_at": _iso(shipped),
        "updated_at": _iso(delivered if arrived else shipped),
        "tracking_company": company,
        "tracking_number": number,
        "tracking_numbers": [number],
        "tracking_url": url,
        "tracking_urls": [url],
        "shipment_status": "delivered" if arrived else "in_transit",
        "destination": copy.deepcopy(order.get("shipping_address")),
        "receipt": {},
        "line_items": copy.deepcopy(order["line_items"]),
    }
