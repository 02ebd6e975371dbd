"""A deterministic Japanese demo store, as the webhook bodies Shopify would send.

The demo feeds these through the real webhook upserts, so they follow Shopify's REST
payloads (products/create, customers/create, orders/create, fulfillments/create), not
the app's models. Only a seeded ``random.Random`` and the ``now`` argument are used:
the same seed gives identical payloads. Products and customers carry fixed 2023–2024
timestamps; orders (orders.py) fall in the year before a ``now`` later than
``CATALOG_SETTLED``.
"""

from __future__ import annotations

import copy
import itertools
import random
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

from .people_words import ADDRESSES, BUILDINGS, CUSTOMER_TAGS, GIVEN_NAMES, SURNAMES
from .words import CATEGORIES, EXTRA_TAGS, KINDS

DEMO_SHOP_DOMAIN = "tsunagu-demo.myshopify.com"
DEMO_SHOP_NAME = "つなぐ デモストア"
DEMO_SHOP_ID = 64_123_456_789
IMAGE_PATH = "/static/demo/products/{handle}.svg"

JST = timezone(timedelta(hours=9))
PRODUCTS_FROM = datetime(2023, 2, 1, 10, 0, tzinfo=JST)
PRODUCTS_TO = datetime(2024, 3, 31, 10, 0, tzinfo=JST)
CUSTOMERS_FROM = datetime(2023, 1, 10, 9, 0, tzinfo=JST)
CUSTOMERS_TO = datetime(2024, 6, 20, 9, 0, tzinfo=JST)
# Every product and customer timestamp is earlier than this.
CATALOG_SETTLED = datetime(2024, 7, 1, 0, 0, tzinfo=JST)

MIN_PRICE, MAX_PRICE = 380, 29_800


def _ids(rng: random.Random, start: int) -> Iterator[int]:
    """Increasing ids with gaps, the way Shopify's look, so payloads read as real ones."""
    gaps = (rng.randint(1_000, 99_999) for _ in itertools.count())
    return itertools.accumulate(gaps, initial=start + rng.randint(1_000, 99_999))


def _iso(moment: datetime) -> str:
    return moment.astimezone(JST).isoformat(timespec="seconds")


def _money(yen: int) -> str:
    return f"{yen}.00"


def _gid(kind: str, value: int) -> str:
    return f"gid://shopify/{kind}/{value}"


def demo_products(*, seed: int = 7, count: int = 240) -> list[dict]:
    """products/create payloads for a catalog big enough to make search and cards real.

    Kinds are dealt round-robin then shuffled so every category is represented even
    for small counts; ids rise with ``created_at`` as Shopify's do.
    """
    rng = random.Random(f"products:{seed}")
    ids = {
        name: _ids(rng, start)
        for name, start in (
            ("product", 8_640_000_000_000),
            ("variant", 46_020_000_000_000),
            ("image", 40_110_000_000_000),
            ("option", 10_930_000_000_000),
            ("inventory", 48_100_000_000_000),
        )
    }
    kinds = [KINDS[i % len(KINDS)] for i in range(count)]
    rng.shuffle(kinds)
    step = (PRODUCTS_TO - PRODUCTS_FROM) / max(count, 1)
    handles: set[str] = set()
    products = []
    for index, kind in enumerate(kinds):
        created = PRODUCTS_FROM + step * index + timedelta(minutes=rng.randint(0, 600))
        products.append(_product(rng, ids, kind, index, created, handles))
    return products


