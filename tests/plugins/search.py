"""Search fixtures: products (REST payloads) fed through the real upserts into a catalog."""

from __future__ import annotations

import pytest

from app.sync.products import upsert_product

_ID = [1000]


def product(
    title: str,
    *,
    tags: str = "",
    product_type: str = "",
    vendor: str = "つなぐ商店",
    body: str = "",
    price: str = "1000",
    compare_at: str | None = None,
    quantity: int = 10,
    status: str = "active",
    published: bool = True,
    variants: list[tuple[str, str]] | None = None,
) -> dict:
    """A products/create payload (REST shape) with sensible defaults."""
    _ID[0] += 1
    pid = _ID[0]
    rows = variants or [("Default Title", "")]
    return {
        "id": pid,
        "title": title,
        "handle": f"p-{pid}",
        "body_html": body,
        "vendor": vendor,
        "product_type": product_type,
        "tags": tags,
        "status": status,
        "published_at": "2026-01-01T00:00:00+09:00" if published else None,
        "updated_at": "2026-11-01T00:00:00+09:00",
        "image": {"src": f"https://cdn.shopify.com/s/files/{pid}.jpg"},
        "variants": [
            {
                "id": pid * 10 + i,
                "title": vt,
                "sku": sku or None,
                "price": price,
                "compare_at_price": compare_at,
                "inventory_quantity": quantity,
                "inventory_management": "shopify",
                "inventory_policy": "deny",
                "position": i + 1,
            }
            for i, (vt, sku) in enumerate(rows)
        ],
    }


@pytest.fixture
def catalog(db, shop, app):
    """Add products (see `product`) through the real upsert."""

    def add(*payloads: dict):
        made = {}
        with app.app_context():
            for payload in payloads:
                made[payload["title"]] = upsert_product(session=db, shop=shop, payload=payload)
            db.commit()
        return made

    return add


def titles(results) -> list[str]:
    return [f.product.title for f in results.found]
