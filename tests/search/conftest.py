"""Search fixtures: a shop with a small, deliberate catalog fed through the real upserts."""

from __future__ import annotations

import pytest

from app.search.normalize import normalize
from tests.helpers import make_shop

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
def shop(db):
    return make_shop(db)


def titles(results) -> list[str]:
    return [f.product.title for f in results.found]


__all__ = ["normalize", "product", "titles"]