def _product(rng: random.Random, ids: dict, kind: dict, index: int, created: datetime, handles: set[str]) -> dict:
    category = CATEGORIES[kind["category"]]
    brand, first, second = (rng.choice(kind.get(key) or category[key]) for key in ("brands", "first", "second"))
    grid = _option_grid(rng, kind)
    # A single-variant product names its size in the title ("… 500g") as Japanese shops do.
    suffix = rng.choice(kind["axes"][0][1]) if kind["axes"] and not grid else None
    name = f"{first[0]} {second[0]}{' ' if second[0][-1].isascii() else ''}{kind['type']}"
    title = f"{brand[0]} {name}" + (f" {suffix[0]}" if suffix else "")
    handle = _unique_handle(handles, brand[1], first[1], second[1], kind["slug"], suffix[1] if suffix else "")
    product_id = next(ids["product"])
    updated = min(
        created + timedelta(days=rng.randint(0, 90), minutes=rng.randint(0, 900)), CATALOG_SETTLED - timedelta(days=1)
    )
    status = rng.choices(("active", "draft", "archived"), weights=(95, 3, 2))[0]
    published = created + timedelta(hours=rng.randint(0, 72)) if status == "active" else None
    stamps = {"created_at": _iso(created), "updated_at": _iso(updated)}
    notes = "".join(f"<li>{note}</li>" for note in category["notes"])
    body_html = f"<p>{brand[0]}の{name.replace(' ', '')}です。{category['phrase']}</p><ul>{notes}</ul>"
    variants, options = _variants(rng, ids, kind, product_id, index, grid, suffix, stamps)
    image = {
        "id": next(ids["image"]),
        "product_id": product_id,
        "position": 1,
        **stamps,
        "alt": title,
        "width": 600,
        "height": 600,
        "src": IMAGE_PATH.format(handle=handle),
        "variant_ids": [],
    }
    image["admin_graphql_api_id"] = _gid("ProductImage", image["id"])
    return {
        "id": product_id,
        "admin_graphql_api_id": _gid("Product", product_id),
        "title": title,
        "handle": handle,
        "body_html": body_html,
        "vendor": brand[0],
        "product_type": kind["type"],
        "tags": _tags(rng, kind, category, handle),
        "status": status,
        "published_at": _iso(published) if published else None,
        "published_scope": "global",
        "template_suffix": None,
        **stamps,
        "variants": variants,
        "options": options,
        "image": image,
        "images": [copy.deepcopy(image)],
    }


