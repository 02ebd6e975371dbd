"""Signed LINE events of the wrong shape that bench/fuzz.py found crashing: each is answered
200 (or 400 for a body no parser reads), recorded, and ends failed with "unusable event: …"
or ignored, never with a traceback or a 500."""

from __future__ import annotations

import json

import pytest

from app.models import LineEvent
from tests.fakes import line_events
from tests.helpers import rows
from tests.plugins.line import CHANNEL_SECRET


def _post(client, fake_line, raw: bytes):
    headers = {"Content-Type": "application/json", "x-line-signature": line_events.signature(CHANNEL_SECRET, raw)}
    return client.post("/line/webhook", data=raw, headers=headers)


def _events_body(fake_line, events_json: str) -> bytes:
    return ('{"destination": "%s", "events": %s}' % (fake_line.bot_user_id, events_json)).encode()  # noqa: UP031


def test_body_nested_past_pythons_limit_gets_400(client, fake_line, channel, db):
    raw = _events_body(fake_line, "[" + "[" * 50_000 + "]" * 50_000 + "]")

    response = _post(client, fake_line, raw)

    assert response.status_code == 400 and response.get_json() == {"error": "line.webhook.invalid-json"}
    assert rows(db, LineEvent) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"message": 3.5}, "the message event has no message object"),
        ({"message": {"id": "1", "type": "text", "text": 5}}, "message.text is not a string"),
        ({"replyToken": 12}, "replyToken is not a string"),
        ({"deliveryContext": True}, "deliveryContext is not an object"),
        ({"timestamp": 10**20}, "timestamp is out of range"),
        ({"source": {"type": "user"}}, "source.userId is not a LINE user id"),
        ({"source": {"type": "user", "userId": "U-not-an-id"}}, "source.userId is not a LINE user id"),
    ],
)
def test_a_message_event_of_the_wrong_shape_fails_with_the_reason(chat, fake_line, user, db, change, reason):
    event = {**fake_line.text_event(user, "注文"), **change}

    assert chat(event).status_code == 200

    [row] = rows(db, LineEvent)
    assert (row.status, row.error) == ("failed", f"unusable event: {reason}")
    assert fake_line.replies() == []


@pytest.mark.parametrize(
    ("kind", "member", "reason"),
    [
        ("postback", {"postback": "action=link"}, "the postback event has no postback object"),
        ("accountLink", {"link": {"result": None}}, "link.result is not a string"),
        ("unsend", {"unsend": 1.0}, "the unsend event has no unsend object"),
        ("follow", {"follow": [True]}, "follow is not an object"),
    ],
)
def test_other_handled_types_of_the_wrong_shape_fail_with_the_reason(chat, fake_line, user, db, kind, member, reason):
    event = {**line_events.base_event(kind, line_events.user_source(user)), **member}

    assert chat(event).status_code == 200

    [row] = rows(db, LineEvent)
    assert (row.status, row.error) == ("failed", f"unusable event: {reason}")


def test_an_unhandled_type_is_ignored_whatever_its_shape(chat, fake_line, user, db):
    event = {**line_events.base_event("beacon", line_events.user_source(user)), "beacon": 7, "replyToken": 1}

    assert chat(event).status_code == 200

    [row] = rows(db, LineEvent)
    assert row.status == "ignored"


def test_nul_lone_surrogates_and_nan_are_stored_in_a_form_every_database_takes(client, fake_line, channel, user, db):
    event = fake_line.text_event(user, "x")
    raw = json.dumps(event).replace('"text": "x"', '"text": "a\\u0000b\\ud800", "extra": NaN')

    assert _post(client, fake_line, _events_body(fake_line, f"[{raw}]")).status_code == 200

    [row] = rows(db, LineEvent)
    assert row.body["message"]["text"] == "ab?" and row.body["message"]["extra"] is None
    assert row.status == "processed"
