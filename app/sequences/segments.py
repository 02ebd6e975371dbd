"""The "entered a segment" trigger, checked on a schedule: the segment's members now, less
the members seen at the last check (`sequence_segment_members`), start the sequence. The
first check of a sequence only records who is in (they did not just enter); a friend who
leaves and comes back enters again (if the sequence allows re-entry)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ..audiences import service as audiences
from ..audiences.compile import NotLocal
from ..db import session_scope
from ..models import LineFriend, Segment, Sequence, SequenceSegmentMember, Shop, Trigger
from .enroll import enroll

log = logging.getLogger("tsunagu.sequences")


def check_segments(*, engine: Engine, now: datetime) -> dict[str, int]:
    """Every enabled segment-triggered sequence, each in its own transaction."""
    with Session(engine) as s:
        ids = s.exec(
            select(Sequence.id).where(Sequence.trigger == Trigger.SEGMENT_ENTERED, Sequence.enabled.is_(True))
        ).all()
    entered = 0
    for sequence_id in ids:
        try:
            with session_scope(engine) as s:
                entered += check_one(session=s, sequence=s.get(Sequence, sequence_id), now=now)
        except Exception:  # one sequence's failure never stops the others
            log.exception("segment check failed sequence=%s", sequence_id)
    return {"entered": entered} if entered else {}


def check_one(*, session: Session, sequence: Sequence, now: datetime) -> int:
    shop = session.get(Shop, sequence.shop_id)
    segment = session.get(Segment, (sequence.trigger_params or {}).get("segment_id") or 0)
    if segment is None or segment.shop_id != shop.id:
        return 0
    try:
        current = set(audiences.members(session=session, shop=shop, definition=segment.definition, now=now))
    except NotLocal:
        return 0
    seen = set(
        session.exec(select(SequenceSegmentMember.friend_id).where(SequenceSegmentMember.sequence_id == sequence.id))
    )
    first = sequence.segment_checked_at is None
    new, gone = current - seen, seen - current
    started = 0
    if not first:
        for friend in session.exec(select(LineFriend).where(LineFriend.id.in_(sorted(new)))) if new else ():
            started += enroll(session=session, shop=shop, sequence=sequence, friend=friend, now=now) is not None
    if gone:
        session.execute(
            delete(SequenceSegmentMember).where(
                SequenceSegmentMember.sequence_id == sequence.id, SequenceSegmentMember.friend_id.in_(sorted(gone))
            )
        )
    session.add_all(SequenceSegmentMember(sequence_id=sequence.id, friend_id=f, shop_id=shop.id) for f in new)
    sequence.segment_checked_at = now
    session.add(sequence)
    return started
