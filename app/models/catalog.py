"""The store's products and variants, the source of chat search and message cards."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import created, pk, shop_fk, shopify_ref, updated, when
from .types import JSONType, Money


class Product(SQLModel, table=True):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("shop_id", "shopify_id", name="uq_products_shop_shopify"),)

    id: int | None = pk()
    shop_id: int = shop_fk()
    shopify_id: int = shopify_ref()
    handle: str = Field(default="", max_length=255)
    title: str = Field(default="", sa_type=Text)
    description: str = Field(default="", sa_type=Text)  # plain text, HTML stripped
    vendor: str = Field(default="", max_length=255)
    product_type: str = Field(default="", max_length=255)
    tags: str = Field(default="", sa_type=Text)
    status: str = Field(default="active", max_length=16)  # active | draft | archived
    published_at: datetime | None = when()
    online_store_url: str | None = Field(default=None, sa_type=Text)
    image_url: str | None = Field(default=None, sa_type=Text)
    # A delete is kept as a tombstone so a late update cannot bring the product back.
    deleted_at: datetime | None = when()
    # When a full catalog sync last saw this product (products it did not see are gone).
    synced_at: datetime | None = when()
    shopify_updated_at: datetime | None = when()
    created_at: datetime = created()
    updated_at: datetime = updated()


class ProductVariant(SQLModel, table=True):
    __tablename__ = "product_variants"
    __table_args__ = (
        UniqueConstraint("shop_id", "shopify_id", name="uq_product_variants_shop_shopify"),
        Index("ix_product_variants_shop_inventory_item", "shop_id", "inventory_item_id"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    product_id: int = Field(foreign_key="products.id", ondelete="CASCADE", index=True, sa_type=BigInteger)
    shopify_id: int = shopify_ref()
    title: str = Field(default="", sa_type=Text)
    sku: str | None = Field(default=None, max_length=255)
    price: Decimal = Field(default=Decimal("0"), sa_type=Money)
    compare_at_price: Decimal | None = Field(default=None, sa_type=Money)
    inventory_quantity: int | None = None
    available: bool = True
    position: int = 1
    image_url: str | None = Field(default=None, sa_type=Text)
    # inventory_levels/update names an inventory item, not a variant: kept from product payloads.
    inventory_item_id: int | None = Field(default=None, sa_type=BigInteger)
    # Whether stock decides availability (Shopify tracks it, overselling off); None: not known yet.
    stock_tracked: bool | None = None
    # Available quantity by location id ({"24826418": {"available": 6, "at": "…"}}), from
    # inventory_levels/update; the variant's quantity is their sum once a level is known.
    stock_levels: dict | None = Field(default=None, sa_type=JSONType)
