"""Tracked links: at send time every http(s) URI action of a message becomes {APP_URL}/r/<token>.

One TrackedLink per distinct URI per notification. The token is an HMAC of the
notification id and the URI under the app's secret key (96 bits, unguessable without the
key), so a retry of the same notification derives the same tokens, and the insert that
records them ignores the ones already there: exactly one row per link however many times
the row is retried, even by two workers at once. Rows already recorded for the
notification are looked up first, so a rotated SECRET_KEY does not change them either.

Text-message URLs are left as they are (LINE previews them; shoppers see the address).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
from collections.abc import Iterator

from sqlalchemy.engine import Engine
from sqlmodel import select

from ..db import insert_ignoring_conflict, session_scope
from ..ext import settings
from ..models import Notification, TrackedLink
from ..timeutil import utcnow

TOKEN_BYTES = 12  # 96 bits → 16 URL-safe characters
_TABLE = TrackedLink.__table__


def token_for(notification_id, uri: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"link\n{notification_id}\n{uri}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:TOKEN_BYTES]).decode()


def is_web(uri) -> bool:
    return isinstance(uri, str) and uri.strip().lower().startswith(("https://", "http://"))


def _uri_slots(node) -> Iterator[tuple[dict, str]]:
    """(dict, key) of every http(s) URI an action opens: Flex buttons, heroes and boxes
    (action, defaultAction), template actions, quick replies, imagemaps (linkUri)."""
    if isinstance(node, list):
        for item in node:
            yield from _uri_slots(item)
    elif isinstance(node, dict):
        if node.get("type") == "uri":
            for key in ("uri", "linkUri"):
                if is_web(node.get(key)):
                    yield node, key
            desktop = node.get("altUri")
            if isinstance(desktop, dict) and is_web(desktop.get("desktop")):
                yield desktop, "desktop"
        for value in node.values():
            if isinstance(value, (dict, list)):
                yield from _uri_slots(value)


def targets(messages: list[dict]) -> list[str]:
    """The distinct web URIs the messages' actions open, in order of appearance."""
    return list(dict.fromkeys(slot[key] for slot, key in _uri_slots(messages)))


def short_url(token: str) -> str:
    return f"{settings().app_url}/r/{token}"


def rewrite(engine: Engine, row: Notification, messages: list[dict]) -> list[dict]:
    """The messages with every web URI action sent through /r/<token> (rows recorded
    before the push, reused on a retry). Messages without links cost no query."""
    uris = targets(messages)
    if not uris:
        return messages
    tokens = record(engine, row, uris)
    rewritten = copy.deepcopy(messages)
    for slot, key in _uri_slots(rewritten):
        slot[key] = short_url(tokens[slot[key]])
    return rewritten


def record(engine: Engine, row: Notification, uris: list[str]) -> dict[str, str]:
    """target → token for this notification, creating the rows not there yet."""
    secret = settings().secret_key
    with session_scope(engine) as s:
        known = dict(
            s.exec(select(TrackedLink.target, TrackedLink.token).where(TrackedLink.notification_id == row.id)).all()
        )
        missing = [u for u in uris if u not in known]
        if missing:
            insert = insert_ignoring_conflict(engine.dialect.name, _TABLE, ("token",))
            now = utcnow()
            for uri in missing:
                token = known[uri] = token_for(row.id, uri, secret)
                s.execute(
                    insert,
                    {
                        "shop_id": row.shop_id,
                        "token": token,
                        "notification_id": row.id,
                        "customer_id": row.customer_id,
                        "flow": row.flow,
                        "target": uri,
                        "clicks": 0,
                        "created_at": now,
                    },
                )
    return {u: known[u] for u in uris}
