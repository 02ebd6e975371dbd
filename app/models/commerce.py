"""Shopify data kept locally: customers, orders, checkouts, carts and fulfillments.

Each row keeps Shopify's own id and ``updated_at`` so a late or duplicated webhook
never overwrites newer data. Personal data is limited to what messages need.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import created, optional_shopify_ref, pk, shop_fk, shopify_ref, updated, when
from .types import JSONType, Money


class Customer(SQLModel, table=True):
    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("shop_id", "shopify_id", name="uq_customers_shop_shopify"),
        Index("ix_customers_shop_email", "shop_id", "email"),
        Index("ix_customers_shop_phone", "shop_id", "phone"),
        Index("ix_customers_shop_last_name", "shop_id", "last_name"),
        Index("ix_customers_shop_first_name", "shop_id", "first_name"),
        # Audiences: spending, order counts and prefectures, without reading every customer.
        Index("ix_customers_shop_total_spent", "shop_id", "total_spent"),
        Index("ix_customers_shop_orders_count", "shop_id", "orders_count"),
        # A prefecture's customers, their spending and order counts from the index alone.
        Index("ix_customers_shop_province_spent", "shop_id", "province_code", "total_spent", "orders_count"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    shopify_id: int = shopify_ref()
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=32)
    first_name: str | None = Field(default=None, max_length=255)
    last_name: str | None = Field(default=None, max_length=255)
    locale: str | None = Field(default=None, max_length=16)
    tags: str = Field(default="", sa_type=Text)
    state: str | None = Field(default=None, max_length=16)
    orders_count: int = 0
    total_spent: Decimal = Field(default=Decimal("0"), sa_type=Money)
    # The default address's province ("JP-13"): the prefecture an audience may target.
    province_code: str | None = Field(default=None, max_length=16)
    shopify_created_at: datetime | None = when()
    shopify_updated_at: datetime | None = when()
    # The `line-linked` tag in Shopify follows the link; the worker syncs it when due.
    line_tag_due_at: datetime | None = when(index=True)
    line_tag_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = created()
    updated_at: datetime = updated()

    def display_name(self, fallback: str = "") -> str:
        """The customer's name as the store shows it, family name first ("山田 花子"), or
        `fallback` when Shopify gave no name. The one place a customer's name is built."""
        return " ".join(part for part in (self.last_name, self.first_name) if part) or fallback


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("shop_id", "shopify_id", name="uq_orders_shop_shopify"),
        Index("ix_orders_shop_checkout_token", "shop_id", "checkout_token"),
        Index("ix_orders_shop_cart_token", "shop_id", "cart_token"),
        # A customer's orders in a period, cancelled or not, from the index alone (audiences).
        Index(
            "ix_orders_shop_customer_processed", "shop_id", "customer_shopify_id", "processed_at", "cancelled_at", "id"
        ),
        # Audiences: who ordered (and did not cancel) in a period, read from the index alone.
        Index("ix_orders_shop_processed_customer", "shop_id", "processed_at", "customer_shopify_id", "cancelled_at"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    shopify_id: int = shopify_ref()
    customer_shopify_id: int | None = optional_shopify_ref()
    name: str = Field(default="", max_length=64)  # "#1001"
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=32)
    checkout_token: str | None = Field(default=None, max_length=64)
    cart_token: str | None = Field(default=None, max_length=128)
    financial_status: str | None = Field(default=None, max_length=32)
    fulfillment_status: str | None = Field(default=None, max_length=32)
    currency: str = Field(default="JPY", max_length=3)
    subtotal_price: Decimal = Field(default=Decimal("0"), sa_type=Money)
    total_price: Decimal = Field(default=Decimal("0"), sa_type=Money)
    discount_codes: list = Field(default_factory=list, sa_type=JSONType)
    order_status_url: str | None = Field(default=None, sa_type=Text)
    source_name: str | None = Field(default=None, max_length=64)
    # The path and query the buyer's visit began at ("/products/x?utm_medium=richmenu&…"): a rich
    # menu's UTM there credits the menu (app/tracking/attribution.py).
    landing_site: str | None = Field(default=None, sa_type=Text)
    cancelled_at: datetime | None = when()
    processed_at: datetime | None = when()
    shopify_updated_at: datetime | None = when()
    created_at: datetime = created()
    updated_at: datetime = updated()


