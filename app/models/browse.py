"""Product views reported by the storefront's web pixel (browse abandonment).

Only what a reminder needs: which linked customer looked at which product (and variant),
and when. One open row per customer and product (a partial unique index): a shopper who
opens the same page fifty times, or a forged flood of the same event, leaves one row whose
time moves on. The reminder job takes a customer's open rows once their last view is old
enough, decides, and marks them handled (`handled_at`), so a view is considered once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, text
from sqlmodel import Field, SQLModel

from .base import optional_shopify_ref, pk, shop_fk, shopify_ref, when

OPEN = text("handled_at IS NULL")


class ProductView(SQLModel, table=True):
    __tablename__ = "product_views"
    __table_args__ = (
        Index(
            "uq_product_views_open_customer_product",
            "customer_id",
            "product_shopify_id",
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        ),
        # The reminder job: a shop's open views by time.
        Index("ix_product_views_open", "shop_id", "viewed_at", sqlite_where=OPEN, postgresql_where=OPEN),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    customer_id: int = Field(foreign_key="customers.id", ondelete="CASCADE", index=True, sa_type=BigInteger)
    product_shopify_id: int = shopify_ref()
    variant_shopify_id: int | None = optional_shopify_ref()
    viewed_at: datetime = when(nullable=False)
    handled_at: datetime | None = when()
