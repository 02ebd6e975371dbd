"""Campaigns (配信): one message set sent once to an audience, and the numbered chunks it is
sent in.

A campaign's recipients are fixed when sending starts: planning writes them into chunks of
at most 500 friend ids (one multicast each), numbered in one pass. A chunk's retry key is
derived from the campaign's random `uid` and the chunk's number, so any worker that sends
the chunk again (after a crash, or a second worker) sends it with the same key and LINE
answers "already accepted" instead of delivering twice. Friend ids, not LINE user ids, are
stored: an erased friend is gone from every chunk with their row.

Friend ids live in a JSON array per chunk rather than a row per recipient: a campaign to
700,000 friends is 1,400 rows written in one short transaction, not 700,000.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, LargeBinary, Text, UniqueConstraint, Uuid
from sqlmodel import Field, SQLModel

from .base import created, pk, shop_fk, updated, when
from .types import JSONType


class CampaignStatus:
    DRAFT = "draft"
    SCHEDULED = "scheduled"  # confirmed; starts at scheduled_at
    PLANNING = "planning"  # a worker is fixing the recipients into chunks
    SENDING = "sending"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"  # never started (quota, no channel) or chunks failed for good
    TESTING = "testing"  # A/B test chunks sent; the rest waits for the winner (campaigns/winner.py)
    EDITABLE = (DRAFT,)
    CANCELLABLE = (DRAFT, SCHEDULED, SENDING, PAUSED, TESTING)


class ChunkStatus:
    PENDING = "pending"
    SENDING = "sending"  # committed before LINE is called
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Campaign(SQLModel, table=True):
    __tablename__ = "campaigns"
    __table_args__ = (
        Index("ix_campaigns_shop_created", "shop_id", "created_at"),
        # The worker's two questions: which scheduled campaigns are due, which are sending.
        Index("ix_campaigns_status_scheduled", "status", "scheduled_at"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    uid: uuid.UUID = Field(default_factory=uuid.uuid4, sa_type=Uuid, unique=True)  # seeds the retry keys
    name: str = Field(max_length=255)
    status: str = Field(default=CampaignStatus.DRAFT, max_length=16)
    # {"kind": "all"} or {"kind": "friends", "ids": [...]}: campaigns/audience.py reads it.
    audience: dict = Field(default_factory=dict, sa_type=JSONType)
    messages: list = Field(default_factory=list, sa_type=JSONType)  # 1-5 LINE message objects
    # The composer's blocks (campaigns/compose.py compiles them into `messages`); None when
    # the messages were posted as LINE objects.
    blocks: list | None = Field(default=None, sa_type=JSONType)
    scheduled_at: datetime | None = when()  # UTC; the API takes the shop's local time
    exempt_from_cap: bool = False  # never exempt from opt-outs or blocks
    # A/B test (campaigns/split.py): 2-4 {"name", "messages"}; empty: `messages` is variant 0.
    variants: list = Field(default_factory=list, sa_type=JSONType)
    test_share: int = 100  # percent of the audience in the test; 100: a plain split, no winner
    winner_metric: str = Field(default="clicks", max_length=16)  # clicks | revenue (per recipient)
    winner_after_hours: int = 24
    winner: int | None = None  # variant index, set once by the winner job
    holdout_share: int = 0  # percent of the audience that receives nothing (0-50)
    transport: str | None = Field(default=None, max_length=16)  # multicast | push | broadcast
    forecast: dict = Field(default_factory=dict, sa_type=JSONType)  # what the merchant confirmed
    recipients: int = 0  # fixed at planning
    excluded: dict = Field(default_factory=dict, sa_type=JSONType)  # reason -> friends left out
    chunks_total: int = 0
    chunks_done: int = 0  # sent or failed for good: progress is chunks_done / chunks_total
    sent_count: int = 0  # recipients in accepted requests
    reason: str | None = Field(default=None, sa_type=Text)  # why failed, cancelled or moved
    started_at: datetime | None = when()
    finished_at: datetime | None = when()
    created_at: datetime = created()
    updated_at: datetime = updated()


class CampaignChunk(SQLModel, table=True):
    __tablename__ = "campaign_chunks"
    __table_args__ = (
        UniqueConstraint("campaign_id", "number", name="uq_campaign_chunks_campaign_number"),
        # Claiming: a sending campaign's pending chunks in order, and stale `sending` ones.
        Index("ix_campaign_chunks_status_claimed", "status", "claimed_at"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    campaign_id: int = Field(foreign_key="campaigns.id", ondelete="CASCADE", sa_type=BigInteger)
    number: int
    variant: int = 0  # index into campaign.variants (0: the campaign's messages when it has none)
    friend_ids: list = Field(default_factory=list, sa_type=JSONType)  # ascending, at most 500
    retry_key: uuid.UUID = Field(sa_type=Uuid)
    status: str = Field(default=ChunkStatus.PENDING, max_length=16)
    attempts: int = 0
    claimed_at: datetime | None = when()
    sent_at: datetime | None = when()
    delivered: int = 0  # recipients in the request LINE accepted (blocked since planning left out)
    request_id: str | None = Field(default=None, max_length=64)
    error: str | None = Field(default=None, sa_type=Text)
    # Push campaigns (one request per person): how far into friend_ids a claim got (a
    # restart resumes there; retry keys make an overlap harmless) and how many of them were
    # left out at send time because they blocked or opted out since planning.
    pushed: int = 0
    skipped: int = 0


class CampaignHoldout(SQLModel, table=True):
    """A friend of the audience held out of a campaign: sent nothing, measured against those
    who were (campaigns/split.py decides who; the results compare their revenue). One row
    per friend, gone with the friend's row when they are erased."""

    __tablename__ = "campaign_holdouts"

    campaign_id: int = Field(foreign_key="campaigns.id", ondelete="CASCADE", primary_key=True, sa_type=BigInteger)
    friend_id: int = Field(
        foreign_key="line_friends.id", ondelete="CASCADE", primary_key=True, index=True, sa_type=BigInteger
    )
    shop_id: int = shop_fk()


