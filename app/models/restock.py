"""Back-in-stock requests: a LINE friend asked to hear when a sold-out variant is back.

One waiting request per friend and variant (a partial unique index: a notified or expired
request does not stop the friend from asking again). The oldest waiting requests are
notified first when the variant is restocked: `ix_back_in_stock_waiting` is in that order
(created_at, then id) and carries the friend, so the restock reads the index alone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, text
from sqlmodel import Field, SQLModel

from .base import created, pk, shop_fk, shopify_ref, when


class BackInStockStatus:
    WAITING = "waiting"  # not told yet
    NOTIFIED = "notified"  # a notice is in the outbox (once per request)
    EXPIRED = "expired"  # nothing came back within the shop's expiry (90 days by default)


# A request lapses after this many days unless the shop set its own
# (`shop.settings["flows"]["back_in_stock"]["expiry_days"]`, the flow registry's default).
DEFAULT_EXPIRY_DAYS = 90

_WAITING = text("status = 'waiting'")


class BackInStockRequest(SQLModel, table=True):
    __tablename__ = "back_in_stock_requests"
    __table_args__ = (
        Index(
            "uq_back_in_stock_waiting_friend_variant",
            "friend_id",
            "variant_shopify_id",
            unique=True,
            sqlite_where=_WAITING,
            postgresql_where=_WAITING,
        ),
        Index("ix_back_in_stock_waiting", "shop_id", "variant_shopify_id", "status", "created_at", "id", "friend_id"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    friend_id: int = Field(foreign_key="line_friends.id", ondelete="CASCADE", index=True, sa_type=BigInteger)
    product_shopify_id: int = shopify_ref()
    variant_shopify_id: int = shopify_ref()
    status: str = Field(default=BackInStockStatus.WAITING, max_length=16)
    created_at: datetime = created()
    expires_at: datetime = when(nullable=False)
    notified_at: datetime | None = when()
