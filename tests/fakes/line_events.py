"""LINE webhook events and their signing, shaped exactly like the Messaging API reference.

Pure functions, so a test can build a body without a running fake; `FakeLine` wraps the
builders that carry a reply token so the token it puts in the event is one it will honour.
Every builder yields what LINE sends: `type`, `mode`, `timestamp` (ms), `source`,
`webhookEventId` (a ULID), `deliveryContext`, plus `replyToken` only on the event types
LINE lets you reply to (never on unfollow/unsend, nor on a failed account link).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_user_id() -> str:
    """A LINE user ID: "U" and 32 lowercase hex digits (the API rejects other shapes)."""
    return "U" + secrets.token_hex(16)


def new_group_id() -> str:
    return "C" + secrets.token_hex(16)


def new_reply_token() -> str:
    return secrets.token_hex(16)


def new_message_id() -> str:
    """Message IDs are decimal strings of 18 digits (they overflow a JS number: keep str)."""
    return str(secrets.randbelow(9 * 10**17) + 10**17)


def new_quote_token() -> str:
    return secrets.token_urlsafe(96)[:128]


def webhook_event_id(ms: int | None = None) -> str:
    """A 26-character ULID: 48-bit millisecond time then 80 random bits, Crockford base32."""
    value = ((ms if ms is not None else int(time.time() * 1000)) << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        value, digit = divmod(value, 32)
        chars.append(_CROCKFORD[digit])
    return "".join(reversed(chars))


def user_source(user_id: str) -> dict:
    return {"type": "user", "userId": user_id}


def group_source(group_id: str, user_id: str | None) -> dict:
    """A group source; LINE omits userId when the sender has not consented to share it."""
    source = {"type": "group", "groupId": group_id}
    if user_id:
        source["userId"] = user_id
    return source


def base_event(
    event_type: str,
    source: dict,
    *,
    reply_token: str | None = None,
    event_id: str | None = None,
    redelivery: bool = False,
    timestamp: int | None = None,
) -> dict:
    """The fields every webhook event has, in the order LINE writes them."""
    ms = timestamp if timestamp is not None else int(time.time() * 1000)
    event = {
        "type": event_type,
        "mode": "active",
        "timestamp": ms,
        "source": source,
        "webhookEventId": event_id or webhook_event_id(ms),
        "deliveryContext": {"isRedelivery": redelivery},
    }
    if reply_token:
        event["replyToken"] = reply_token
    return event


def text_event(
    user_id: str,
    text: str,
    *,
    reply_token: str | None = None,
    message_id: str | None = None,
    source: dict | None = None,
    **common,
) -> dict:
    """A text message from a user (or, with `source`, from a group member)."""
    event = base_event(
        "message", source or user_source(user_id), reply_token=reply_token or new_reply_token(), **common
    )
    event["message"] = {
        "id": message_id or new_message_id(),
        "type": "text",
        "quoteToken": new_quote_token(),
        "text": text,
    }
    return event


def group_text_event(group_id: str, user_id: str | None, text: str, **kwargs) -> dict:
    return text_event(user_id or "", text, source=group_source(group_id, user_id), **kwargs)


def follow_event(user_id: str, *, reply_token: str | None = None, unblocked: bool = False, **common) -> dict:
    """Friend added (`isUnblocked` true when the user had blocked the account before)."""
    event = base_event("follow", user_source(user_id), reply_token=reply_token or new_reply_token(), **common)
    event["follow"] = {"isUnblocked": unblocked}
    return event


def unfollow_event(user_id: str, **common) -> dict:
    """Blocked: no reply token, the account can no longer message this user."""
    return base_event("unfollow", user_source(user_id), **common)


def postback_event(
    user_id: str, data: str, *, reply_token: str | None = None, params: dict | None = None, **common
) -> dict:
    event = base_event("postback", user_source(user_id), reply_token=reply_token or new_reply_token(), **common)
    event["postback"] = {"data": data}
    if params:
        event["postback"]["params"] = params
    return event


def account_link_event(
    user_id: str, nonce: str, *, result: str = "ok", reply_token: str | None = None, **common
) -> dict:
    """Account link finished; LINE leaves replyToken out when `result` is "failed"."""
    token = (reply_token or new_reply_token()) if result == "ok" else None
    event = base_event("accountLink", user_source(user_id), reply_token=token, **common)
    event["link"] = {"result": result, "nonce": nonce}
    return event


def unsend_event(user_id: str, message_id: str, **common) -> dict:
    event = base_event("unsend", user_source(user_id), **common)
    event["unsend"] = {"messageId": message_id}
    return event


def webhook_body(events: list[dict], destination: str) -> bytes:
    """The raw body as LINE sends it: UTF-8 JSON, multibyte text not escaped."""
    return json.dumps({"destination": destination, "events": events}, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def signature(secret: str, raw: bytes) -> str:
    """x-line-signature: base64(HMAC-SHA256(channel secret, raw body bytes))."""
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


def webhook_headers(secret: str, raw: bytes) -> dict:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "LineBotWebhook/2.0",
        "x-line-signature": signature(secret, raw),
    }
