"""The shop's LINE Official Account, its friends, and the audit of customer links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from .base import created, optional_shopify_ref, pk, shop_fk, updated, when
from .types import JSONType


class LineChannel(SQLModel, table=True):
    """One Messaging API channel per shop; secrets encrypted at rest."""

    __tablename__ = "line_channels"

    id: int | None = pk()
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", unique=True, sa_type=BigInteger)
    channel_id: str | None = Field(default=None, max_length=32)
    # The bot's user id: the `destination` of every webhook sent to this channel.
    bot_user_id: str | None = Field(default=None, max_length=64, unique=True)
    basic_id: str | None = Field(default=None, max_length=32)
    display_name: str | None = Field(default=None, max_length=255)
    picture_url: str | None = Field(default=None, sa_type=Text)
    channel_secret_enc: str | None = Field(default=None, sa_type=Text)
    access_token_enc: str | None = Field(default=None, sa_type=Text)
    login_channel_id: str | None = Field(default=None, max_length=32)
    login_channel_secret_enc: str | None = Field(default=None, sa_type=Text)
    webhook_ok_at: datetime | None = when()
    webhook_error: str | None = Field(default=None, sa_type=Text)
    connected_at: datetime | None = when()
    disconnected_at: datetime | None = when()
    created_at: datetime = created()
    updated_at: datetime = updated()


SENDABLE = text("NOT is_blocked AND marketing_opt_out_at IS NULL")


class LineFriend(SQLModel, table=True):
    """A LINE user who added the shop's account; optionally linked to a customer."""

    __tablename__ = "line_friends"
    __table_args__ = (
        UniqueConstraint("shop_id", "line_user_id", name="uq_line_friends_shop_user"),
        # One friend per customer per shop (NULLs, the unlinked, do not collide).
        UniqueConstraint("shop_id", "customer_id", name="uq_line_friends_shop_customer"),
        Index("ix_line_friends_shop_display_name", "shop_id", "display_name"),
        Index("ix_line_friends_profile_due", "profile_due_at"),
        # Audiences: the reachable friends (not blocked, not opted out) and their link,
        # counted from the index alone.
        Index("ix_line_friends_audience", "shop_id", "is_blocked", "marketing_opt_out_at", "customer_id"),
        # Today's follows beside the rollups (Home's follows series).
        Index("ix_line_friends_shop_followed", "shop_id", "followed_at"),
        Index("ix_line_friends_source", "source_id"),
        # Friends whose rich menu must be looked at again (app/richmenus/assign.py).
        Index("ix_line_friends_menu_due", "shop_id", "menu_due_at"),
        # A campaign to every friend: the sendable ones (not blocked, not opted out) in id
        # order, from a partial index (app/campaigns/audience.py, migration 0030).
        Index("ix_line_friends_sendable", "shop_id", "id", sqlite_where=SENDABLE, postgresql_where=SENDABLE),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    channel_id: int | None = Field(
        default=None, foreign_key="line_channels.id", ondelete="SET NULL", sa_type=BigInteger
    )
    line_user_id: str = Field(max_length=64)
    display_name: str | None = Field(default=None, max_length=255)
    picture_url: str | None = Field(default=None, sa_type=Text)
    language: str | None = Field(default=None, max_length=16)
    # LINE could not give the profile in time (app/line/profiles.py asks again from then on).
    profile_due_at: datetime | None = when()
    followed_at: datetime | None = when()
    blocked_at: datetime | None = when()
    is_blocked: bool = False
    marketing_opt_out_at: datetime | None = when()
    customer_id: int | None = Field(default=None, foreign_key="customers.id", ondelete="SET NULL", sa_type=BigInteger)
    linked_at: datetime | None = when()
    link_method: str | None = Field(default=None, max_length=16)  # chat | login | merchant
    # The friend source (流入経路) that first brought them; later visits are in friend_source_visits.
    source_id: int | None = Field(
        default=None, foreign_key="friend_sources.id", ondelete="SET NULL", sa_type=BigInteger
    )
    source_at: datetime | None = when()
    tags: str | None = Field(default=None, sa_type=Text)  # "a, b" as Shopify spells tags; from sources
    # Linked, unlinked, bought, followed or blocked since their rich menu was last decided
    # (app/line/menu_due.py marks, app/richmenus/assign.py decides again and clears).
    menu_due_at: datetime | None = when()
    created_at: datetime = created()
    updated_at: datetime = updated()


class LinkAudit(SQLModel, table=True):
    """Who linked or unlinked a friend and a customer, when and how."""

    __tablename__ = "link_audits"

    id: int | None = pk()
    shop_id: int = shop_fk()
    friend_id: int | None = Field(default=None, foreign_key="line_friends.id", ondelete="SET NULL", sa_type=BigInteger)
    customer_shopify_id: int | None = optional_shopify_ref()
    action: str = Field(max_length=16)  # link | relink | unlink
    method: str = Field(max_length=16)  # chat | login | merchant | shopper | redact
    actor: str | None = Field(default=None, max_length=255)
    note: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = created()


class LineEventStatus:
    RECEIVED = "received"
    PROCESSED = "processed"
    FAILED = "failed"
    IGNORED = "ignored"  # group/room sources, event types we do not act on
    UNANSWERED = "unanswered"  # handled, its reply (pending_reply) not yet taken by LINE


class LineEvent(SQLModel, table=True):
    """A verified chat webhook event, recorded before it is handled (dedupe on its id)."""

    __tablename__ = "line_events"
    __table_args__ = (
        UniqueConstraint("channel_id", "webhook_event_id", name="uq_line_events_channel_event"),
        Index("ix_line_events_due", "status", "received_at"),
        Index("ix_line_events_channel_message", "channel_id", "message_id"),
        Index("ix_line_events_trim", "body_trimmed_at", "received_at"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    channel_id: int = Field(foreign_key="line_channels.id", ondelete="CASCADE", sa_type=BigInteger)
    webhook_event_id: str = Field(max_length=64)
    type: str = Field(max_length=32)
    source_type: str = Field(default="user", max_length=16)
    line_user_id: str | None = Field(default=None, max_length=64)
    message_id: str | None = Field(default=None, max_length=32)  # to honour "unsend"
    occurred_at: datetime | None = when()
    is_redelivery: bool = False
    status: str = Field(default=LineEventStatus.RECEIVED, max_length=16)
    attempts: int = 0
    error: str | None = Field(default=None, sa_type=Text)
    body: dict = Field(default_factory=dict, sa_type=JSONType)
    # The reply LINE did not take in time; the worker replies or pushes it (app/line/replies.py).
    pending_reply: list | None = Field(default=None, sa_type=JSONType)
    received_at: datetime = created()
    processed_at: datetime | None = when()
    # What the shopper wrote is kept for the chat retention period, then only the event's
    # shape stays (app/privacy/retention.py).
    body_trimmed_at: datetime | None = when()


class LinkNonce(SQLModel, table=True):
    """A single-use, short-lived proof that a logged-in store customer asked to link.

    kind "account_link": the nonce LINE hands back in the accountLink event.
    kind "login": the LINE Login `state` (plus the ID token's own `nonce`).
    """

    __tablename__ = "link_nonces"

    id: int | None = pk()
    shop_id: int = shop_fk()
    kind: str = Field(max_length=16)
    nonce: str = Field(max_length=64, unique=True)
    login_nonce: str | None = Field(default=None, max_length=64)
    customer_shopify_id: int = Field(sa_type=BigInteger)
    return_to: str | None = Field(default=None, sa_type=Text)
    expires_at: datetime = when(nullable=False)
    used_at: datetime | None = when()
    created_at: datetime = created()


class LineDryRun(SQLModel, table=True):
    """In dry-run mode: the exact request that would have gone to LINE."""

    __tablename__ = "line_dry_runs"
    __table_args__ = (Index("ix_line_dry_runs_created", "created_at"),)

    id: int | None = pk()
    shop_id: int = shop_fk()
    channel_id: int | None = Field(
        default=None, foreign_key="line_channels.id", ondelete="SET NULL", sa_type=BigInteger
    )
    kind: str = Field(max_length=16)  # reply | push | multicast
    path: str = Field(max_length=128)
    retry_key: str | None = Field(default=None, max_length=64)
    body: dict = Field(default_factory=dict, sa_type=JSONType)
    created_at: datetime = created()
