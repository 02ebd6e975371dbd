"""Starting runs (triggers) and ending them (exits).

`on_event(kind, session=…, shop=…, friend=…, **params)` is the one door in: the chat's
follow, the account link, orders/create, the segment check and friend sources call it with
a trigger kind (`Trigger`). It never calls LINE; it writes runs in the caller's transaction.
A friend has at most one active run per sequence (the partial unique index
`uq_sequence_runs_active` holds it even for two workers at once); without re-entry a friend
who ran a sequence once never enters it again.

Exits end a friend's active runs and cancel their scheduled steps (`seq:{sequence}:{run}:`).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..audiences import service as audiences
from ..audiences.compile import NotLocal
from ..flows import outbox
from ..flows.registry import Flow, spec
from ..models import Customer, LineFriend, Order, Segment, Sequence, SequenceRun, SequenceStep, Shop, Trigger
from ..models import RunStatus as Run
from ..timeutil import utcnow
from .timing import due_at

log = logging.getLogger("tsunagu.sequences")

EXIT_REASONS = ("purchased", "unlinked", "blocked", "opted_out", "removed", "sequence_off")
_PARAM = {Trigger.NTH_PURCHASE: "n", Trigger.SEGMENT_ENTERED: "segment_id", Trigger.SOURCE: "source_id"}


def on_event(
    kind: str, *, session: Session, shop: Shop, friend: LineFriend, now: datetime | None = None, **params
) -> list[SequenceRun]:
    """Start each of the shop's enabled sequences triggered by `kind` (and its parameter:
    `n` for the N-th purchase, `segment_id`, `source_id`). The runs started."""
    if kind not in Trigger.ALL:
        raise ValueError(f"unknown sequence trigger {kind!r}")
    when = now or utcnow()
    started = []
    for sequence in session.exec(
        select(Sequence)
        .where(Sequence.shop_id == shop.id, Sequence.trigger == kind, Sequence.enabled.is_(True))
        .order_by(Sequence.id)
    ):
        name = _PARAM.get(kind)
        if name and str((sequence.trigger_params or {}).get(name)) != str(params.get(name)):
            continue
        run = enroll(session=session, shop=shop, sequence=sequence, friend=friend, now=when)
        if run is not None:
            started.append(run)
    return started


def enroll(
    *, session: Session, shop: Shop, sequence: Sequence, friend: LineFriend, now: datetime
) -> SequenceRun | None:
    """A new run for the friend, or None (blocked, already in it, no re-entry, not in the
    entry segment, no steps)."""
    if friend.is_blocked or friend.id is None:
        return None
    runs = session.exec(
        select(SequenceRun.status).where(SequenceRun.sequence_id == sequence.id, SequenceRun.friend_id == friend.id)
    ).all()
    if Run.ACTIVE in runs or (runs and not sequence.reentry):
        return None
    if not _in_entry_segment(session=session, shop=shop, sequence=sequence, friend=friend, now=now):
        return None
    first = session.exec(
        select(SequenceStep).where(SequenceStep.sequence_id == sequence.id).order_by(SequenceStep.position).limit(1)
    ).first()
    if first is None:
        return None
    run = SequenceRun(
        shop_id=shop.id,
        sequence_id=sequence.id,
        friend_id=friend.id,
        entered_at=now,
        next_position=first.position,
        next_due_at=due_at(first, entered_at=now, previous_due=None, timezone=shop.timezone),
    )
    try:
        with session.begin_nested():  # a second worker's run for the same friend: the index says no
            session.add(run)
            session.flush()
    except IntegrityError:
        return None
    log.info("sequence entered shop=%s sequence=%s run=%s", shop.id, sequence.id, run.id)
    return run


def _in_entry_segment(*, session: Session, shop: Shop, sequence: Sequence, friend: LineFriend, now) -> bool:
    if sequence.entry_segment_id is None:
        return True
    segment = session.get(Segment, sequence.entry_segment_id)
    if segment is None:
        return True
    try:
        return audiences.contains(
            session=session, shop=shop, definition=segment.definition, friend_id=friend.id, now=now
        )
    except NotLocal:  # a Shopify segment cannot be asked per friend: the editor refuses one
        return False


def exit_runs(
    *,
    session: Session,
    shop: Shop,
    friend_id: int,
    reason: str,
    sequence_id: int | None = None,
    purchase: bool = False,
    now: datetime | None = None,
) -> int:
    """End the friend's active runs (of one sequence, or of those that exit on `purchase`)
    and cancel their scheduled steps; how many runs ended. A finished run's last step may
    still wait in the outbox (quiet hours, the cap): it is cancelled too."""
    query = select(SequenceRun).where(
        SequenceRun.shop_id == shop.id,
        SequenceRun.friend_id == friend_id,
        SequenceRun.status.in_((Run.ACTIVE, Run.DONE)),
    )
    if sequence_id is not None:
        query = query.where(SequenceRun.sequence_id == sequence_id)
    if purchase:
        query = query.join(Sequence, Sequence.id == SequenceRun.sequence_id).where(Sequence.exit_on_purchase.is_(True))
    ended = 0
    for run in session.exec(query).all():
        if run.status == Run.ACTIVE:
            end(session=session, shop=shop, run=run, reason=reason, now=now)
            ended += 1
        else:
            _cancel_steps(session=session, shop=shop, run=run, reason=reason)
    return ended


def end(*, session: Session, shop: Shop, run: SequenceRun, reason: str, now: datetime | None = None) -> None:
    """Mark one run exited and cancel its steps still waiting in the outbox."""
    run.status, run.reason = Run.EXITED, reason
    run.next_due_at, run.finished_at = None, now or utcnow()
    session.add(run)
    _cancel_steps(session=session, shop=shop, run=run, reason=reason)
    log.info("sequence exited shop=%s run=%s reason=%s", shop.id, run.id, reason)


def _cancel_steps(*, session: Session, shop: Shop, run: SequenceRun, reason: str) -> int:
    prefix = spec(Flow.SEQUENCE).keys.prefix(sequence=run.sequence_id, run=run.id)
    return outbox.cancel(session=session, shop=shop, reason=f"sequence_{reason}", key_prefix=prefix)


def on_order(*, session: Session, shop: Shop, order: Order, now: datetime | None = None) -> list[SequenceRun]:
    """orders/create: the buyer's runs that exit on purchase end, then first / N-th purchase
    sequences start (in that order, so a first-purchase sequence is not ended by its own order)."""
    if order.customer_shopify_id is None or order.cancelled_at is not None:
        return []
    friend = session.exec(
        select(LineFriend)
        .join(Customer, Customer.id == LineFriend.customer_id)
        .where(Customer.shop_id == shop.id, Customer.shopify_id == order.customer_shopify_id)
    ).first()
    if friend is None:
        return []
    when = now or utcnow()
    exit_runs(session=session, shop=shop, friend_id=friend.id, reason="purchased", purchase=True, now=when)
    count = session.exec(
        select(func.count())
        .select_from(Order)
        .where(
            Order.shop_id == shop.id,
            Order.customer_shopify_id == order.customer_shopify_id,
            Order.cancelled_at.is_(None),
        )
    ).one()
    started = on_event(Trigger.NTH_PURCHASE, session=session, shop=shop, friend=friend, now=when, n=count)
    if count == 1:
        started += on_event(Trigger.FIRST_PURCHASE, session=session, shop=shop, friend=friend, now=when)
    return started