class CampaignImage(SQLModel, table=True):
    """An image the merchant uploaded for a campaign, served to LINE from
    `{APP_URL}/media/<token>.<ext>`: the original (at most 10 MB) and a preview LINE shows
    in the chat list (at most 1 MB, made here). Shop data, not a person's: shop/redact
    deletes it with the shop; the random token is the only way to reach it from outside."""

    __tablename__ = "campaign_images"

    id: int | None = pk()
    shop_id: int = shop_fk()
    token: str = Field(max_length=64, unique=True)
    content_type: str = Field(max_length=16)  # image/jpeg | image/png
    width: int
    height: int
    data: bytes = Field(sa_type=LargeBinary)
    preview: bytes = Field(sa_type=LargeBinary)  # JPEG or PNG, as the original
    created_at: datetime = created()


class CampaignCode(SQLModel, table=True):
    """A recipient's own single-use coupon code, made in Shopify for the campaign's discount
    and stored here before the push that carries it: a restart sends the stored code again,
    never a second one. Per-person data: erased with the friend or customer (privacy)."""

    __tablename__ = "campaign_codes"
    __table_args__ = (UniqueConstraint("campaign_id", "friend_id", name="uq_campaign_codes_campaign_friend"),)

    id: int | None = pk()
    shop_id: int = shop_fk()
    campaign_id: int = Field(foreign_key="campaigns.id", ondelete="CASCADE", sa_type=BigInteger)
    friend_id: int = Field(foreign_key="line_friends.id", ondelete="CASCADE", sa_type=BigInteger, index=True)
    code: str = Field(max_length=64)
    created_at: datetime = created()


class CampaignInsight(SQLModel, table=True):
    """What LINE counted for one variant of a campaign (its aggregation unit): friends who
    opened and who tapped a link. LINE withholds a figure under 20: it is then None, shown
    as "< 20". Refreshed by the worker while LINE still counts (app/campaigns/insight.py)."""

    __tablename__ = "campaign_insights"
    __table_args__ = (UniqueConstraint("campaign_id", "variant", name="uq_campaign_insights_campaign_variant"),)

    id: int | None = pk()
    shop_id: int = shop_fk()
    campaign_id: int = Field(foreign_key="campaigns.id", ondelete="CASCADE", sa_type=BigInteger)
    variant: int = 0
    unit: str = Field(max_length=30)  # customAggregationUnits name ("" for a broadcast: by request id)
    opened: int | None = None  # overview.uniqueImpression
    clicked: int | None = None  # overview.uniqueClick
    fetched_at: datetime | None = when()
    error: str | None = Field(default=None, sa_type=Text)


class CampaignMarketing(SQLModel, table=True):
    """The campaign as an external marketing activity in Shopify (its own marketing
    reports): what was last reported, so the worker reports each change once and retries
    a failed report later (app/shopify/marketing_activity.py)."""

    __tablename__ = "campaign_marketing"

    id: int | None = pk()
    shop_id: int = shop_fk()
    campaign_id: int = Field(foreign_key="campaigns.id", ondelete="CASCADE", unique=True, sa_type=BigInteger)
    activity_id: str | None = Field(default=None, max_length=128)  # gid://shopify/MarketingActivity/...
    reported: str | None = Field(default=None, max_length=16)  # ACTIVE | INACTIVE, once Shopify took it
    attempts: int = 0
    next_at: datetime | None = when()  # a failed report waits until then
    error: str | None = Field(default=None, sa_type=Text)
    updated_at: datetime = updated()
