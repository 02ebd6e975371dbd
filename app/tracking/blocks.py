"""Blocks that followed a push: an unfollow within 24 hours after a message we pushed to
that friend is charged to that message (its flow and notification); any other unfollow
is recorded with no flow, so the dashboard can tell "blocked after a message" from the rest."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from ..models import FriendBlock, LineFriend, Notification
from ..models import NotificationStatus as St
from . import rollups

BLAME_WINDOW = timedelta(hours=24)


def last_push(*, session: Session, friend: LineFriend, before: datetime) -> Notification | None:
    """The latest message pushed to the friend in the 24 hours up to `before`
    (ix_notifications_friend_sent). Replies are free and not notifications: never blamed."""
    return session.exec(
        select(Notification)
        .where(
            Notification.friend_id == friend.id,
            Notification.status == St.SENT,
            Notification.sent_at >= before - BLAME_WINDOW,
            Notification.sent_at <= before,
        )
        .order_by(Notification.sent_at.desc())
        .limit(1)
    ).first()


def record_block(*, session: Session, friend: LineFriend, blocked_at: datetime) -> FriendBlock:
    push = last_push(session=session, friend=friend, before=blocked_at)
    block = FriendBlock(
        shop_id=friend.shop_id,
        friend_id=friend.id,
        blocked_at=blocked_at,
        notification_id=push.id if push else None,
        flow=push.flow if push else None,
    )
    session.add(block)
    rollups.block(session=session, shop_id=friend.shop_id, at=blocked_at, flow=block.flow)
    return block
