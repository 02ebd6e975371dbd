"""Inbound webhooks and privacy requests, recorded before they are acted on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import created, optional_shopify_ref, pk, shop_fk, updated, when
from .types import JSONType


class WebhookStatus:
    RECEIVED = "received"  # recorded, handler not finished yet
    PROCESSED = "processed"
    FAILED = "failed"  # handler raised; the worker retries it with backoff
    IGNORED = "ignored"  # no handler for this topic; kept for the record
    # The body names another shop than the (unsigned) X-Shopify-Shop-Domain header, or is
    # not the shape of its topic: nothing was done; `error` says why (app/shopify/signed.py).
    REFUSED = "refused"


class WebhookEvent(SQLModel, table=True):
    __tablename__ = "webhook_events"
    __table_args__ = (
        UniqueConstraint("shop_id", "webhook_id", name="uq_webhook_events_shop_webhook"),
        Index("ix_webhook_events_retry", "status", "next_attempt_at"),
        # Retention (app/privacy/retention.py) walks the untrimmed rows, oldest first.
        Index("ix_webhook_events_trim", "body_trimmed_at", "received_at"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    webhook_id: str = Field(max_length=128)
    topic: str = Field(max_length=64)
    api_version: str = Field(default="", max_length=16)
    triggered_at: datetime | None = when()
    received_at: datetime = created()
    processed_at: datetime | None = when()
    status: str = Field(default=WebhookStatus.RECEIVED, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime | None = when()
    error: str | None = Field(default=None, sa_type=Text)
    # The raw verified body, kept so a failed handler can be retried; after the retention
    # period only a summary without personal data stays (app/privacy/deliveries.py).
    body: str = Field(default="", sa_type=Text)
    body_trimmed_at: datetime | None = when()
    updated_at: datetime = updated()


class ComplianceRequest(SQLModel, table=True):
    """customers/data_request, customers/redact and shop/redact, with what we did."""

    __tablename__ = "compliance_requests"

    id: int | None = pk()
    shop_id: int = shop_fk()
    topic: str = Field(max_length=32)
    customer_shopify_id: int | None = optional_shopify_ref()
    request_id: int | None = Field(default=None, sa_type=BigInteger)
    status: str = Field(default="completed", max_length=16)
    # For data requests: everything held about the customer, for the merchant to send on.
    export: dict | None = Field(default=None, sa_type=JSONType)
    created_at: datetime = created()
    completed_at: datetime | None = when()
