"""Friends' LINE profiles (name, picture, language) that LINE could not give in time.

A follow is greeted at once; when LINE did not answer the profile request within the
webhook's budget the friend is marked `profile_due_at`, and this worker job asks again,
with the client's full timeouts and retries, outside any transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ..db import session_scope
from ..models import LineChannel, LineFriend, Shop
from . import channels
from .client import LineError

log = logging.getLogger("tsunagu.line")
RETRY_AFTER = timedelta(minutes=1)


def apply(friend: LineFriend, profile: dict | None) -> None:
    """Take what LINE said of the friend (None: LINE has no profile for them)."""
    if profile:
        friend.display_name = (profile.get("displayName") or "")[:255] or None
        friend.picture_url = profile.get("pictureUrl")
        friend.language = (profile.get("language") or "")[:16] or None
    friend.profile_due_at = None


def fill_profiles(*, engine: Engine, now: datetime, limit: int = 100) -> dict[str, int]:
    """Worker job: ask LINE for the profiles that are due. Stops at the first sign that LINE
    is still down; those friends are asked again a minute later."""
    counts: dict[str, int] = {}
    for friend_id, user_id, client in _due(engine, now, limit):
        try:
            profile = client.profile(user_id)
        except LineError as exc:
            log.warning("profile still unavailable friend=%s status=%s", friend_id, exc.status)
            _write(engine, friend_id, lambda f: setattr(f, "profile_due_at", now + RETRY_AFTER))
            counts["failed"] = counts.get("failed", 0) + 1
            if exc.retryable:
                break
            continue
        _write(engine, friend_id, lambda f, p=profile: apply(f, p))
        counts["filled"] = counts.get("filled", 0) + 1
    return counts


def _due(engine: Engine, now: datetime, limit: int) -> list:
    with Session(engine) as session:  # a plain read: LINE is called with no transaction open
        friends = session.exec(
            select(LineFriend)
            .where(LineFriend.profile_due_at <= now, LineFriend.is_blocked.is_(False))
            .order_by(LineFriend.profile_due_at)
            .limit(limit)
        ).all()
        due, unaskable = [], []
        for friend in friends:
            channel = session.get(LineChannel, friend.channel_id) if friend.channel_id else None
            try:
                if channel is None:
                    raise channels.ChannelUnavailable("no channel")
                client = channels.client_for(channel, shop=session.get(Shop, friend.shop_id))
            except channels.ChannelUnavailable:
                unaskable.append(friend.id)  # nobody to ask: not due any more
                continue
            due.append((friend.id, friend.line_user_id, client))
    for friend_id in unaskable:
        _write(engine, friend_id, lambda f: setattr(f, "profile_due_at", None))
    return due


def _write(engine: Engine, friend_id: int, change) -> None:
    with session_scope(engine) as session:
        friend = session.get(LineFriend, friend_id)
        if friend is not None:
            change(friend)
