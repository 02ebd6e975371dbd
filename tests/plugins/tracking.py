"""Tracking fixtures: a browser-like click on /r/<token>, messages pushed through the
outbox, and a resolver from a pushed /r/ URI to its target."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from app.models import TrackedLink
from tests.helpers import rows

APP_URL = "https://tsunagu.test"
BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 Safari Line/14.19.1"
)


def token_of(uri: str) -> str:
    parts = urlsplit(uri)
    assert f"{parts.scheme}://{parts.netloc}" == APP_URL and parts.path.startswith("/r/"), uri
    return parts.path.removeprefix("/r/")


def resolve(db, uri: str) -> str:
    """The store URL a pushed /r/ link leads to (what flow tests compare with)."""
    found = rows(db, TrackedLink, TrackedLink.token == token_of(uri))
    assert len(found) == 1, uri
    return found[0].target


@pytest.fixture
def click(client):
    def follow(token: str, *, method: str = "GET", agent: str = BROWSER, query: str = ""):
        return client.open(f"/r/{token}{query}", method=method, headers={"User-Agent": agent})

    return follow


def card(*uris: str, text: str = "お買い物カゴに商品が残っています") -> list[dict]:
    """A text and a Flex bubble with one button per URI."""
    buttons = [
        {"type": "button", "action": {"type": "uri", "label": f"ボタン{i}", "uri": u}} for i, u in enumerate(uris)
    ]
    bubble = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "contents": [{"type": "text", "text": "カート"}]},
        "footer": {"type": "box", "layout": "vertical", "contents": buttons},
    }
    return [{"type": "text", "text": text}, {"type": "flex", "altText": text, "contents": bubble}]


@pytest.fixture
def pushed(db, shop, put, dispatch, fake_line):
    """Schedule `messages` for `recipient` (a linked friend) as a flow would, send them at `at`; the Notification."""

    def send(
        recipient,
        messages: list[dict],
        at: str,
        *,
        flow: str = "order_confirmation",
        key: str | None = None,
        context: dict | None = None,
    ):
        from app.models import Notification

        row = put(recipient, flow, at, key=key, context=context)
        db.get(Notification, row.id).messages = messages
        db.commit()
        dispatch(at)
        db.expire_all()
        return db.get(Notification, row.id)

    return send
