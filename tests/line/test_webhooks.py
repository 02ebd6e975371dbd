"""POST /line/webhook: destination → channel → signature → record (dedupe) → handle."""

from __future__ import annotations

import json

import pytest

from app import ext
from app.line import handlers
from app.models import LineEvent, LineFriend
from tests.fakes import line_events
from tests.helpers import count, rows
from tests.plugins.line import CHANNEL_SECRET, friend_of


def test_signed_text_event_is_recorded_and_answered(chat, fake_line, user, db):
    response = chat(fake_line.text_event(user, "こんにちは"))

    assert response.status_code == 200
    [event] = rows(db, LineEvent)
    assert (event.type, event.status, event.line_user_id) == ("message", "processed", user)
    [reply] = fake_line.replies()
    assert reply.to == user and "見つかりませんでした" in reply.messages[0]["text"]


def test_multibyte_emoji_text_is_signed_and_verified_on_raw_bytes(client, fake_line, channel, user, db):
    event = fake_line.text_event(user, "🍵抹茶ラテ🧋、ありますか？")
    raw = json.dumps({"destination": fake_line.bot_user_id, "events": [event]}, ensure_ascii=False).encode()
    assert "🍵".encode() in raw  # UTF-8 on the wire, not \\u escapes
    headers = {"Content-Type": "application/json", "x-line-signature": line_events.signature(CHANNEL_SECRET, raw)}

    assert client.post("/line/webhook", data=raw, headers=headers).status_code == 200
    tampered = raw.replace("抹茶".encode(), "煎茶".encode())
    assert client.post("/line/webhook", data=tampered, headers=headers).status_code == 400
    assert count(db, LineEvent) == 1


@pytest.mark.parametrize("case", ["bad-signature", "missing-signature", "wrong-secret"])
def test_bad_signature_gets_400_and_stores_nothing(client, fake_line, channel, user, db, case):
    raw, headers = fake_line.webhook_request(
        [fake_line.follow_event(user)], secret="0" * 32 if case == "wrong-secret" else None
    )
    if case == "bad-signature":
        headers["x-line-signature"] = headers["x-line-signature"][:-4] + "AAA="
    if case == "missing-signature":
        del headers["x-line-signature"]

    response = client.post("/line/webhook", data=raw, headers=headers)

    assert response.status_code == 400
    assert response.get_json() == {"error": "line.webhook.invalid-signature"}
    assert count(db, LineEvent) == 0 and count(db, LineFriend) == 0 and fake_line.replies() == []


def test_unknown_destination_gets_400(chat, fake_line, user, db):
    response = chat(fake_line.follow_event(user), destination="U" + "0" * 32)

    assert response.status_code == 400 and response.get_json() == {"error": "line.webhook.unknown-destination"}
    assert count(db, LineEvent) == 0


@pytest.mark.parametrize("body", [b"{not json", b'"a string"', b'{"destination": "U1"}', b"\xff\xfe"])
def test_malformed_json_gets_400(client, channel, body, db):
    response = client.post("/line/webhook", data=body, headers={"x-line-signature": "x"})

    assert response.status_code == 400 and response.get_json() == {"error": "line.webhook.invalid-json"}
    assert count(db, LineEvent) == 0


def test_verification_ping_with_no_events_gets_200(chat, db):
    assert chat().status_code == 200
    assert count(db, LineEvent) == 0


def test_redelivered_event_is_handled_once(chat, fake_line, user, db):
    event = fake_line.text_event(user, "注文")
    chat(event)
    again = {**event, "deliveryContext": {"isRedelivery": True}}
    assert chat(again).status_code == 200
    assert chat(event).status_code == 200

    assert count(db, LineEvent) == 1
    assert len(fake_line.replies()) == 1


def test_group_source_is_recorded_and_ignored(chat, fake_line, user, db):
    chat(fake_line.group_text_event("C" + "1" * 32, user, "注文"))

    [event] = rows(db, LineEvent)
    assert (event.source_type, event.status) == ("group", "ignored")
    assert fake_line.replies() == [] and count(db, LineFriend) == 0


def test_unknown_event_type_is_recorded_and_ignored(chat, fake_line, user, db):
    beacon = {**line_events.follow_event(user), "type": "beacon", "beacon": {"hwid": "d41d8cd98f", "type": "enter"}}
    assert chat(beacon).status_code == 200

    [event] = rows(db, LineEvent)
    assert (event.type, event.status) == ("beacon", "ignored")


def test_a_failing_handler_does_not_stop_the_other_events(chat, fake_line, user, db, monkeypatch):
    def broken(chat):
        raise RuntimeError("bug in follow")

    monkeypatch.setitem(handlers.EVENT_HANDLERS, "follow", broken)
    other = line_events.new_user_id()
    response = chat(fake_line.follow_event(user), fake_line.text_event(other, "help"))

    assert response.status_code == 200
    statuses = {e.type: (e.status, e.error) for e in rows(db, LineEvent)}
    assert statuses["follow"] == ("failed", "RuntimeError: bug in follow")
    assert statuses["message"] == ("processed", None)
    assert len(fake_line.replies()) == 1


def test_reply_failure_keeps_the_state_change(chat, fake_line, user, db):
    fake_line.fail_next(10, status=400, path="/v2/bot/message/reply")
    chat(fake_line.follow_event(user))

    friend = friend_of(db, user)
    assert friend is not None and friend.followed_at is not None
    [event] = rows(db, LineEvent)
    assert event.status == "processed" and event.error.startswith("reply failed: LINE 400")
    assert event.pending_reply is None  # a refused reply is not retried (tests/line/test_line_slow.py: a 5xx is)


def test_event_left_by_a_crash_is_handled_by_the_worker(app, chat, fake_line, user, db, monkeypatch):
    from app.line import events as line_event_module
    from app.line.events import ORPHAN_AFTER, process_orphaned_events
    from app.timeutil import utcnow

    monkeypatch.setattr(line_event_module, "handle_events", lambda **_: {})  # the process "died" here
    import app.line.webhooks as route

    monkeypatch.setattr(route, "handle_events", lambda **_: {})
    chat(fake_line.follow_event(user))
    assert rows(db, LineEvent)[0].status == "received" and friend_of(db, user) is None
    monkeypatch.undo()

    with app.app_context():
        done = process_orphaned_events(engine=ext.engine(app), now=utcnow() + ORPHAN_AFTER)

    assert done == {"processed": 1}
    assert friend_of(db, user).followed_at is not None


def test_past_the_time_budget_the_first_event_is_answered_and_the_rest_left_to_the_worker(
    app, chat, fake_line, user, db, monkeypatch
):
    """LINE waits 2 s: the request answers the first event whatever happens, stops there
    when its budget is spent, and the worker handles the rest (reply tokens last a minute)."""
    import app.line.webhooks as route
    from app.line.events import ORPHAN_AFTER, process_orphaned_events
    from app.timeutil import utcnow

    monkeypatch.setattr(route, "HANDLING_BUDGET_S", -1.0)
    response = chat(fake_line.text_event(user, "注文"), fake_line.text_event(user, "配信停止"))

    assert response.status_code == 200
    assert sorted(e.status for e in rows(db, LineEvent)) == ["processed", "received"]
    assert len(fake_line.replies()) == 1
    with app.app_context():
        done = process_orphaned_events(engine=ext.engine(app), now=utcnow() + ORPHAN_AFTER)
    assert done == {"processed": 1} and len(fake_line.replies()) == 2
