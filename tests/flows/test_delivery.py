"""Delivery: every notification reaches its friend exactly once through a flaky LINE, and the
monthly quota holds marketing back while order and shipping messages still go."""

from __future__ import annotations

import functools
from collections import Counter
from datetime import datetime, timedelta

import pytest

from app.flows import quota
from app.line import channels
from app.line.client import LineClient
from app.models import Notification
from app.models import NotificationStatus as St
from tests.fakes.line import FakeLine
from tests.fakes.server import LiveServer
from tests.helpers import rows
from tests.plugins.line import ACCESS_TOKEN, CHANNEL_SECRET

START = datetime.fromisoformat("2026-11-25T01:00:00+00:00")  # 10:00 in Tokyo
FLAKY = {
    "failure_rate": 0.3,
    "seed": 20261125,
    "timeout_seconds": 0.3,
    "failure_kinds": ("error", "error_after_accept", "timeout", "rate_limit"),
}


@pytest.fixture
def fake_line(request):
    """The LINE fixture, with knobs from indirect parametrization."""
    fake = FakeLine(
        channel_secret=CHANNEL_SECRET,
        access_token=ACCESS_TOKEN,
        display_name="テストショップ公式",
        quota=None,
        **getattr(request, "param", {}),
    )
    with LiveServer(fake) as server:
        fake.url = server.url
        yield fake


@pytest.fixture
def impatient_client(monkeypatch):
    """A LINE client that gives up on a stalled answer after 0.1 s, does not sleep between
    tries and tries twice, so failures reach the dispatcher and its backoff."""
    monkeypatch.setattr(
        channels, "LineClient", functools.partial(LineClient, timeout=(1.0, 0.1), sleep=lambda _seconds: None)
    )
    monkeypatch.setattr("app.line.client.MAX_ATTEMPTS", 2)


def outbox(db) -> list[Notification]:
    return rows(db, Notification)


def run_until_settled(db, dispatch, now: datetime, rounds: int = 10) -> int:
    """Dispatch, then again after the longest backoff, until nothing waits; how many runs."""
    for run in range(1, rounds + 1):
        dispatch(now)
        if not rows(db, Notification, Notification.status.in_(St.PENDING)):
            return run
        now += timedelta(minutes=121)
    raise AssertionError(f"still pending after {rounds} runs")


def assert_each_delivered_once(fake, notes, friends_by_id):
    deliveries = Counter(fake.accepted_retry_keys())
    assert set(deliveries) == {str(n.id) for n in notes}
    assert set(deliveries.values()) == {1}
    recipient = {str(n.id): friends_by_id[n.friend_id].line_user_id for n in notes}
    assert all(p.to == recipient[p.retry_key] for p in fake.pushes())
    per_friend = Counter(p.to for p in fake.pushes())
    assert set(per_friend.values()) == {1}


@pytest.mark.parametrize("fake_line", [FLAKY], indirect=True)
def test_exactly_once_through_a_flaky_line(db, linked_friends, put, dispatch, fake_line, impatient_client):
    friends = linked_friends(40)
    made = [put(f, "order_confirmation", START, text=f"ご注文ありがとうございます #{i}") for i, f in enumerate(friends)]

    run_until_settled(db, dispatch, START)

    notes = outbox(db)
    assert len(notes) == len(made) == 40
    assert Counter(n.status for n in notes) == {St.SENT: 40}
    assert sum(fake_line.injected.values()) > 0  # LINE did misbehave
    assert len(set(fake_line.accepted_retry_keys())) == len(notes)
    assert_each_delivered_once(fake_line, notes, {f.id: f for f in friends})
    for n in notes:  # and each friend got their own message
        [push] = [p for p in fake_line.pushes() if p.retry_key == str(n.id)]
        assert push.messages == n.messages