def _unique_handle(taken: set[str], *parts: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", "-".join(p for p in parts if p).lower()).strip("-")
    handle, n = base, 2
    while handle in taken:
        handle, n = f"{base}-{n}", n + 1
    taken.add(handle)
    return handle


def _tags(rng: random.Random, kind: dict, category: dict, handle: str) -> str:
    tags = {*category["tags"], kind["type"], *rng.sample(EXTRA_TAGS, rng.randint(0, 2))}
    if "organic" in handle:
        tags.add("organic")
    if kind["consumable"]:
        tags.add("定期購入おすすめ")
    return ", ".join(sorted(tags))


def _option_grid(rng: random.Random, kind: dict) -> list[tuple[str, tuple]]:
    """One to four variants: Shopify allows more, but small shops rarely list more."""
    axes = kind["axes"]
    if not axes or rng.random() < 0.3:
        return []
    if len(axes) > 1 and rng.random() < 0.5:
        return [(name, _pick(rng, values, 2)) for name, values in axes[:2]]
    name, values = axes[0]
    return [(name, _pick(rng, values, rng.randint(2, min(4, len(values)))))]


def _pick(rng: random.Random, values: tuple, k: int) -> tuple:
    return tuple(values[i] for i in sorted(rng.sample(range(len(values)), k)))


def _price(amount: float, ending: int) -> int:
    """Shop prices end in 80, 90 or 00 (¥1,980, ¥2,490, ¥3,000)."""
    return max(1, round(amount / 100)) * 100 - ending


def _variants(
    rng: random.Random,
    ids: dict,
    kind: dict,
    product_id: int,
    index: int,
    grid: list,
    suffix: tuple | None,
    stamps: dict,
) -> tuple[list[dict], list[dict]]:
    base, ending = rng.randint(*kind["price"]), rng.choices((20, 10, 0), weights=(3, 1, 1))[0]
    on_sale, markup = rng.random() < 0.2, rng.uniform(1.15, 1.5)
    combos = list(itertools.product(*(values for _, values in grid))) or [()]
    code = kind["slug"].replace("-", "")[:4].upper()
    variants = []
    for position, combo in enumerate(combos, start=1):
        mult = 1.0
        for value in combo or ((suffix,) if suffix else ()):
            mult *= value[2]
        price = min(max(_price(base * mult, ending), MIN_PRICE), MAX_PRICE)
        compare = max(_price(price * markup, ending), price + 100) if on_sale else None
        labels = [value[0] for value in combo] or ["Default Title"]
        variant_id = next(ids["variant"])
        quantity = rng.choices((0, rng.randint(1, 3), rng.randint(5, 240)), weights=(8, 10, 82))[0]
        variants.append(
            {
                "id": variant_id,
                "admin_graphql_api_id": _gid("ProductVariant", variant_id),
                "product_id": product_id,
                "title": " / ".join(labels),
                "price": _money(price),
                "compare_at_price": _money(compare) if compare else None,
                "sku": f"{code}-{index + 1:04d}-{position}",
                "position": position,
                "inventory_policy": "deny",
                "fulfillment_service": "manual",
                "inventory_management": "shopify",
                "inventory_item_id": next(ids["inventory"]),
                "inventory_quantity": quantity,
                "old_inventory_quantity": quantity,
                "option1": labels[0],
                "option2": labels[1] if len(labels) > 1 else None,
                "option3": None,
                "taxable": True,
                "requires_shipping": True,
                "barcode": None,
                "image_id": None,
                **stamps,
            }
        )
    axes = [(name, [v[0] for v in values]) for name, values in grid] or [("Title", ["Default Title"])]
    options = [
        {"id": next(ids["option"]), "product_id": product_id, "name": name, "position": position, "values": values}
        for position, (name, values) in enumerate(axes, start=1)
    ]
    return variants, options


def demo_customers(*, seed: int = 7, count: int = 50) -> list[dict]:
    """customers/create payloads: people the LINE side can be linked to by email or phone.

    ``orders_count`` and ``total_spent`` are left out, as they would be zero at
    creation; each order's embedded customer carries the running totals instead.
    """
    rng = random.Random(f"customers:{seed}")
    ids, address_ids = _ids(rng, 7_301_000_000_000), _ids(rng, 9_120_000_000_000)
    phone_offset = rng.randint(0, 9_999)
    step = (CUSTOMERS_TO - CUSTOMERS_FROM) / max(count, 1)
    customers = []
    for index in range(count):
        created = CUSTOMERS_FROM + step * index + timedelta(minutes=rng.randint(0, 1200))
        # 97 is coprime with 10,000, so phone numbers never repeat within a store.
        phone = f"+81{rng.choice(('90', '80', '70'))}0000{(index * 97 + phone_offset) % 10_000:04d}"
        customers.append(_customer(rng, next(ids), next(address_ids), index, created, phone))
    return customers


def _customer(rng: random.Random, customer_id: int, address_id: int, index: int, created: datetime, phone: str) -> dict:
    (last, last_slug), (first, first_slug) = rng.choice(SURNAMES), rng.choice(GIVEN_NAMES)
    locale = "en" if rng.random() < 0.1 else "ja"
    if locale == "en":
        last, first = last_slug.capitalize(), first_slug.capitalize()
    domain = rng.choice(("example.jp", "example.jp", "example.com"))
    email = f"{first_slug}.{last_slug}{index + 1:02d}@{domain}"
    phone = None if rng.random() < 0.1 else phone
    updated = min(
        created + timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 600)), CATALOG_SETTLED - timedelta(hours=1)
    )
    subscribed = rng.random() < 0.6
    address = _address(rng, address_id, customer_id, first, last, phone)
    return {
        "id": customer_id,
        "admin_graphql_api_id": _gid("Customer", customer_id),
        "email": email,
        "phone": phone,
        "first_name": first,
        "last_name": last,
        "locale": locale,
        "state": "enabled",
        "currency": "JPY",
        "tags": ", ".join(sorted(rng.sample(CUSTOMER_TAGS, rng.randint(0, 2)))),
        "note": None,
        "verified_email": True,
        "tax_exempt": False,
        "multipass_identifier": None,
        "created_at": _iso(created),
        "updated_at": _iso(updated),
        "email_marketing_consent": {
            "state": "subscribed" if subscribed else "not_subscribed",
            "opt_in_level": "single_opt_in",
            "consent_updated_at": _iso(created) if subscribed else None,
        },
        "sms_marketing_consent": None,
        "addresses": [address],
        "default_address": copy.deepcopy(address),
    }


def _address(rng: random.Random, address_id: int, customer_id: int, first: str, last: str, phone: str | None) -> dict:
    province, code, city, town, zip_code = rng.choice(ADDRESSES)
    block = f"{rng.randint(1, 5)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"
    room = f"{rng.choice(BUILDINGS)} {rng.randint(1, 9)}0{rng.randint(1, 9)}"
    building = room if rng.random() < 0.6 else ""
    return {
        "id": address_id,
        "customer_id": customer_id,
        "first_name": first,
        "last_name": last,
        "name": f"{last} {first}",
        "company": None,
        "address1": f"{town}{block}",
        "address2": building,
        "city": city,
        "province": province,
        "province_code": code,
        "zip": zip_code,
        "phone": phone,
        "country": "Japan",
        "country_code": "JP",
        "country_name": "Japan",
        "default": True,
    }
