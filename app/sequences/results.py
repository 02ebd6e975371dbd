"""A sequence's figures per step, read from the rows that record them: the outbox (sent,
skipped and cancelled with their reasons), tracked clicks, orders credited by the house's
attribution rule (`app/tracking/attribution.py`: a reminded checkout, a code, or a click
within the window) and blocks charged to a push within 24 hours, each joined to its step's
notification by the key prefix `seq:{sequence}:`; runs give who entered and why they left."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, literal_column
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


# A literal, not a parameter: both databases match it to the partial index's WHERE.
_SEQUENCE_FLOW = literal_column(f"'{Flow.SEQUENCE}'")


def _bounds(sequence_id: int) -> tuple[str, str]:
    """The sequence's key prefix ("seq:12:", no LIKE wildcard in it) and the first key after
    every key it starts (SQLite compares keys byte by byte)."""
    prefix = spec(Flow.SEQUENCE).keys.prefix(sequence=sequence_id)
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _mine(session: Session, shop_id: int, sequence_id: int) -> list:
    """The sequence's notifications, from ix_notifications_sequence_steps (migration 0029:
    sequence messages only, step, status and reason in it): SQLite reads the prefix as a
    range of keys; PostgreSQL answers LIKE 'prefix%' there (text_pattern_ops). A LIKE on
    SQLite (case-insensitive) or a range under PostgreSQL's collation would read every
    notification of the table."""
    prefix, after = _bounds(sequence_id)
    key, mine = Notification.dedupe_key, [Notification.shop_id == shop_id, Notification.flow == _SEQUENCE_FLOW]
    if session.get_bind().dialect.name == "sqlite":
        return [*mine, key >= prefix, key < after]
    return [*mine, key.like(prefix + "%")]


def _outcomes_of(session: Session, outcome, shop_id: int, sequence_id: int) -> list:
    """The sequence's outcomes (clicks, attributions, blocks) joined to their messages, read
    from the outcomes' side: the (shop, flow, message) index gives the sequence flow's
    outcomes (an outcome carries its message's flow), each message is then read by its id
    and kept when its key has the prefix. From the messages' side, each join read every
    message of the sequence (91,545 for a few thousand outcomes). SQLite's planner would
    start there all the same, so on SQLite the message's conditions are written so that no
    index of notifications can serve them (`+ 0`, `|| ''`)."""
    prefix, after = _bounds(sequence_id)
    key = Notification.dedupe_key
    joined = [outcome.shop_id == shop_id, outcome.flow == _SEQUENCE_FLOW]
    if session.get_bind().dialect.name == "sqlite":
        return [*joined, Notification.shop_id + 0 == shop_id, key.concat("") >= prefix, key.concat("") < after]
    return [*joined, Notification.shop_id == shop_id, key.like(prefix + "%")]


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

    def outcomes(outcome, *counted):
        return session.exec(
            select(Notification.step, *counted)
            .select_from(outcome)
            .join(Notification, Notification.id == outcome.notification_id)
            .where(*_outcomes_of(session, outcome, sequence.shop_id, sequence.id))
            .group_by(Notification.step)
        )

    for position, n in outcomes(LinkClick, func.count()):
        at(position).clicks = n
    for position, n, revenue in outcomes(Attribution, func.count(), func.sum(Attribution.revenue)):
        at(position).orders, at(position).revenue = n, Decimal(revenue or 0)
    for position, n in outcomes(FriendBlock, func.count()):
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
