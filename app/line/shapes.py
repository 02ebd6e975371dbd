"""The documented shape of a LINE webhook event, checked before anything acts on it.

A signed body is LINE's, but its shape is still only what the Messaging API reference
promises: a handler reading `event["message"]["text"]` must not meet a number there and
crash with a traceback as its only explanation. `problem()` names what an event of a
handled type lacks (the event is then marked failed with that reason); `storable()` makes
any event fit the JSON column it is kept in (PostgreSQL refuses NUL, lone surrogates and
NaN; every database refuses what json cannot write back).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from ..db import storable_text

MAX_DEPTH = 32  # LINE's events nest four or five levels; deeper is kept only as a marker
USER_ID = re.compile(r"U[0-9a-f]{32}")  # the Messaging API answers 400 to any other shape
MAX_MILLIS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z, the last moment datetime holds

# Per handled event type: the member that must be an object, and its members that must be strings.
_PARTS = {
    "message": ("message", ("type",)),
    "postback": ("postback", ("data",)),
    "accountLink": ("link", ("result",)),
    "unsend": ("unsend", ("messageId",)),
}
_OPTIONAL_OBJECTS = ("follow", "deliveryContext")


def part(event: dict, key: str) -> dict:
    """`event[key]` when it is an object, else an empty one."""
    value = event.get(key)
    return value if isinstance(value, dict) else {}


def occurred_at(millis) -> datetime | None:
    """The event's `timestamp` (milliseconds) as a time, when it is one a datetime can hold."""
    if isinstance(millis, bool) or not isinstance(millis, (int, float)):
        return None
    if not (isinstance(millis, int) or math.isfinite(millis)) or not 0 <= millis <= MAX_MILLIS:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def problem(event) -> str | None:
    """Why a handler cannot use this event, or None when it has the documented shape."""
    if not isinstance(event, dict):
        return "the event is not an object"
    user_id = part(event, "source").get("userId")
    if not isinstance(user_id, str) or not USER_ID.fullmatch(user_id):
        return "source.userId is not a LINE user id"
    token = event.get("replyToken")
    if token is not None and not isinstance(token, str):
        return "replyToken is not a string"
    for key in _OPTIONAL_OBJECTS:
        if event.get(key) is not None and not isinstance(event.get(key), dict):
            return f"{key} is not an object"
    millis = event.get("timestamp")
    if isinstance(millis, (int, float)) and not isinstance(millis, bool) and occurred_at(millis) is None:
        return "timestamp is out of range"
    kind = event.get("type")
    if kind not in _PARTS:
        return None
    key, strings = _PARTS[kind]
    if not isinstance(event.get(key), dict):
        return f"the {kind} event has no {key} object"
    for name in strings:
        if not isinstance(event[key].get(name), str):
            return f"{key}.{name} is not a string"
    if kind == "message" and event[key]["type"] == "text" and not isinstance(event[key].get("text"), str):
        return "message.text is not a string"
    if kind == "accountLink" and not isinstance(event[key].get("nonce", ""), str):
        return "link.nonce is not a string"
    return None


def storable(value, depth: int = 0):
    """A copy of `value` every database's JSON column accepts."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if not isinstance(value, (dict, list)):
        return value
    if depth >= MAX_DEPTH:
        return "(nested too deep)"
    if isinstance(value, dict):
        return {storable_text(str(k)): storable(v, depth + 1) for k, v in value.items()}
    return [storable(v, depth + 1) for v in value]
