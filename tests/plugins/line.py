"""LINE fixtures: a fake LINE over HTTP, a connected channel of the test shop (with its LINE
Login channel: `login_channel`), a shopper who is a LINE user, and a chat helper that sends
events through the real webhook.

The app talks to the fake whenever a test uses `fake_line` (see the `settings` fixture).
"""

from __future__ import annotations

import secrets

import pytest

from app import ext
from app.models import LineChannel, LineFriend
from app.timeutil import utcnow
from tests.fakes.line import FakeLine, new_user_id
from tests.fakes.server import LiveServer
from tests.helpers import rows

CHANNEL_SECRET = secrets.token_hex(16)
ACCESS_TOKEN = "line-token-" + secrets.token_hex(20)


@pytest.fixture
def fake_line():
    fake = FakeLine(
        channel_secret=CHANNEL_SECRET, access_token=ACCESS_TOKEN, display_name="テストショップ公式", quota=None
    )
    with LiveServer(fake) as server:
        fake.url = server.url
        yield fake


@pytest.fixture
def channel(db, app, shop, fake_line):
    vault = ext.vault(app)
    row = LineChannel(
        shop_id=shop.id,
        bot_user_id=fake_line.bot_user_id,
        basic_id=fake_line.basic_id,
        display_name="テストショップ公式",
        channel_secret_enc=vault.encrypt(CHANNEL_SECRET),
        access_token_enc=vault.encrypt(ACCESS_TOKEN),
        connected_at=utcnow(),
        webhook_ok_at=utcnow(),
    )
    db.add(row)
    db.commit()
    return row


@pytest.fixture
def login_channel(db, channel, fake_line, app):
    """The channel with the LINE Login channel of the same provider (the store's LINE button)."""
    channel.login_channel_id = fake_line.login_channel_id
    channel.login_channel_secret_enc = ext.vault(app).encrypt(fake_line.login_channel_secret)
    db.add(channel)
    db.commit()
    return channel


@pytest.fixture
def user(fake_line):
    user_id = new_user_id()
    fake_line.add_user(user_id, "はなこ", language="ja")
    return user_id


@pytest.fixture
def chat(client, fake_line, channel):
    """Send LINE events through the real webhook route; returns the response."""

    def send(*events, secret=None, destination=None):
        raw, headers = fake_line.webhook_request(list(events), secret=secret, destination=destination)
        return client.post("/line/webhook", data=raw, headers=headers)

    return send


def friend_of(db, user_id: str) -> LineFriend | None:
    found = rows(db, LineFriend, LineFriend.line_user_id == user_id)
    return found[0] if found else None