@pytest.mark.parametrize("trouble", ["accepted_then_500", "accepted_then_stalled", "refused_500", "rate_limited"])
def test_a_retry_after_each_kind_of_failure_delivers_once(
    db, linked_friends, put, dispatch, fake_line, impatient_client, monkeypatch, trouble
):
    monkeypatch.setattr("app.line.client.MAX_ATTEMPTS", 1)  # every failure goes back to the outbox
    [friend] = linked_friends(1)
    note = put(friend, "order_confirmation", START)
    push = "/v2/bot/message/push"
    {
        "accepted_then_500": lambda: fake_line.fail_after_accept_next(1, 500, path=push),
        "accepted_then_stalled": lambda: fake_line.slow_next(1, 0.3, path=push),
        "refused_500": lambda: fake_line.fail_next(1, 500, path=push),
        "rate_limited": lambda: fake_line.fail_next(1, 429, path=push),
    }[trouble]()

    assert dispatch(START) == {"retrying": 1}
    waiting = outbox(db)[0]
    assert (waiting.status, waiting.reason, waiting.attempts) == (St.SCHEDULED, "retrying", 1)
    assert waiting.due_at == START + timedelta(minutes=1) and waiting.last_error
    assert dispatch(START + timedelta(minutes=1)) == {"sent": 1}
    assert outbox(db)[0].status == St.SENT
    assert fake_line.accepted_retry_keys() == [str(note.id)]
    assert len([r for r in fake_line.requests if r.path == push]) == 2


def test_a_failure_that_never_ends_is_given_up_after_five_attempts(
    db, linked_friends, put, dispatch, fake_line, impatient_client
):
    [friend] = linked_friends(1)
    put(friend, "order_confirmation", START)
    fake_line.fail_next(100, 503, path="/v2/bot/message/push")
    now, waits = START, []
    for _ in range(4):
        assert dispatch(now) == {"retrying": 1}
        waiting = outbox(db)[0]
        waits.append(waiting.due_at - now)
        now = waiting.due_at
    assert waits == [timedelta(minutes=m) for m in (1, 5, 30, 120)]
    assert dispatch(now) == {"failed": 1}
    [note] = outbox(db)
    assert (note.status, note.attempts) == (St.FAILED, 5)
    assert "503" in note.last_error
    assert fake_line.pushes() == []


def test_quota_holds_marketing_but_not_order_messages(app, db, linked_friends, put, dispatch, fake_line):
    fake_line.quota, fake_line.total_usage = 100, 88  # 10% is kept for orders: room for 2 more
    friends = linked_friends(3)
    reminders = [put(f, "abandoned_checkout", START) for f in friends]
    orders = [put(f, "order_confirmation", START) for f in friends]

    assert dispatch(START) == {"sent": 5, "quota_held": 1}
    by_id = {n.id: n for n in outbox(db)}
    assert all(by_id[o.id].status == St.SENT for o in orders)
    held = [by_id[r.id] for r in reminders if by_id[r.id].status == St.SCHEDULED]
    assert len(held) == 1 and held[0].reason == "quota_held" and held[0].attempts == 0
    assert held[0].due_at == START + timedelta(hours=1)
    assert str(held[0].id) not in fake_line.accepted_retry_keys()
    assert fake_line.total_usage == 93

    assert dispatch(START + timedelta(minutes=59)) == {}
    assert dispatch(START + timedelta(hours=1)) == {"quota_held": 1}  # still no room
    fake_line.quota = 1000  # the merchant upgraded the plan
    with app.app_context():
        quota.forget()  # the app reads the quota at most once a minute
    assert dispatch(START + timedelta(hours=2)) == {"sent": 1}
    assert str(held[0].id) in fake_line.accepted_retry_keys()


def test_quota_exhausted_still_sends_order_messages(db, linked_friends, put, dispatch, fake_line):
    fake_line.quota, fake_line.total_usage = 100, 90  # exactly the reserve is left
    [friend] = linked_friends(1)
    reminder = put(friend, "abandoned_checkout", START)
    order = put(friend, "order_confirmation", START)
    assert dispatch(START) == {"sent": 1, "quota_held": 1}
    by_id = {n.id: n for n in outbox(db)}
    assert by_id[order.id].status == St.SENT
    assert (by_id[reminder.id].status, by_id[reminder.id].reason) == (St.SCHEDULED, "quota_held")
    assert fake_line.accepted_retry_keys() == [str(order.id)]
