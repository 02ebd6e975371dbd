"""The shop's policies (shipping, refunds, contact, legal notice…) as Shopify publishes
them (`shop.shopPolicies`): the chat answers store questions from them. One row per shop
and policy type; a policy the shop removed is removed here at the next refresh."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import pk, shop_fk, updated, when


class ShopPolicy(SQLModel, table=True):
    __tablename__ = "shop_policies"
    __table_args__ = (UniqueConstraint("shop_id", "type", name="uq_shop_policies_shop_type"),)

    id: int | None = pk()
    shop_id: int = shop_fk()
    type: str = Field(max_length=32)  # Shopify's ShopPolicyType: SHIPPING_POLICY, REFUND_POLICY…
    title: str = Field(default="", max_length=255)
    body: str = Field(default="", sa_type=Text)  # HTML, as Shopify keeps it
    url: str = Field(default="", sa_type=Text)
    shopify_updated_at: datetime | None = when()
    updated_at: datetime = updated()
