"""A block within 24 hours after a push is charged to that push; any other block has no flow."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.models import FriendBlock, LineFriend
from tests.fakes.line_events import follow_event, unfollow_event
from tests.helpers import rows

SENT = datetime.fromisoformat("2026-11-25T03:00:00+00:00")


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


@pytest.mark.parametrize(
    ("after", "charged"),
    [
        (timedelta(minutes=5), True),
        (timedelta(hours=24), True),
        (timedelta(hours=24, seconds=1), False),
        (timedelta(days=3), False),
    ],
)
def test_a_block_is_charged_to_a_push_in_the_24_hours_before_it(db, friend, put, dispatch, chat, after, charged):
    note = put(friend, "repurchase", SENT)
    dispatch(SENT)
    assert chat(unfollow_event(friend.line_user_id, timestamp=_ms(SENT + after))).status_code == 200
    [block] = rows(db, FriendBlock)
    assert block.friend_id == friend.id and block.shop_id == friend.shop_id
    assert block.blocked_at == SENT + after
    assert (block.flow, block.notification_id) == (("repurchase", note.id) if charged else (None, None))
    assert rows(db, LineFriend, LineFriend.id == friend.id)[0].is_blocked


def test_the_latest_push_is_charged_and_unsent_messages_are_not(db, friend, put, dispatch, chat):
    put(friend, "order_confirmation", SENT)
    dispatch(SENT)
    latest = put(friend, "shipping_update", SENT + timedelta(hours=2))
    dispatch(SENT + timedelta(hours=2))
    put(friend, "repurchase", SENT + timedelta(hours=3))  # scheduled, never sent
    chat(unfollow_event(friend.line_user_id, timestamp=_ms(SENT + timedelta(hours=4))))
    [block] = rows(db, FriendBlock)
    assert (block.flow, block.notification_id) == ("shipping_update", latest.id)


def test_a_block_without_any_push_and_a_repeated_unfollow(db, friend, chat, fake_line):
    at = SENT + timedelta(days=1)
    chat(unfollow_event(friend.line_user_id, timestamp=_ms(at)))
    chat(unfollow_event(friend.line_user_id, timestamp=_ms(at + timedelta(minutes=1))))  # no follow between
    [block] = rows(db, FriendBlock)
    assert (block.flow, block.notification_id, block.blocked_at) == (None, None, at)
    chat(follow_event(friend.line_user_id, unblocked=True, timestamp=_ms(at + timedelta(days=1))))
    chat(unfollow_event(friend.line_user_id, timestamp=_ms(at + timedelta(days=2))))
    assert len(rows(db, FriendBlock)) == 2
