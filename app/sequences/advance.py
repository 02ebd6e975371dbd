"""The worker's job: advance every run whose next step is due.

Due runs are read by `ix_sequence_runs_due` (a partial index over active runs' next due
time) and locked with FOR UPDATE SKIP LOCKED on PostgreSQL, so two workers never take the
same run. For each run, in one transaction with the run's own update: the step's condition
is checked, its messages are put in the outbox under the key `seq:{sequence}:{run}:{step}`
(or a skipped row says why it was left out), and the next step's time is worked out. A
worker killed half way rolls all of it back and the run is taken again; a step already in
the outbox is found by its key and never put there twice. Sending is the dispatcher's.

Editing a sequence changes the steps a run has not reached yet: a step's content is read
when its turn comes, and `reschedule` moves the waiting runs to the edited step's time.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ..db import session_scope
from ..flows import outbox
from ..flows.recipients import Recipient
from ..flows.registry import Flow, spec
from ..i18n import language
from ..models import (
    Customer,
    LineFriend,
    LinkClick,
    Notification,
    Order,
    Sequence,
    SequenceRun,
    SequenceStep,
    Shop,
)
from ..models import NotificationStatus as St
from ..models import RunStatus as Run
from ..timeutil import utcnow
from ..tracking import rollups
from . import enroll, render
from .timing import due_at

log = logging.getLogger("tsunagu.sequences")
BATCH = 200
RETRY = timedelta(minutes=5)  # a run whose step raised is tried again after this


def due_query(now: datetime, size: int):
    """Active runs whose next step is due, oldest first (ix_sequence_runs_due)."""
    return (
        select(SequenceRun)
        .where(SequenceRun.status == Run.ACTIVE, SequenceRun.next_due_at <= now)
        .order_by(SequenceRun.next_due_at)
        .limit(size)
        .with_for_update(skip_locked=True)
    )


def advance_due(*, engine: Engine, now: datetime, limit: int = 20_000, batch: int = BATCH) -> dict[str, int]:
    """Advance every due run (a batch per transaction); counts by outcome."""
    totals: Counter = Counter()
    done = 0
    while done < limit:
        with session_scope(engine) as s:
            runs = s.exec(due_query(now, min(batch, limit - done))).all()
            for run in runs:
                totals[_isolated(s, run, now)] += 1
        if not runs:
            break
        done += len(runs)
    return dict(totals)


def _isolated(s: Session, run: SequenceRun, now: datetime) -> str:
    run_id = run.id
    try:
        with s.begin_nested():
            return advance_run(session=s, run=run, now=now)
    except Exception:  # one bad run is logged and tried later; the batch goes on
        log.exception("sequence step failed run=%s", run_id)
        s.execute(update(SequenceRun).where(SequenceRun.id == run_id).values(next_due_at=now + RETRY))
        return "error"


def steps_of(session: Session, sequence_id: int) -> list[SequenceStep]:
    return list(
        session.exec(
            select(SequenceStep).where(SequenceStep.sequence_id == sequence_id).order_by(SequenceStep.position)
        )
    )


def advance_run(*, session: Session, run: SequenceRun, now: datetime) -> str:
    """Schedule (or skip) the run's due step and set its next one; the outcome's name."""
    sequence = session.get(Sequence, run.sequence_id)
    shop = session.get(Shop, run.shop_id)
    if not sequence.enabled:
        enroll.end(session=session, shop=shop, run=run, reason="sequence_off", now=now)
        return "exited"
    steps = steps_of(session, sequence.id)
    step = next((x for x in steps if x.position >= (run.next_position or 0)), None)
    if step is None:
        _finish(session, run, now)
        return "done"
    friend = session.get(LineFriend, run.friend_id)
    due = run.next_due_at
    outcome = _step(session=session, shop=shop, sequence=sequence, run=run, step=step, friend=friend, due=due)
    following = next((x for x in steps if x.position > step.position), None)
    if following is None:
        _finish(session, run, now)
    else:
        run.next_position, run.last_due_at = following.position, due
        run.next_due_at = due_at(following, entered_at=run.entered_at, previous_due=due, timezone=shop.timezone)
        session.add(run)
    return outcome


def _finish(session: Session, run: SequenceRun, now: datetime) -> None:
    run.status, run.next_position, run.next_due_at, run.finished_at = Run.DONE, None, None, now
    session.add(run)


def key(run: SequenceRun, position: int) -> str:
    return spec(Flow.SEQUENCE).keys.key(sequence=run.sequence_id, run=run.id, step=position)


def _step(*, session, shop, sequence, run, step, friend, due) -> str:
    if step.greeting:  # the greeting LINE sent on follow is this step: nothing more to send
        return "greeting"
    lang = language(shop=shop, friend=friend)
    customer = session.get(Customer, friend.customer_id) if friend.customer_id else None
    recipient = Recipient(friend=friend, customer=customer, lang=lang, name="")
    context = {
        "sequence_id": sequence.id,
        "run_id": run.id,
        "wait_until": (due + timedelta(days=sequence.cap_wait_days)).isoformat(),
    }
    skip = None
    if not condition_met(session=session, run=run, step=step, friend=friend):
        skip = "condition"
    elif render.problems(session=session, shop=shop, blocks=step.blocks, lang=lang):
        skip = "content_invalid"  # a product or image removed since the step was saved
    if skip:
        _schedule(session, shop, run, step, due, recipient, [], context)
        rollups.set_status(  # the daily rollups move with the row (scheduled → skipped)
            session=session,
            where=(
                Notification.shop_id == shop.id,
                Notification.dedupe_key == key(run, step.position),
                Notification.status == St.SCHEDULED,
            ),
            values={"status": St.SKIPPED, "reason": skip, "updated_at": utcnow()},
        )
        return "skipped"
    name = render.name_of(session=session, friend=friend, lang=lang)
    messages = render.messages(session=session, shop=shop, blocks=step.blocks, lang=lang, name=name)
    return _schedule(session, shop, run, step, due, recipient, messages, context)


def _schedule(session, shop, run, step, due, recipient, messages, context) -> str:
    return outbox.schedule(
        session=session,
        shop=shop,
        flow=Flow.SEQUENCE,
        step=step.position,
        dedupe_key=key(run, step.position),
        due_at=due,
        recipient=recipient,
        messages=messages,
        context=context,
    )


def condition_met(*, session: Session, run: SequenceRun, step: SequenceStep, friend: LineFriend) -> bool:
    """Whether the step goes to this friend: "only if" / "skip if" one of the facts below."""
    if not step.condition:
        return True
    fact = _fact(session=session, run=run, step=step, friend=friend)
    return fact if step.condition_mode == "only_if" else not fact


def _fact(*, session: Session, run: SequenceRun, step: SequenceStep, friend: LineFriend) -> bool:
    if step.condition == "unlinked":
        return friend.customer_id is None
    if step.condition == "purchased":
        customer = session.get(Customer, friend.customer_id) if friend.customer_id else None
        if customer is None:
            return False
        return (
            session.exec(
                select(Order.id)
                .where(
                    Order.shop_id == run.shop_id,
                    Order.customer_shopify_id == customer.shopify_id,
                    Order.processed_at >= run.entered_at,
                    Order.cancelled_at.is_(None),
                )
                .limit(1)
            ).first()
            is not None
        )
    if step.condition == "clicked_previous":
        previous = session.exec(
            select(Notification.id)
            .where(
                Notification.shop_id == run.shop_id,
                Notification.dedupe_key.startswith(
                    spec(Flow.SEQUENCE).keys.prefix(sequence=run.sequence_id, run=run.id), autoescape=True
                ),
                Notification.step < step.position,
                Notification.status == St.SENT,
            )
            .order_by(Notification.step.desc())
            .limit(1)
        ).first()
        if previous is None:
            return False
        return (
            session.exec(select(LinkClick.id).where(LinkClick.notification_id == previous).limit(1)).first() is not None
        )
    raise ValueError(f"unknown step condition {step.condition!r}")


def recheck(*, session: Session, row: Notification, shop: Shop, now: datetime) -> str | None:
    """Asked by the dispatcher right before sending: a step of a run that has ended is moot."""
    run = session.get(SequenceRun, (row.context or {}).get("run_id") or 0)
    if run is None:
        return "sequence_removed"
    if run.status == Run.EXITED:
        return f"sequence_{run.reason}"
    return None


def reschedule(*, session: Session, sequence: Sequence, shop: Shop) -> int:
    """After an edit: each waiting run's next step takes the edited step's time (a step
    already in the outbox keeps its time and content); how many runs moved."""
    steps = steps_of(session, sequence.id)
    moved = 0
    runs = session.exec(
        select(SequenceRun).where(SequenceRun.sequence_id == sequence.id, SequenceRun.status == Run.ACTIVE)
    )
    for run in runs:
        step = next((x for x in steps if x.position >= (run.next_position or 0)), None)
        if step is None:
            run.next_due_at = utcnow()  # nothing left: the job finishes it
        else:
            run.next_position = step.position
            run.next_due_at = due_at(
                step, entered_at=run.entered_at, previous_due=run.last_due_at, timezone=shop.timezone
            )
        session.add(run)
        moved += 1
    return moved
