"""Stock levels from inventory_levels/update, kept on the variant the inventory item stands for.

The payload names an inventory item and one location, not a variant: products payloads
give each variant's `inventory_item_id`, kept on the variant. The variant's quantity is
the sum of the levels of the locations heard from, so a shop with two locations is right
once both have reported; a level older than the one held is ignored (deliveries arrive
out of order). An item no variant names (not synced yet, another app's) is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from ..models import Product, ProductVariant, Shop
from ..search.index import index_product
from ..timeutil import parse_ts
from .common import as_count, as_int, is_stale


@dataclass(frozen=True)
class StockChange:
    variant: ProductVariant
    was_available: bool


def apply_inventory_level(*, session: Session, shop: Shop, payload: dict) -> StockChange | None:
    """Record one location's available quantity; the variant before and after, or None."""
    item, location = as_int(payload.get("inventory_item_id")), as_int(payload.get("location_id"))
    available = as_count(payload.get("available"))  # null: the item's stock is not tracked
    if item is None or location is None or available is None:
        return None
    variant = session.exec(
        select(ProductVariant).where(ProductVariant.shop_id == shop.id, ProductVariant.inventory_item_id == item)
    ).first()
    if variant is None:
        return None
    levels = dict(variant.stock_levels or {})
    held = levels.get(str(location)) or {}
    incoming = parse_ts(payload.get("updated_at"))
    if is_stale(parse_ts(held.get("at")), incoming):
        return None
    was_available = variant.available
    levels[str(location)] = {"available": available, "at": incoming.isoformat() if incoming else held.get("at")}
    variant.stock_levels = levels
    variant.inventory_quantity = sum(int(level["available"]) for level in levels.values())
    # Unknown tracking (a variant synced before it was kept) counts as tracked: a level says so.
    variant.available = variant.stock_tracked is False or variant.inventory_quantity > 0
    session.add(variant)
    if variant.available != was_available:  # search shows "sold out" from its index
        session.flush()
        product = session.get(Product, variant.product_id)
        if product is not None:
            index_product(session=session, product=product)
    return StockChange(variant=variant, was_available=was_available)
