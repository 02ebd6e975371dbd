"""Shopify Flow: the action runs the app received, the triggers each shop uses, and the
trigger calls waiting to go to Shopify (`flowTriggerReceive`).

An action run is recorded once per shop and `action_run_id` (Flow resends a run it did not
hear back about): a repeated request gets the first answer again and schedules nothing.
A trigger call is a row before it is a request, unique per shop and dedupe key, so an event
seen twice is told to Shopify once, and a failed call waits and is tried again.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint, Uuid
from sqlmodel import Field, SQLModel

from .base import created, pk, shop_fk, updated, when
from .types import JSONType


class ShopifyFlowRun(SQLModel, table=True):
    """One run of the "Send LINE message" action, and what the app answered."""

    __tablename__ = "shopify_flow_runs"
    __table_args__ = (UniqueConstraint("shop_id", "action_run_id", name="uq_shopify_flow_runs_shop_run"),)

    id: int | None = pk()
    shop_id: int = shop_fk()
    action_run_id: str = Field(max_length=128)
    handle: str = Field(max_length=64)
    status: int  # the HTTP status answered: 200 scheduled, 4xx refused (Flow does not retry)
    outcome: str = Field(max_length=64)  # "scheduled", or the refusal's code ("unlinked", …)
    notification_id: uuid.UUID | None = Field(default=None, sa_type=Uuid)
    created_at: datetime = created()


class ShopifyFlowTrigger(SQLModel, table=True):
    """Whether a shop has an enabled workflow starting with one of our triggers, as Flow's
    lifecycle callback last said (a newer callback wins over an older one)."""

    __tablename__ = "shopify_flow_triggers"
    __table_args__ = (UniqueConstraint("shop_id", "handle", name="uq_shopify_flow_triggers_shop_handle"),)

    id: int | None = pk()
    shop_id: int = shop_fk()
    handle: str = Field(max_length=64)
    enabled: bool = False
    changed_at: datetime = when(nullable=False)  # Flow's `timestamp` of the callback kept
    updated_at: datetime = updated()


class TriggerCallStatus:
    PENDING = "pending"  # waiting for its first try or its next one
    SENT = "sent"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS (visible, never sent twice)


class ShopifyFlowTriggerCall(SQLModel, table=True):
    """One `flowTriggerReceive` call to make: a trigger's handle and payload for one shop."""

    __tablename__ = "shopify_flow_trigger_calls"
    __table_args__ = (
        UniqueConstraint("shop_id", "dedupe_key", name="uq_shopify_flow_trigger_calls_shop_key"),
        Index("ix_shopify_flow_trigger_calls_due", "status", "next_at"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    handle: str = Field(max_length=64)
    dedupe_key: str = Field(max_length=255)
    payload: dict = Field(default_factory=dict, sa_type=JSONType)
    status: str = Field(default=TriggerCallStatus.PENDING, max_length=16)
    attempts: int = 0
    next_at: datetime = when(nullable=False)
    error: str | None = Field(default=None, sa_type=Text)
    sent_at: datetime | None = when()
    created_at: datetime = created()
