"""Daily rollups: the dashboard's figures per shop, local day, flow (and campaign, sequence,
source) kept in the same transactions as the rows they count (app/tracking/rollups.py), so
pages read a few hundred rows instead of a million notifications.

`scope` is the row's key beyond shop and day ("flow|campaign|sequence|source"): the unique
index then needs no NULL-able column, and one INSERT ... ON CONFLICT DO UPDATE adds to it.
`flow` is "" for what no flow explains (a block after no push, an order credited to none).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Date, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import pk, shop_fk
from .types import Money

# Where a notification's status stands, counted on the local day it was created (the Flows page).
STATUS_COUNTERS = (
    "created_scheduled",
    "created_sending",
    "created_sent",
    "created_skipped",
    "created_cancelled",
    "created_failed",
)
# Outcomes, counted on the local day they happened (Home and the dashboard API).
# `follows`: friends whose (latest) follow fell on the day, as LineFriend.followed_at counts them.
OUTCOME_COUNTERS = ("sent", "clicks", "orders", "revenue", "recovered", "recovered_revenue", "blocks", "follows")
COUNTERS = STATUS_COUNTERS + OUTCOME_COUNTERS


class DailyRollup(SQLModel, table=True):
    __tablename__ = "daily_rollups"
    __table_args__ = (
        UniqueConstraint("shop_id", "day", "scope", name="uq_daily_rollups_shop_day_scope"),
        Index("ix_daily_rollups_shop_flow_day", "shop_id", "flow", "day"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    day: date = Field(sa_type=Date)
    scope: str = Field(max_length=96)
    flow: str = Field(default="", max_length=32)
    campaign_id: int | None = Field(default=None, sa_type=BigInteger)
    sequence_id: int | None = Field(default=None, sa_type=BigInteger)
    source_id: int | None = Field(default=None, sa_type=BigInteger)
    created_scheduled: int = 0
    created_sending: int = 0
    created_sent: int = 0
    created_skipped: int = 0
    created_cancelled: int = 0
    created_failed: int = 0
    sent: int = 0
    clicks: int = 0
    orders: int = 0
    revenue: Decimal = Field(default=Decimal("0"), sa_type=Money)
    recovered: int = 0
    recovered_revenue: Decimal = Field(default=Decimal("0"), sa_type=Money)
    blocks: int = 0
    follows: int = 0
