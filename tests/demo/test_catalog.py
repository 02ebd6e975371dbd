"""The demo store: reproducible, internally consistent, shaped like Shopify's webhook bodies."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

from app.demo.catalog import DEMO_SHOP_DOMAIN, demo_customers, demo_products
from app.demo.orders import demo_fulfillments, demo_orders
from app.demo.placeholder import product_svg, write_placeholders

NOW = datetime(2026, 5, 20, 3, 15, 42, tzinfo=UTC)
CONSUMABLES = {"緑茶", "ほうじ茶", "抹茶", "コーヒー豆", "米", "味噌", "醤油", "ドッグフード", "猫砂", "キャットフード"}


def build(seed: int = 7, now: datetime = NOW) -> dict:
    products = demo_products(seed=seed)
    customers = demo_customers(seed=seed)
    orders = demo_orders(products=products, customers=customers, seed=seed, now=now)
    return {
        "products": products,
        "customers": customers,
        "orders": orders,
        "fulfillments": demo_fulfillments(orders=orders, seed=seed, now=now),
    }


@pytest.fixture(scope="module")
def store() -> dict:
    return build()


def variants_by_id(products: list[dict]) -> dict[int, tuple[dict, dict]]:
    return {v["id"]: (p, v) for p in products for v in p["variants"]}


def yen(value: str) -> int:
    amount = Decimal(value)
    assert amount == amount.to_integral_value(), value
    return int(amount)


def timestamps(value, path="") -> list[tuple[str, str]]:
    """Every "*_at" string anywhere in a payload, with where it was found."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("_at") and isinstance(item, str):
                found.append((f"{path}.{key}", item))
            found += timestamps(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += timestamps(item, f"{path}[{index}]")
    return found


def test_same_seed_same_store_and_another_seed_another(store):
    assert build() == store
    other = demo_products(seed=8)
    assert [p["title"] for p in other] != [p["title"] for p in store["products"]]


def test_catalog_is_large_with_unique_ids_and_slugs(store):
    products = store["products"]
    variants = [v for p in products for v in p["variants"]]
    assert len(products) >= 200
    assert len({p["id"] for p in products}) == len(products)
    assert len({p["handle"] for p in products}) == len(products)
    assert len({v["id"] for v in variants}) == len(variants)
    assert len({v["sku"] for v in variants}) == len(variants)
    for p in products:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", p["handle"]), p["handle"]
        assert p["admin_graphql_api_id"] == f"gid://shopify/Product/{p['id']}"
        assert 1 <= len(p["variants"]) <= 4
        assert all(v["product_id"] == p["id"] for v in p["variants"])
        assert p["image"]["src"] == f"/static/demo/products/{p['handle']}.svg"
        assert p["images"][0]["src"] == p["image"]["src"] and p["image"]["product_id"] == p["id"]
        assert "<p>" in p["body_html"]
        assert p["tags"] == ", ".join(sorted(p["tags"].split(", ")))


def test_variants_look_like_a_japanese_shop(store):
    products = store["products"]
    variants = [v for p in products for v in p["variants"]]
    for v in variants:
        price = yen(v["price"])
        assert 380 <= price <= 29_800 and price % 100 in (0, 80, 90), v["price"]
        if v["compare_at_price"] is not None:
            assert yen(v["compare_at_price"]) > price
        assert v["inventory_management"] == "shopify" and v["inventory_quantity"] >= 0
    singles = [p for p in products if len(p["variants"]) == 1]
    assert singles and all(p["variants"][0]["title"] == "Default Title" for p in singles)
    assert any(" / " in v["title"] for v in variants)
    on_sale = sum(v["compare_at_price"] is not None for v in variants) / len(variants)
    assert 0.1 < on_sale < 0.3
    assert any(v["inventory_quantity"] == 0 for v in variants)
    assert any(1 <= v["inventory_quantity"] <= 3 for v in variants)
    statuses = [p["status"] for p in products]
    assert statuses.count("active") / len(statuses) > 0.9 and set(statuses) > {"active"}
    assert all((p["published_at"] is None) == (p["status"] != "active") for p in products)


def test_titles_are_varied_and_mix_scripts(store):
    titles = [p["title"] for p in store["products"]]
    assert len(set(titles)) >= 0.9 * len(titles)
    assert len({p["product_type"] for p in store["products"]}) >= 20
    assert any(re.search(r"[\u4e00-\u9fff]", t) for t in titles)  # kanji
    assert any(re.search(r"[\u30a0-\u30ff]", t) for t in titles)  # katakana
    assert any(re.search(r"\d+(g|kg|ml|L)$", t) for t in titles)


def test_customers_are_fake_and_japanese(store):
    customers = store["customers"]
    assert len(customers) == 50
    assert len({c["id"] for c in customers}) == len({c["email"] for c in customers}) == 50
    phones = [c["phone"] for c in customers if c["phone"]]
    assert len(set(phones)) == len(phones) and len(phones) > 40
    for c in customers:
        assert c["email"].endswith(("@example.jp", "@example.com"))
        assert c["phone"] is None or re.fullmatch(r"\+81[789]0\d{8}", c["phone"])
        address = c["default_address"]
        assert address["country_code"] == "JP" and re.fullmatch(r"\d{3}-\d{4}", address["zip"])
        assert address["province"].endswith(("都", "道", "府", "県"))
        assert c["currency"] == "JPY" and c["state"] == "enabled"
    assert sum(c["locale"] == "ja" for c in customers) > 40
    assert any(re.search(r"[\u4e00-\u9fff]", c["last_name"]) for c in customers)


def test_order_lines_point_at_real_variants_and_totals_add_up(store):
    known = variants_by_id(store["products"])
    orders = store["orders"]
    assert len(orders) > 100
    for order in orders:
        assert 1 <= len(order["line_items"]) <= 5
        gross = 0
        for item in order["line_items"]:
            product, variant = known[item["variant_id"]]
            assert item["product_id"] == product["id"] and item["title"] == product["title"]
            assert item["price"] == variant["price"] and item["sku"] == variant["sku"]
            gross += yen(item["price"]) * item["quantity"]
        discount = sum(yen(code["amount"]) for code in order["discount_codes"])
        assert yen(order["total_line_items_price"]) == gross
        assert yen(order["total_discounts"]) == discount
        assert yen(order["subtotal_price"]) == yen(order["total_price"]) == gross - discount
        line_tax = sum(yen(t["price"]) for item in order["line_items"] for t in item["tax_lines"])
        assert yen(order["total_tax"]) == line_tax
        assert (gross - discount) * 8 // 108 - 5 <= line_tax <= (gross - discount) * 10 // 110
        assert order["taxes_included"] is True and order["currency"] == "JPY"
        assert order["checkout_token"] and re.fullmatch(r"[0-9a-f]{32}", order["checkout_token"])
        assert order["order_status_url"].startswith(f"https://{DEMO_SHOP_DOMAIN}/")
        assert order["customer"]["email"] == order["email"]
    assert any(order["discount_codes"] for order in orders)


def test_orders_are_numbered_in_time_order(store):
    orders = store["orders"]
    assert [o["name"] for o in orders] == [f"#{n}" for n in range(1001, 1001 + len(orders))]
    created = [datetime.fromisoformat(o["created_at"]) for o in orders]
    assert created == sorted(created)
    assert created[0] >= NOW - timedelta(days=365)
    ids = [o["id"] for o in orders]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    statuses = {o["financial_status"] for o in orders}
    assert statuses == {"paid", "refunded"}
    assert all(o["cancelled_at"] for o in orders if o["financial_status"] == "refunded")


def test_every_timestamp_is_tokyo_time_before_now(store):
    found = [stamp for kind in store.values() for stamp in timestamps(kind)]
    assert len(found) > 2000
    for where, value in found:
        moment = datetime.fromisoformat(value)
        assert value.endswith("+09:00"), where
        assert moment < NOW, (where, value)


def test_customers_repeat_consumables_every_25_to_40_days(store):
    bought = defaultdict(list)
    for order in store["orders"]:
        for item in order["line_items"]:
            bought[(order["customer"]["id"], item["variant_id"])].append(datetime.fromisoformat(order["created_at"]))
    known = variants_by_id(store["products"])
    cycles = 0
    for (_, variant_id), dates in bought.items():
        gaps = [(b - a).days for a, b in pairwise(dates)]
        if len(dates) >= 3 and all(24 <= gap <= 40 for gap in gaps):
            assert known[variant_id][0]["product_type"] in CONSUMABLES | {
                "化粧水",
                "シャンプー",
                "石鹸",
                "はちみつ",
                "ペットおやつ",
            }
            cycles += 1
    assert cycles >= 5


def test_embedded_customer_carries_running_totals(store):
    last_seen, expected = {}, defaultdict(lambda: [0, 0])
    for order in store["orders"]:
        customer_id = order["customer"]["id"]
        expected[customer_id][0] += 1
        if order["financial_status"] != "refunded":
            expected[customer_id][1] += yen(order["total_price"])
        last_seen[customer_id] = order["customer"]
    assert last_seen
    for customer_id, embedded in last_seen.items():
        assert [embedded["orders_count"], yen(embedded["total_spent"])] == expected[customer_id]


def test_fulfillments_match_fulfilled_orders(store):
    orders = {o["id"]: o for o in store["orders"]}
    fulfillments = store["fulfillments"]
    fulfilled = {o["id"] for o in orders.values() if o["fulfillment_status"] == "fulfilled"}
    assert {f["order_id"] for f in fulfillments} == fulfilled and len(fulfillments) == len(fulfilled)
    assert len({f["id"] for f in fulfillments}) == len(fulfillments)
    for f in fulfillments:
        order = orders[f["order_id"]]
        number = f["tracking_number"]
        assert f["name"] == f"{order['name']}.1" and f["status"] == "success"
        assert f["tracking_company"] in {"ヤマト運輸", "佐川急便", "日本郵便"}
        assert re.fullmatch(r"\d{12}", number) and int(number[:11]) % 7 == int(number[11])
        assert f["tracking_numbers"] == [number] and number in f["tracking_url"]
        assert f["tracking_urls"] == [f["tracking_url"]]
        assert f["line_items"] == order["line_items"]
        assert datetime.fromisoformat(f["created_at"]) > datetime.fromisoformat(order["created_at"])
    assert {f["shipment_status"] for f in fulfillments} == {"delivered", "in_transit"}


def test_seeding_again_later_keeps_ids_and_shifts_times(store):
    later = build(now=NOW + timedelta(days=2))
    assert [o["id"] for o in later["orders"]] == [o["id"] for o in store["orders"]]
    assert [o["name"] for o in later["orders"]] == [o["name"] for o in store["orders"]]
    for before, after in zip(store["orders"], later["orders"], strict=False):
        shift = datetime.fromisoformat(after["created_at"]) - datetime.fromisoformat(before["created_at"])
        assert shift == timedelta(days=2)
        assert [i["id"] for i in after["line_items"]] == [i["id"] for i in before["line_items"]]
    before = {f["order_id"]: f["id"] for f in store["fulfillments"]}
    after = {f["order_id"]: f["id"] for f in later["fulfillments"]}
    assert before and all(after[order_id] == fid for order_id, fid in before.items())


def test_now_must_be_aware_and_after_the_catalog(store):
    with pytest.raises(ValueError):
        demo_orders(products=store["products"], customers=store["customers"], now=datetime(2026, 5, 1))
    with pytest.raises(ValueError):
        demo_fulfillments(orders=store["orders"], now=datetime(2024, 1, 1, tzinfo=UTC))


def test_every_placeholder_is_small_valid_svg(store):
    for p in store["products"]:
        svg = product_svg(title=p["title"], product_type=p["product_type"], handle=p["handle"])
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox") == "0 0 600 600"
        assert len(svg.encode("utf-8")) < 2048
        assert p["product_type"] in "".join(root.itertext())
        assert "href" not in svg and "http://" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_placeholder_escapes_text_and_colours_by_handle():
    svg = product_svg(title='<b>"A&B"</b> ' + "長" * 500, product_type="マグ&カップ", handle="a")
    root = ET.fromstring(svg)
    assert "<b>" not in svg and len(svg.encode("utf-8")) < 2048
    assert "マグ&カップ" in "".join(root.itertext())
    same = product_svg(title="x", product_type="緑茶", handle="green-tea-1")
    assert same == product_svg(title="x", product_type="緑茶", handle="green-tea-1")
    assert same != product_svg(title="x", product_type="緑茶", handle="green-tea-2")


def test_write_placeholders_is_idempotent(store, tmp_path):
    products = store["products"][:12]
    target = tmp_path / "static" / "demo" / "products"
    assert write_placeholders(products, target) == 12
    files = sorted(path.name for path in target.iterdir())
    assert files == sorted(f"{p['handle']}.svg" for p in products)
    assert write_placeholders(products, target) == 0
    (target / files[0]).write_text("stale", encoding="utf-8")
    assert write_placeholders(products, target) == 1
    ET.parse(target / files[0])
    with pytest.raises(ValueError):
        write_placeholders([{"handle": "../evil", "title": "x", "product_type": "y"}], target)
    assert not (tmp_path / "static" / "demo" / "evil.svg").exists()
