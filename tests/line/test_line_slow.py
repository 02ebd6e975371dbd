"""Chat while LINE is down or slow: the webhook answers within LINE's 2 s, no LINE call runs
inside a write transaction (the write guard would fail the handler), nothing is lost, and
once LINE is back the worker finishes what the request could not, once."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from app import ext
from app.line.events import ORPHAN_AFTER, process_orphaned_events
from app.line.profiles import fill_profiles
from app.line.replies import send_pending
from app.models import LineEvent
from app.timeutil import utcnow
from tests.helpers import rows
from tests.plugins.line import friend_of
from tests.plugins.search import product

LINE_LIMIT_S = 2.0


def timed(send, *events) -> float:
    started = time.monotonic()
    response = send(*events)
    assert response.status_code == 200
    return time.monotonic() - started


def worker(app, *, later: timedelta = ORPHAN_AFTER) -> dict:
    """What the worker's process_line_events and fill_line_profiles jobs do."""
    now = utcnow() + later
    with app.app_context():
        engine = ext.engine(app)
        return {
            "events": process_orphaned_events(engine=engine, now=now),
            "replies": send_pending(engine=engine, now=now),
            "profiles": fill_profiles(engine=engine, now=now),
        }


def link_urls(fake_line, user) -> list[str]:
    found = []
    for message in fake_line.messages_to(user):
        for action in _actions(message):
            if "/apps/tsunagu/link?linkToken=" in action.get("uri", ""):
                found.append(action["uri"])
    return found


def _actions(node):
    if isinstance(node, dict):
        if node.get("type") == "uri":
            yield node
        for value in node.values():
            yield from _actions(value)
    elif isinstance(node, list):
        for value in node:
            yield from _actions(value)


@pytest.mark.parametrize("status, delay", [(503, 5.0), (500, 0.0)])
def test_a_follow_is_answered_in_time_and_finished_by_the_worker(app, chat, fake_line, user, db, status, delay):
    fake_line.outage(status, delay)
    assert timed(chat, fake_line.follow_event(user)) < LINE_LIMIT_S

    friend = friend_of(db, user)
    assert friend.followed_at is not None and friend.display_name is None and friend.profile_due_at is not None
    [event] = rows(db, LineEvent)
    assert event.status == "unanswered" and event.pending_reply and event.error is None
    assert fake_line.replies() == []
    if not delay:  # (the worker's full retries against a 5 s LINE would take minutes)
        assert worker(app)["replies"] == {}  # still down: kept, not failed
        assert rows(db, LineEvent)[0].status == "unanswered" and friend_of(db, user).profile_due_at is not None

    fake_line.recover()
    done = worker(app, later=timedelta(minutes=2))  # past the profile's retry time
    assert done["replies"] == {"replied": 1} and done["profiles"] == {"filled": 1}
    friend = friend_of(db, user)
    assert friend.display_name == "はなこ" and friend.language == "ja" and friend.profile_due_at is None
    [event] = rows(db, LineEvent)
    assert event.status == "processed" and event.pending_reply is None
    assert len(fake_line.replies()) == 1 and "友だち追加" in json.dumps(fake_line.messages_to(user), ensure_ascii=False)

    assert worker(app, later=timedelta(minutes=5)) == {"events": {}, "replies": {}, "profiles": {}}
    assert len(fake_line.deliveries) == 1  # exactly once


def test_link_without_a_link_token_is_left_to_the_worker(app, chat, fake_line, user, db):
    chat(fake_line.follow_event(user))
    fake_line.clear()
    fake_line.outage(503, 5.0)

    assert timed(chat, fake_line.text_event(user, "連携")) < LINE_LIMIT_S
    event = rows(db, LineEvent, LineEvent.type == "message")[0]
    assert event.status == "received" and event.attempts == 1  # nothing done, nothing lost
    assert fake_line.deliveries == []

    fake_line.recover()
    assert worker(app)["events"] == {"processed": 1}
    [url] = link_urls(fake_line, user)
    assert len(fake_line.replies()) == 1 and url.startswith("https://test-shop.myshopify.com/apps/tsunagu/link")
    assert worker(app) == {"events": {}, "replies": {}, "profiles": {}}
    assert len(fake_line.deliveries) == 1


def test_a_link_taken_up_after_the_reply_token_lapsed_is_pushed_once(app, chat, fake_line, user, db):
    chat(fake_line.follow_event(user))
    fake_line.clear()
    fake_line.outage(500)
    two_minutes_ago = int((time.time() - 120) * 1000)
    chat(fake_line.text_event(user, "連携", timestamp=two_minutes_ago))

    fake_line.recover()
    done = worker(app)
    assert done["events"] == {"processed": 1} and done["replies"] == {"pushed": 1}
    assert fake_line.replies() == [] and len(fake_line.pushes()) == 1
    assert len(link_urls(fake_line, user)) == 1
    assert worker(app)["replies"] == {} and len(fake_line.pushes()) == 1


def test_a_push_the_worker_retries_uses_one_retry_key(app, chat, fake_line, user, db):
    """The fallback push derives its retry key from the event: LINE accepted it, the worker
    saw an error, the retry is answered 409 and nobody gets it twice."""
    chat(fake_line.follow_event(user))
    fake_line.clear()
    fake_line.outage(500)
    chat(fake_line.text_event(user, "ヘルプ", timestamp=int((time.time() - 120) * 1000)))
    assert rows(db, LineEvent, LineEvent.type == "message")[0].status == "unanswered"
    fake_line.recover()
    fake_line.fail_after_accept_next(5, status=500, path="/v2/bot/message/push")
    worker(app)
    assert rows(db, LineEvent, LineEvent.type == "message")[0].status == "unanswered"
    worker(app)
    assert rows(db, LineEvent, LineEvent.type == "message")[0].status == "processed"
    assert len(fake_line.pushes()) == 1 and len(fake_line.accepted_retry_keys()) == 1


def test_a_search_reply_is_kept_while_line_is_slow(app, chat, fake_line, user, db, catalog):
    catalog(product(title="宇治 煎茶"))
    chat(fake_line.follow_event(user))
    fake_line.clear()
    fake_line.outage(503, 5.0)

    assert timed(chat, fake_line.text_event(user, "煎茶")) < LINE_LIMIT_S
    fake_line.recover()
    assert worker(app)["replies"] == {"replied": 1}
    [reply] = fake_line.replies()
    assert reply.messages[0]["type"] == "flex"


def test_later_events_of_a_request_do_not_each_wait_for_a_down_line(app, chat, fake_line, db):
    """After one LINE call failed, the other events of the request go on without LINE."""
    from tests.fakes.line import new_user_id

    users = [new_user_id() for _ in range(3)]
    for user in users:
        fake_line.add_user(user, "ゆうた")
    fake_line.outage(503, 5.0)
    assert timed(chat, *[fake_line.follow_event(user) for user in users]) < LINE_LIMIT_S
    assert len([r for r in fake_line.requests if r.path.startswith("/v2/bot/")]) == 1
    fake_line.recover()
    worker(app)
    assert len(fake_line.replies()) == 3 and all(friend_of(db, u).display_name == "ゆうた" for u in users)
