"""The outbox: every message the app will send, is sending, or chose not to send."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, Text, UniqueConstraint, Uuid, text
from sqlmodel import Field, SQLModel

from .base import created, shop_fk, updated, when
from .types import JSONType

_WAITING = text("status = 'scheduled'")
_HELD = text("status = 'scheduled' AND reason = 'quota_held'")


class NotificationStatus:
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    PENDING = (SCHEDULED, SENDING)


class Notification(SQLModel, table=True):
    """One message to one friend. Its id doubles as LINE's X-Line-Retry-Key."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("shop_id", "dedupe_key", name="uq_notifications_shop_dedupe"),
        Index("ix_notifications_due", "status", "due_at"),
        Index("ix_notifications_shop_created", "shop_id", "created_at"),
        # A friend's recent messages: the marketing caps count them for every batch.
        Index("ix_notifications_friend_sent", "friend_id", "sent_at"),
        # What a shop sent in a period: the dashboard's counts and charts (today's, beside the
        # rollups), from the index alone (status and flow included).
        Index("ix_notifications_shop_sent", "shop_id", "sent_at", "status", "flow"),
        # Who received marketing in a period (audiences), from the index alone.
        Index("ix_notifications_shop_marketing_sent", "shop_id", "marketing", "status", "sent_at", "friend_id"),
        # The message log's filters, and a customer's last messages.
        Index("ix_notifications_shop_status_created", "shop_id", "status", "created_at"),
        Index("ix_notifications_shop_flow_created", "shop_id", "flow", "created_at"),
        Index("ix_notifications_customer_created", "customer_id", "created_at"),
        # What is waiting, per flow (the Flows page's next due), and what waits for the quota:
        # partial, so they hold only waiting rows, not the whole history.
        Index(
            "ix_notifications_waiting_flow_due",
            "shop_id",
            "flow",
            "due_at",
            sqlite_where=_WAITING,
            postgresql_where=_WAITING,
        ),
        Index("ix_notifications_quota_held", "shop_id", "status", "reason", sqlite_where=_HELD, postgresql_where=_HELD),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    shop_id: int = shop_fk()
    friend_id: int | None = Field(default=None, foreign_key="line_friends.id", ondelete="SET NULL", sa_type=BigInteger)
    customer_id: int | None = Field(default=None, foreign_key="customers.id", ondelete="SET NULL", sa_type=BigInteger)
    flow: str = Field(max_length=32)  # abandoned_checkout, order_confirmation, ...
    step: int = 0
    dedupe_key: str = Field(max_length=255)
    marketing: bool = False
    due_at: datetime = when(nullable=False)
    status: str = Field(default=NotificationStatus.SCHEDULED, max_length=16)
    reason: str | None = Field(default=None, sa_type=Text)  # why cancelled / skipped
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    messages: list = Field(default_factory=list, sa_type=JSONType)
    context: dict = Field(default_factory=dict, sa_type=JSONType)
    sent_at: datetime | None = when()
    created_at: datetime = created()
    updated_at: datetime = updated()
