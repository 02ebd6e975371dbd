"""What the sequences page reads: the list with each sequence's runs, one sequence for the
editor (with its example timeline and per-step results), and the choices its form offers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from ...audiences import definition as audience_definition
from ...formatting import local_time
from ...models import Segment, Sequence, SequenceRun, SequenceStep, Shop
from ...sequences import editor, results
from ...sequences.advance import steps_of
from ...sequences.timing import timeline
from ...sources.service import sources_of


def sequences_of(*, session: Session, shop: Shop) -> list[dict]:
    rows = session.exec(select(Sequence).where(Sequence.shop_id == shop.id).order_by(Sequence.id)).all()
    counts: dict[int, dict[str, int]] = {}
    if rows:
        for sequence_id, status, n in session.exec(
            select(SequenceRun.sequence_id, SequenceRun.status, func.count())
            .where(SequenceRun.sequence_id.in_([r.id for r in rows]))
            .group_by(SequenceRun.sequence_id, SequenceRun.status)
        ):
            counts.setdefault(sequence_id, {})[status] = n
    steps = dict(
        session.exec(
            select(SequenceStep.sequence_id, func.count())
            .where(SequenceStep.shop_id == shop.id)
            .group_by(SequenceStep.sequence_id)
        ).all()
    )
    return [
        {
            "id": r.id,
            "name": r.name,
            "trigger": r.trigger,
            "enabled": r.enabled,
            "preset": r.preset,
            "steps": int(steps.get(r.id, 0)),
            "active": counts.get(r.id, {}).get("active", 0),
            "entered": sum(counts.get(r.id, {}).values()),
        }
        for r in rows
    ]


def example_dates(*, shop: Shop, steps: list, now: datetime) -> list[str]:
    """Each step's time for a friend entering now, in the shop's zone (the timeline)."""
    return [local_time(when, shop.timezone) for when in timeline(steps, entered_at=now, timezone=shop.timezone)]


def one(*, session: Session, shop: Shop, sequence: Sequence, now: datetime) -> dict:
    steps = steps_of(session, sequence.id)
    found = results.results(session=session, sequence=sequence, positions=[s.position for s in steps])
    return {
        "current": editor.as_json(sequence, steps),
        "dates": example_dates(shop=shop, steps=steps, now=now),
        "results": results.as_json(found),
    }


def segments(*, session: Session, shop: Shop) -> list[dict]:
    rows = session.exec(select(Segment).where(Segment.shop_id == shop.id).order_by(Segment.name)).all()
    return [{"id": s.id, "name": s.name} for s in rows if not audience_definition.is_shopify(s.definition)]


def sources(*, session: Session, shop: Shop) -> list[dict]:
    """The shop's friend sources, for the "came from a friend source" trigger."""
    return [{"id": s.id, "name": s.name} for s in sources_of(session=session, shop=shop)]
