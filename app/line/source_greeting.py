"""The greeting of a friend a source brought (流入経路), decided when their follow arrives.

The source's LINE Login callback (app/sources/arrival.py) and the follow webhook race. The
follow answers with the source's greeting when the callback has already resolved a visit
into this friend; when a source login is still in flight in the shop and the follow is
fresh, the follow waits (NotYet: the worker takes it up again after a few seconds, while
its reply token is still good) rather than greet with the default text and then never be
able to take it back. Read from the models only: app/sources imports line, not the reverse.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists
from sqlmodel import Session, select

from ..models import FriendSource, FriendSourceVisit, LineFriend, VisitOutcome

RESOLVED_RECENTLY = timedelta(minutes=10)  # a visit's follow comes within seconds of its login
IN_FLIGHT = timedelta(minutes=3)  # a login begun this recently may still bring its follow
HOLD = timedelta(seconds=8)  # how long a follow waits for the login's callback


def claim(*, session: Session, friend: LineFriend, now: datetime) -> FriendSource | None:
    """The source whose visit made this friend follow, once (the visit is marked greeted)."""
    if friend.id is None:
        return None
    visit = session.exec(
        select(FriendSourceVisit)
        .where(
            FriendSourceVisit.line_friend_id == friend.id,
            FriendSourceVisit.outcome.in_((VisitOutcome.NEW, VisitOutcome.READDED)),
            FriendSourceVisit.greeted_at.is_(None),
            FriendSourceVisit.resolved_at >= now - RESOLVED_RECENTLY,
        )
        .order_by(FriendSourceVisit.resolved_at.desc())
    ).first()
    if visit is None:
        return None
    visit.greeted_at = now
    session.add(visit)
    return session.get(FriendSource, visit.source_id)


def should_wait(*, session: Session, shop_id: int, received_at: datetime | None, now: datetime) -> bool:
    """A fresh follow while a source login of the shop is unresolved: wait for its callback."""
    if received_at is None or now - received_at >= HOLD:
        return False
    return session.exec(
        select(
            exists().where(
                FriendSourceVisit.shop_id == shop_id,
                FriendSourceVisit.resolved_at.is_(None),
                FriendSourceVisit.visited_at >= now - IN_FLIGHT,
                FriendSourceVisit.route == "login",
            )
        )
    ).one()
