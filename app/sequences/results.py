"""A sequence's figures per step, read from the rows that record them: the outbox (sent,
skipped and cancelled with their reasons), tracked clicks, orders credited by the house's
attribution rule (`app/tracking/attribution.py`: a reminded checkout, a code, or a click
within the window) and blocks charged to a push within 24 hours, each joined to its step's
notification by the key prefix `seq:{sequence}:`; runs give who entered and why they left."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from ..flows.registry import Flow, spec
from ..models import Attribution, FriendBlock, LinkClick, Notification, Sequence, SequenceRun
from ..models import NotificationStatus as St


@dataclass
class StepResult:
    position: int
    reached: int = 0  # runs that got to this step (a row in the outbox, whatever became of it)
    sent: int = 0
    waiting: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count (skipped and cancelled)
    clicks: int = 0
    orders: int = 0
    revenue: Decimal = Decimal(0)
    blocks: int = 0

    @property
    def ctr(self) -> float | None:
        return round(self.clicks / self.sent, 4) if self.sent else None


@dataclass
class Results:
    entered: int
    active: int
    done: int
    exits: dict[str, int]
    steps: list[StepResult]


def _mine(session: Session, shop_id: int, sequence_id: int) -> list:
    """The sequence's notifications, through an index on both databases: SQLite compares
    keys byte by byte, so the prefix is a range of the unique (shop_id, dedupe_key) index;
    PostgreSQL answers LIKE 'prefix%' from its text_pattern_ops index (migration 0028).
    A LIKE on SQLite (case-insensitive) or a range under PostgreSQL's collation would read
    every notification of the table."""
    prefix = spec(Flow.SEQUENCE).keys.prefix(sequence=sequence_id)
    key = Notification.dedupe_key  # the prefix ("seq:12:") holds no LIKE wildcard
    if session.get_bind().dialect.name == "sqlite":
        return [Notification.shop_id == shop_id, key >= prefix, key < prefix[:-1] + chr(ord(prefix[-1]) + 1)]
    return [Notification.shop_id == shop_id, key.like(prefix + "%")]


def results(*, session: Session, sequence: Sequence, positions: list[int]) -> Results:
    steps = {p: StepResult(p) for p in positions}

    def at(position: int) -> StepResult:
        return steps.setdefault(position, StepResult(position))

    mine = _mine(session, sequence.shop_id, sequence.id)
    for position, status, reason, n in session.exec(
        select(Notification.step, Notification.status, Notification.reason, func.count())
        .where(*mine)
        .group_by(Notification.step, Notification.status, Notification.reason)
    ):
        row = at(position)
        row.reached += n
        if status == St.SENT:
            row.sent += n
        elif status in (St.SKIPPED, St.CANCELLED, St.FAILED):
            key = reason or status
            row.skipped[key] = row.skipped.get(key, 0) + n
        else:
            row.waiting += n
    joined = Notification.id
    for position, n in session.exec(
        select(Notification.step, func.count())
        .join(LinkClick, LinkClick.notification_id == joined)
        .where(*mine)
        .group_by(Notification.step)
    ):
        at(position).clicks = n
    for position, n, revenue in session.exec(
        select(Notification.step, func.count(), func.sum(Attribution.revenue))
        .join(Attribution, Attribution.notification_id == joined)
        .where(*mine)
        .group_by(Notification.step)
    ):
        at(position).orders, at(position).revenue = n, Decimal(revenue or 0)
    for position, n in session.exec(
        select(Notification.step, func.count())
        .join(FriendBlock, FriendBlock.notification_id == joined)
        .where(*mine)
        .group_by(Notification.step)
    ):
        at(position).blocks = n
    by_status: dict[str, int] = {}
    exits: dict[str, int] = {}
    for status, reason, n in session.exec(
        select(SequenceRun.status, SequenceRun.reason, func.count())
        .where(SequenceRun.sequence_id == sequence.id)
        .group_by(SequenceRun.status, SequenceRun.reason)
    ):
        by_status[status] = by_status.get(status, 0) + n
        if reason:
            exits[reason] = exits.get(reason, 0) + n
    return Results(
        entered=sum(by_status.values()),
        active=by_status.get("active", 0),
        done=by_status.get("done", 0),
        exits=exits,
        steps=[steps[p] for p in sorted(steps)],
    )


def as_json(found: Results) -> dict:
    return {
        "entered": found.entered,
        "active": found.active,
        "done": found.done,
        "exits": found.exits,
        "steps": [
            {
                "position": s.position,
                "reached": s.reached,
                "sent": s.sent,
                "waiting": s.waiting,
                "skipped": s.skipped,
                "clicks": s.clicks,
                "ctr": s.ctr,
                "orders": s.orders,
                "revenue": str(s.revenue),
                "blocks": s.blocks,
            }
            for s in found.steps
        ],
    }