class OrderLineItem(SQLModel, table=True):
    __tablename__ = "order_line_items"
    __table_args__ = (
        UniqueConstraint("order_id", "shopify_id", name="uq_order_line_items_order_shopify"),
        # Who bought a product (audiences), and a product's sales: the orders from the index alone.
        Index("ix_order_line_items_shop_product_order", "shop_id", "product_shopify_id", "order_id"),
        # The products of one order from the index alone (did this customer buy one of them).
        Index("ix_order_line_items_order_product", "order_id", "product_shopify_id"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    order_id: int = Field(foreign_key="orders.id", ondelete="CASCADE", index=True, sa_type=BigInteger)
    shopify_id: int = shopify_ref()
    product_shopify_id: int | None = optional_shopify_ref()
    variant_shopify_id: int | None = optional_shopify_ref()
    title: str = Field(default="", sa_type=Text)
    variant_title: str | None = Field(default=None, sa_type=Text)
    sku: str | None = Field(default=None, max_length=255)
    quantity: int = 1
    price: Decimal = Field(default=Decimal("0"), sa_type=Money)


class Checkout(SQLModel, table=True):
    __tablename__ = "checkouts"
    __table_args__ = (
        UniqueConstraint("shop_id", "token", name="uq_checkouts_shop_token"),
        Index("ix_checkouts_shop_cart_token", "shop_id", "cart_token"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    shopify_id: int | None = optional_shopify_ref()
    token: str = Field(max_length=64)
    cart_token: str | None = Field(default=None, max_length=128)
    customer_shopify_id: int | None = optional_shopify_ref()
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=32)
    abandoned_checkout_url: str | None = Field(default=None, sa_type=Text)
    currency: str = Field(default="JPY", max_length=3)
    subtotal_price: Decimal = Field(default=Decimal("0"), sa_type=Money)
    total_price: Decimal = Field(default=Decimal("0"), sa_type=Money)
    line_items: list = Field(default_factory=list, sa_type=JSONType)
    completed_at: datetime | None = when()
    shopify_created_at: datetime | None = when()
    shopify_updated_at: datetime | None = when()
    created_at: datetime = created()
    updated_at: datetime = updated()


class Cart(SQLModel, table=True):
    """carts/* payloads carry no customer; a later flow ties the token to one."""

    __tablename__ = "carts"
    __table_args__ = (UniqueConstraint("shop_id", "token", name="uq_carts_shop_token"),)

    id: int | None = pk()
    shop_id: int = shop_fk()
    token: str = Field(max_length=128)
    customer_shopify_id: int | None = optional_shopify_ref()
    line_items: list = Field(default_factory=list, sa_type=JSONType)
    total_price: Decimal = Field(default=Decimal("0"), sa_type=Money)
    note: str | None = Field(default=None, sa_type=Text)
    shopify_created_at: datetime | None = when()
    shopify_updated_at: datetime | None = when()
    created_at: datetime = created()
    updated_at: datetime = updated()


class Fulfillment(SQLModel, table=True):
    __tablename__ = "fulfillments"
    __table_args__ = (
        UniqueConstraint("shop_id", "shopify_id", name="uq_fulfillments_shop_shopify"),
        Index("ix_fulfillments_shop_order", "shop_id", "order_shopify_id"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    shopify_id: int = shopify_ref()
    # The order may arrive after its fulfillment: keep Shopify's id, join on it.
    order_shopify_id: int = shopify_ref()
    name: str | None = Field(default=None, max_length=64)
    status: str | None = Field(default=None, max_length=32)
    shipment_status: str | None = Field(default=None, max_length=32)
    tracking_company: str | None = Field(default=None, max_length=255)
    tracking_numbers: list = Field(default_factory=list, sa_type=JSONType)
    tracking_urls: list = Field(default_factory=list, sa_type=JSONType)
    line_items: list = Field(default_factory=list, sa_type=JSONType)
    shopify_created_at: datetime | None = when()
    shopify_updated_at: datetime | None = when()
    created_at: datetime = created()
    updated_at: datetime = updated()
