"""Pushes run in parallel, but one friend's messages of a batch go in due order."""

from __future__ import annotations

import time
from datetime import timedelta

from app.line.client import LineClient
from app.timeutil import utcnow


def test_one_friends_messages_arrive_in_due_order_while_others_go_in_parallel(
    linked_friends, put, dispatch, fake_line, monkeypatch
):
    friends = linked_friends(12)
    start = utcnow() - timedelta(hours=1)
    for n, friend in enumerate(friends):
        for step in range(3):  # confirmation, then shipped, then delivered: due a minute apart
            put(friend, "shipping_update", start + timedelta(minutes=step, seconds=n), text=f"{n}:{step}")

    real_push = LineClient.push

    def slow_first(self, to, messages, **kw):  # each friend's first message is slow to go out
        if messages[0]["text"].endswith(":0"):
            time.sleep(0.3)
        return real_push(self, to, messages, **kw)

    monkeypatch.setattr(LineClient, "push", slow_first)

    assert dispatch() == {"sent": 36}

    for n, friend in enumerate(friends):
        assert fake_line.texts_to(friend.line_user_id) == [f"{n}:0", f"{n}:1", f"{n}:2"]
