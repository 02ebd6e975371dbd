"""Friend sources (流入経路): where a friend came from (a POP in the shop, a parcel flyer, an
ad), the visits to each source's short link, and what each visit turned out to be."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import created, pk, shop_fk, updated, when


class FriendSource(SQLModel, table=True):
    """A channel a merchant hands out: /s/<shop>/<slug> and its QR code."""

    __tablename__ = "friend_sources"
    __table_args__ = (UniqueConstraint("shop_id", "slug", name="uq_friend_sources_shop_slug"),)

    id: int | None = pk()
    shop_id: int = shop_fk()
    name: str = Field(max_length=100)
    slug: str = Field(max_length=64)
    tag: str | None = Field(default=None, max_length=64)  # given to every friend the link brings
    greeting: str | None = Field(default=None, sa_type=Text)  # instead of the default greeting
    # The step sequence a new friend from this source starts (wired when sequences land).
    sequence_id: int | None = Field(default=None, sa_type=BigInteger)
    cost_yen: int | None = Field(default=None, sa_type=BigInteger)  # what the channel cost, in total
    created_at: datetime = created()
    updated_at: datetime = updated()


class VisitOutcome:
    NEW = "new"  # the visit made them a friend
    READDED = "readded"  # they had blocked the account and added it again
    EXISTING = "existing"  # already a friend (or declined to add): recorded, not greeted
    DECLINED = "declined"  # logged in without adding the friend
    FAILED = "failed"  # LINE Login did not finish


class FriendSourceVisit(SQLModel, table=True):
    """One counted visit to a source's link. The address is kept only as a keyed hash
    (enough to slow a flood from one address, never the address itself)."""

    __tablename__ = "friend_source_visits"
    __table_args__ = (
        Index("ix_friend_source_visits_source_visited", "source_id", "visited_at"),
        Index("ix_friend_source_visits_flood", "shop_id", "ip_hash", "visited_at"),
        Index("ix_friend_source_visits_resolved", "source_id", "outcome", "resolved_at"),
        Index("ix_friend_source_visits_pending", "shop_id", "resolved_at", "visited_at"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    source_id: int = Field(foreign_key="friend_sources.id", ondelete="CASCADE", sa_type=BigInteger)
    visited_at: datetime = created()
    ip_hash: str = Field(max_length=64)
    # login: sent through LINE Login; add_friend: no LINE Login configured, sent to the add-friend URL
    route: str = Field(default="login", max_length=16)
    login_nonce: str | None = Field(default=None, max_length=64)
    outcome: str | None = Field(default=None, max_length=16)  # VisitOutcome, once LINE Login returns
    resolved_at: datetime | None = when()
    line_friend_id: int | None = Field(
        default=None, foreign_key="line_friends.id", ondelete="SET NULL", index=True, sa_type=BigInteger
    )
    # The friend's follow event has been answered for this visit (the greeting is given once).
    greeted_at: datetime | None = when()


class FriendSourceDay(SQLModel, table=True):
    """A source's visits and new friends on one of the shop's local days: kept in the same
    transaction as the visit it counts, so the sources page reads days, not visits."""

    __tablename__ = "friend_source_days"
    __table_args__ = (UniqueConstraint("source_id", "day", name="uq_friend_source_days_source_day"),)

    id: int | None = pk()
    shop_id: int = shop_fk()
    source_id: int = Field(foreign_key="friend_sources.id", ondelete="CASCADE", sa_type=BigInteger)
    day: date
    visits: int = 0
    new_friends: int = 0
