"""The demo catalog as the JSONL lines a bulk operation would produce (so the demo's
catalog goes through the real importer)."""

from __future__ import annotations

from collections.abc import Iterator


def as_bulk_lines(products: list[dict]) -> Iterator[dict]:
    for product in products:
        gid = f"gid://shopify/Product/{product['id']}"
        image = product.get("image") or {}
        yield {
            "id": gid,
            "handle": product["handle"],
            "title": product["title"],
            "status": str(product.get("status") or "active").upper(),
            "vendor": product.get("vendor"),
            "productType": product.get("product_type"),
            "tags": [t.strip() for t in (product.get("tags") or "").split(",") if t.strip()],
            "description": product.get("body_html") or "",
            "onlineStoreUrl": f"https://tsunagu-demo.myshopify.com/products/{product['handle']}"
            if product.get("published_at")
            else None,
            "publishedAt": product.get("published_at"),
            "updatedAt": product.get("updated_at"),
            "featuredMedia": {"preview": {"image": {"url": image.get("src")}}} if image else None,
        }
        for variant in product.get("variants") or []:
            yield {
                "id": f"gid://shopify/ProductVariant/{variant['id']}",
                "title": variant.get("title"),
                "sku": variant.get("sku"),
                "price": variant.get("price"),
                "compareAtPrice": variant.get("compare_at_price"),
                "availableForSale": (variant.get("inventory_quantity") or 0) > 0
                or variant.get("inventory_policy") == "continue",
                "inventoryQuantity": variant.get("inventory_quantity"),
                "position": variant.get("position"),
                "inventoryPolicy": str(variant.get("inventory_policy") or "deny").upper(),
                "inventoryItem": {
                    "id": f"gid://shopify/InventoryItem/{variant['inventory_item_id']}",
                    "tracked": variant.get("inventory_management") == "shopify",
                }
                if variant.get("inventory_item_id")
                else None,
                "__parentId": gid,
            }
