"""Product views reported by the storefront's web pixel (browse abandonment).

Only what a reminder needs: which linked customer looked at which product (and variant),
and when. One row per customer and product (a unique index): a shopper who opens the same
page fifty times, or a forged flood of the same event, leaves one row whose time moves on.
The reminder job takes a customer's rows once their last view is old enough, decides, and
deletes them in the same transaction, so a view is considered once and kept no longer than
that (what was reminded is in the notification's context).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel

from .base import optional_shopify_ref, pk, shop_fk, shopify_ref, when


class ProductView(SQLModel, table=True):
    __tablename__ = "product_views"
    __table_args__ = (
        Index("uq_product_views_customer_product", "customer_id", "product_shopify_id", unique=True),
        # The reminder job: a shop's views by time.
        Index("ix_product_views_shop_viewed", "shop_id", "viewed_at"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    customer_id: int = Field(foreign_key="customers.id", ondelete="CASCADE", index=True, sa_type=BigInteger)
    product_shopify_id: int = shopify_ref()
    variant_shopify_id: int | None = optional_shopify_ref()
    viewed_at: datetime = when(nullable=False)
