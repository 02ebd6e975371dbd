"""Products and variants from products/create|update|delete."""

from __future__ import annotations

from sqlmodel import Session, delete

from ..models import Product, ProductVariant, Shop
from ..search.index import index_product, unindex_product
from ..timeutil import parse_ts, utcnow
from .common import as_count, as_int, as_list, is_stale, money, optional_money, plain_text, required_id, text, upsert


def _image_url(payload: dict) -> str | None:
    image = payload.get("image")
    if not isinstance(image, dict):
        images = as_list(payload.get("images"))
        image = images[0] if images and isinstance(images[0], dict) else {}
    return text(image.get("src"))


def _tags(value) -> str:
    if isinstance(value, list):
        return text(", ".join(str(v) for v in value if not isinstance(v, (dict, list))))
    return text(value) or ""


def upsert_product(*, session: Session, shop: Shop, payload: dict) -> Product:
    shopify_id = required_id(payload)
    incoming = parse_ts(payload.get("updated_at"))
    applied = []

    def apply(row: Product) -> None:
        # A tombstone wins over any update that is not newer than the delete.
        if row.deleted_at is not None and (incoming is None or incoming <= row.deleted_at):
            return
        if is_stale(row.shopify_updated_at, incoming):
            return
        row.deleted_at = None
        row.handle = text(payload.get("handle"), 255) or ""
        row.title = text(payload.get("title")) or ""
        row.description = plain_text(payload.get("body_html"))
        row.vendor = text(payload.get("vendor"), 255) or ""
        row.product_type = text(payload.get("product_type"), 255) or ""
        row.tags = _tags(payload.get("tags"))
        row.status = text(payload.get("status"), 16) or "active"
        row.published_at = parse_ts(payload.get("published_at"))
        if row.handle:
            row.online_store_url = f"https://{shop.domain}/products/{row.handle}"
        row.image_url = _image_url(payload)
        row.shopify_updated_at = incoming or row.shopify_updated_at
        applied.append(True)

    product = upsert(session=session, model=Product, keys={"shop_id": shop.id, "shopify_id": shopify_id}, apply=apply)
    if applied:
        session.flush()
        if "variants" in payload:
            _replace_variants(session=session, shop=shop, product=product, variants=as_list(payload.get("variants")))
            session.flush()
        index_product(session=session, product=product)
    return product


def _replace_variants(*, session: Session, shop: Shop, product: Product, variants: list) -> None:
    keep = []
    for position, v in enumerate(variants, start=1):
        variant_id = as_int(v.get("id")) if isinstance(v, dict) else None
        if variant_id is None:
            continue
        keep.append(variant_id)

        def apply(row: ProductVariant, v=v, position=position) -> None:
            quantity = as_count(v.get("inventory_quantity"))
            row.product_id = product.id
            row.title = text(v.get("title")) or ""
            row.sku = text(v.get("sku"), 255)
            row.price = money(v.get("price"))
            row.compare_at_price = optional_money(v.get("compare_at_price"))
            row.inventory_quantity = quantity
            row.available = _available(v, quantity)
            row.inventory_item_id = as_int(v.get("inventory_item_id")) or row.inventory_item_id
            if "inventory_management" in v or "inventory_policy" in v:
                row.stock_tracked = _stock_decides(v)
            row.position = as_count(v.get("position")) or position

        upsert(session=session, model=ProductVariant, keys={"shop_id": shop.id, "shopify_id": variant_id}, apply=apply)
    session.execute(
        delete(ProductVariant).where(ProductVariant.product_id == product.id, ProductVariant.shopify_id.not_in(keep))
    )


def _stock_decides(variant: dict) -> bool:
    """Whether stock decides if it can be sold: Shopify tracks it and overselling is off."""
    return variant.get("inventory_management") == "shopify" and variant.get("inventory_policy") != "continue"


def _available(variant: dict, quantity: int | None) -> bool:
    """Sold out only when Shopify tracks stock, it is gone, and overselling is off."""
    if "available" in variant:
        return bool(variant["available"])
    return not (_stock_decides(variant) and quantity is not None and quantity <= 0)


def delete_product(*, session: Session, shop: Shop, payload: dict, deleted_at=None) -> None:
    shopify_id = required_id(payload)
    now = deleted_at or utcnow()

    def apply(row: Product) -> None:
        row.deleted_at = now
        row.status = "deleted"

    product = upsert(session=session, model=Product, keys={"shop_id": shop.id, "shopify_id": shopify_id}, apply=apply)
    session.flush()
    session.execute(delete(ProductVariant).where(ProductVariant.product_id == product.id))
    unindex_product(session=session, product=product)
