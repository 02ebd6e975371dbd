"""What a finished LINE Login tells us about a visit: who the visitor is, and whether the
login made them a friend (LINE's `friendship_status_changed`).

The follow webhook and the login callback race: LINE sends both when the visitor agrees to
add the friend, in either order. Only the follow handler greets (app/line/source_greeting.py):
- callback first: the visit is resolved here; the follow finds it and greets with the
  source's greeting (once: the visit's `greeted_at`);
- follow first: if a source login is in flight the follow waits a few seconds for the
  callback (the worker takes it up again); if the callback is later still, the follow has
  greeted with the default text and this marks the visit greeted, so nothing is sent twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from ..models import FriendSource, FriendSourceVisit, LineChannel, LineFriend, Sequence, Shop, Trigger, VisitOutcome
from ..sequences import enroll as sequences
from . import rollup


def add_tag(friend: LineFriend, tag: str | None) -> None:
    if not tag:
        return
    tags = [part.strip() for part in (friend.tags or "").split(",") if part.strip()]
    if tag.lower() not in (part.lower() for part in tags):
        friend.tags = ", ".join([*tags, tag])


def start_sequences(
    *, session: Session, shop: Shop, source: FriendSource | None, friend: LineFriend, now: datetime
) -> None:
    """A friend the source brought (new or re-added) starts the sequences triggered by this
    source, and the source's own sequence when it names one (of this shop, switched on)."""
    if source is None:
        return
    runs = sequences.on_event(Trigger.SOURCE, session=session, shop=shop, friend=friend, now=now, source_id=source.id)
    chosen = session.get(Sequence, source.sequence_id) if source.sequence_id else None
    if chosen is None or chosen.shop_id != shop.id or not chosen.enabled:
        return
    if all(run.sequence_id != chosen.id for run in runs):
        sequences.enroll(session=session, shop=shop, sequence=chosen, friend=friend, now=now)


def resolve(
    *,
    session: Session,
    visit: FriendSourceVisit,
    channel: LineChannel,
    claims: dict,
    friendship_changed: bool,
    now: datetime,
) -> str:
    """Record who the visitor is and what the visit did; returns the outcome."""
    source = session.get(FriendSource, visit.source_id)
    user_id = str(claims["sub"])[:64]
    friend = session.exec(
        select(LineFriend).where(LineFriend.shop_id == visit.shop_id, LineFriend.line_user_id == user_id)
    ).first()
    if friend is None and not friendship_changed:
        visit.outcome = VisitOutcome.DECLINED  # not a friend, and did not become one
        session.add(visit)
        return visit.outcome
    if friend is None:
        friend = LineFriend(
            shop_id=visit.shop_id,
            channel_id=channel.id,
            line_user_id=user_id,
            display_name=(claims.get("name") or "")[:255] or None,
            picture_url=claims.get("picture"),
            created_at=now,
        )
        session.add(friend)
        session.flush()
    if friendship_changed:
        known_before = friend.created_at < visit.visited_at
        visit.outcome = VisitOutcome.READDED if known_before else VisitOutcome.NEW
        shop = session.get(Shop, visit.shop_id)
        rollup.count(session=session, shop=shop, source_id=visit.source_id, at=now, new_friends=1)
        if friend.source_id is None:  # the first source is *the* source
            friend.source_id, friend.source_at = visit.source_id, now
        # The follow was already answered (it came first and could not wait): greeted once.
        followed = friend.followed_at is not None and friend.followed_at >= visit.visited_at and not friend.is_blocked
        visit.greeted_at = now if followed else None
        start_sequences(session=session, shop=shop, source=source, friend=friend, now=now)
    else:
        visit.outcome = VisitOutcome.EXISTING
        visit.greeted_at = now  # already a friend: no follow comes, no greeting
    add_tag(friend, source.tag if source else None)
    visit.line_friend_id = friend.id
    session.add_all([friend, visit])
    return visit.outcome
