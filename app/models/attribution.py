"""What messages earned: tracked links and their clicks, orders credited to LINE, and
blocks that followed a pushed message."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Index, Text, Uuid
from sqlmodel import Field, SQLModel

from .base import created, pk, shop_fk, when
from .types import Money


def outcome_index(table: str) -> Index:
    """(shop, flow, message) of an outcome: it carries its message's flow (the link's, the
    credited message's, the blamed push's), so a flow's outcomes are read from this side
    and each message by its id (app/sequences/results.py)."""
    return Index(f"ix_{table}_shop_flow_notification", "shop_id", "flow", "notification_id")


def _notification():
    return Field(default=None, foreign_key="notifications.id", ondelete="SET NULL", sa_type=Uuid, index=True)


class TrackedLink(SQLModel, table=True):
    """A link in a sent message: /r/<token> redirects to `target`, and only to it."""

    __tablename__ = "tracked_links"

    id: int | None = pk()
    shop_id: int = shop_fk()
    token: str = Field(max_length=32, unique=True)  # short and unguessable (≥ 96 random bits)
    notification_id: uuid.UUID | None = _notification()
    customer_id: int | None = Field(default=None, foreign_key="customers.id", ondelete="SET NULL", sa_type=BigInteger)
    flow: str = Field(max_length=32)
    # A campaign's link (one per campaign, variant and target; multicast: no customer known).
    campaign_id: int | None = Field(
        default=None, foreign_key="campaigns.id", ondelete="CASCADE", index=True, sa_type=BigInteger
    )
    variant: int | None = None
    # A rich menu's link (one per menu, area and target; everyone sees the menu: no customer).
    rich_menu_id: int | None = Field(
        default=None, foreign_key="rich_menus.id", ondelete="CASCADE", index=True, sa_type=BigInteger
    )
    area: int | None = None  # the menu area's index (0-based) the link stands for
    target: str = Field(sa_type=Text)
    clicks: int = 0
    first_clicked_at: datetime | None = when()
    last_clicked_at: datetime | None = when()
    created_at: datetime = created()


class LinkClick(SQLModel, table=True):
    __tablename__ = "link_clicks"
    __table_args__ = (
        Index("ix_link_clicks_shop_clicked", "shop_id", "clicked_at"),
        Index("ix_link_clicks_customer_clicked", "customer_id", "clicked_at"),
        # A rich menu postback tap names its friend, linked or not yet (attribution, menu results).
        Index("ix_link_clicks_friend_clicked", "friend_id", "clicked_at"),
        # A flow's outcomes from their own side (a sequence's results): see outcome_index.
        outcome_index("link_clicks"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    link_id: int = Field(foreign_key="tracked_links.id", ondelete="CASCADE", index=True, sa_type=BigInteger)
    # Indexed: a flow's or sequence's results count clicks per message (and a message's
    # removal sets its clicks' notification_id to NULL); without it each was a table scan.
    notification_id: uuid.UUID | None = Field(
        default=None, foreign_key="notifications.id", ondelete="SET NULL", sa_type=Uuid, index=True
    )
    customer_id: int | None = Field(default=None, foreign_key="customers.id", ondelete="SET NULL", sa_type=BigInteger)
    # The friend who tapped a rich menu postback button (a web click names no friend).
    friend_id: int | None = Field(default=None, foreign_key="line_friends.id", ondelete="SET NULL", sa_type=BigInteger)
    flow: str = Field(max_length=32)
    clicked_at: datetime = created()


class Attribution(SQLModel, table=True):
    """An order credited to LINE, and the message that earned it (one per order)."""

    __tablename__ = "attributions"
    __table_args__ = (Index("ix_attributions_shop_ordered", "shop_id", "ordered_at"), outcome_index("attributions"))

    id: int | None = pk()
    shop_id: int = shop_fk()
    order_id: int = Field(foreign_key="orders.id", ondelete="CASCADE", unique=True, sa_type=BigInteger)
    notification_id: uuid.UUID | None = _notification()
    flow: str | None = Field(default=None, max_length=32)
    kind: str = Field(max_length=24)  # recovered_checkout | discount_code | menu_landing | click
    # The tracked link whose click earned a click or menu_landing credit (a rich menu's area).
    link_id: int | None = Field(
        default=None, foreign_key="tracked_links.id", ondelete="SET NULL", index=True, sa_type=BigInteger
    )
    revenue: Decimal = Field(default=Decimal("0"), sa_type=Money)
    currency: str = Field(default="JPY", max_length=3)
    ordered_at: datetime | None = when()
    created_at: datetime = created()


class FriendBlock(SQLModel, table=True):
    """An unfollow, and the pushed message within the 24 hours before it (if any)."""

    __tablename__ = "friend_blocks"
    __table_args__ = (Index("ix_friend_blocks_shop_blocked", "shop_id", "blocked_at"), outcome_index("friend_blocks"))

    id: int | None = pk()
    shop_id: int = shop_fk()
    friend_id: int | None = Field(default=None, foreign_key="line_friends.id", ondelete="SET NULL", sa_type=BigInteger)
    notification_id: uuid.UUID | None = _notification()
    flow: str | None = Field(default=None, max_length=32)
    blocked_at: datetime = created()
