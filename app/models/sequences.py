"""Step sequences (ステップ配信): a trigger, 1–10 timed steps, and one run per friend going
through them. Each step a run reaches becomes a `Notification` in the outbox (dedupe key per
run and step), so the policies, retries and exactly-once delivery are the outbox's.

`sequence_runs` holds one active run per friend and sequence (a partial unique index, on
both databases); the worker finds due runs by `ix_sequence_runs_due`, a partial index over
the active runs' next due time, so finished runs never slow it down.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, PrimaryKeyConstraint, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from .base import created, pk, shop_fk, updated, when
from .types import JSONType


class Trigger:
    FRIEND_ADDED = "friend_added"
    FRIEND_READDED = "friend_readded"  # followed again after a block
    ACCOUNT_LINKED = "account_linked"
    FIRST_PURCHASE = "first_purchase"
    NTH_PURCHASE = "nth_purchase"  # params {"n": 2..}
    SEGMENT_ENTERED = "segment_entered"  # params {"segment_id": …}, checked on a schedule
    SOURCE = "source"  # params {"source_id": …}, fired by friend sources
    ALL = (FRIEND_ADDED, FRIEND_READDED, ACCOUNT_LINKED, FIRST_PURCHASE, NTH_PURCHASE, SEGMENT_ENTERED, SOURCE)


class RunStatus:
    ACTIVE = "active"
    DONE = "done"
    EXITED = "exited"


class Sequence(SQLModel, table=True):
    __tablename__ = "sequences"
    __table_args__ = (
        UniqueConstraint("shop_id", "name", name="uq_sequences_shop_name"),
        Index("ix_sequences_shop_trigger", "shop_id", "trigger", "enabled"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    name: str = Field(max_length=100)
    trigger: str = Field(max_length=24)
    trigger_params: dict = Field(default_factory=dict, sa_type=JSONType)
    entry_segment_id: int | None = Field(
        default=None, foreign_key="segments.id", ondelete="SET NULL", sa_type=BigInteger
    )
    exit_on_purchase: bool = True
    reentry: bool = False
    enabled: bool = False
    # A step held back by the marketing cap waits at most this many days, then is skipped.
    cap_wait_days: int = 3
    preset: str | None = Field(default=None, max_length=32)  # "welcome" for the shipped one
    segment_checked_at: datetime | None = when()  # segment trigger: members seen until then
    created_at: datetime = created()
    updated_at: datetime = updated()


class SequenceStep(SQLModel, table=True):
    __tablename__ = "sequence_steps"
    __table_args__ = (UniqueConstraint("sequence_id", "position", name="uq_sequence_steps_position"),)

    id: int | None = pk()
    shop_id: int = shop_fk()
    sequence_id: int = Field(foreign_key="sequences.id", ondelete="CASCADE", index=True, sa_type=BigInteger)
    position: int  # 1..10
    delay_amount: int = 0
    delay_unit: str = Field(default="days", max_length=8)  # minutes | hours | days
    delay_from: str = Field(default="previous", max_length=8)  # trigger | previous
    at_time: str | None = Field(default=None, max_length=5)  # "HH:MM": N days later at that local time
    blocks: list = Field(default_factory=list, sa_type=JSONType)  # the composer's blocks
    # The greeting LINE already sent on follow stands for this step (the welcome's day 0).
    greeting: bool = False
    condition: str | None = Field(default=None, max_length=24)  # purchased | clicked_previous | unlinked
    condition_mode: str = Field(default="only_if", max_length=8)  # only_if | skip_if
    created_at: datetime = created()
    updated_at: datetime = updated()


_ACTIVE = text("status = 'active'")


class SequenceRun(SQLModel, table=True):
    """One friend going through one sequence."""

    __tablename__ = "sequence_runs"
    __table_args__ = (
        Index(
            "uq_sequence_runs_active",
            "sequence_id",
            "friend_id",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index("ix_sequence_runs_due", "next_due_at", sqlite_where=_ACTIVE, postgresql_where=_ACTIVE),
        Index("ix_sequence_runs_friend_status", "friend_id", "status"),
        Index("ix_sequence_runs_sequence_status", "sequence_id", "status"),
    )

    id: int | None = pk()
    shop_id: int = shop_fk()
    sequence_id: int = Field(foreign_key="sequences.id", ondelete="CASCADE", sa_type=BigInteger)
    friend_id: int = Field(foreign_key="line_friends.id", ondelete="CASCADE", sa_type=BigInteger)
    status: str = Field(default=RunStatus.ACTIVE, max_length=16)
    reason: str | None = Field(default=None, max_length=32)  # why exited
    entered_at: datetime = when(nullable=False)  # the trigger's moment
    next_position: int | None = 1
    next_due_at: datetime | None = when()
    last_due_at: datetime | None = when()  # when the previous step was due
    finished_at: datetime | None = when()
    created_at: datetime = created()
    updated_at: datetime = updated()


class SequenceSegmentMember(SQLModel, table=True):
    """A segment-triggered sequence's members at its last check: who is new is the difference."""

    __tablename__ = "sequence_segment_members"
    __table_args__ = (PrimaryKeyConstraint("sequence_id", "friend_id"),)

    sequence_id: int = Field(foreign_key="sequences.id", ondelete="CASCADE", sa_type=BigInteger)
    friend_id: int = Field(foreign_key="line_friends.id", ondelete="CASCADE", sa_type=BigInteger)
    shop_id: int = shop_fk()
