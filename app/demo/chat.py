"""`flask --app wsgi chat "<text>"`: talk to the demo bot as one of its friends.

The text becomes a correctly signed LINE webhook event sent through the real route
(/line/webhook); the demo channel runs dry, so the reply LINE would have received is
read back from the dry-run captures.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

from flask import Flask
from sqlalchemy import func
from sqlmodel import Session, select

from .. import ext
from ..ext import vault
from ..line.preview import describe
from ..models import LineChannel, LineDryRun, LineFriend, Shop
from .catalog import DEMO_SHOP_DOMAIN


class ChatError(RuntimeError):
    pass


def _pick_friend(*, session: Session, shop: Shop, who: str | None) -> LineFriend:
    query = select(LineFriend).where(LineFriend.shop_id == shop.id, LineFriend.is_blocked.is_(False))
    if who:
        query = query.where((LineFriend.display_name == who) | (LineFriend.line_user_id == who))
    else:  # a linked friend by default, so "注文" has something to show
        query = query.order_by(LineFriend.customer_id.is_(None), LineFriend.id)
    friend = session.exec(query).first()
    if friend is None:
        raise ChatError(f"no demo friend called {who!r}" if who else "the demo store has no friends; run `flask demo`")
    return friend


def text_event(user_id: str, text: str) -> dict:
    return {
        "type": "message",
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        "replyToken": secrets.token_hex(16),
        "webhookEventId": "01" + secrets.token_hex(12).upper(),
        "deliveryContext": {"isRedelivery": False},
        "message": {
            "id": str(secrets.randbelow(10**17)),
            "type": "text",
            "quoteToken": secrets.token_hex(8),
            "text": text,
        },
    }


def send_chat(app: Flask, text: str, who: str | None = None) -> str:
    """Send `text` as a friend of the demo store and return the bot's answer as text."""
    engine = ext.engine(app)
    with Session(engine) as session:
        shop = session.exec(select(Shop).where(Shop.domain == DEMO_SHOP_DOMAIN)).first()
        channel = session.exec(select(LineChannel).where(LineChannel.shop_id == shop.id)).first() if shop else None
        if channel is None:
            raise ChatError("no demo store; run `flask --app wsgi demo` first")
        friend = _pick_friend(session=session, shop=shop, who=who)
        last = session.exec(select(func.max(LineDryRun.id))).one() or 0
        secret = vault().decrypt(channel.channel_secret_enc)
    body = json.dumps(
        {"destination": channel.bot_user_id, "events": [text_event(friend.line_user_id, text)]}, ensure_ascii=False
    ).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    response = app.test_client().post(
        "/line/webhook",
        data=body,
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
        headers={"Content-Type": "application/json", "x-line-signature": signature},
    )
    if response.status_code != 200:
        raise ChatError(f"the webhook answered {response.status_code}: {response.get_data(as_text=True)}")
    with Session(engine) as session:
        captured = session.exec(select(LineDryRun).where(LineDryRun.id > last).order_by(LineDryRun.id)).all()
    replies = [m for c in captured if c.kind == "reply" for m in c.body.get("messages", [])]
    header = f"{friend.display_name} ({friend.line_user_id[:9]}…) → {text}"
    return header + "\n" + ("\n---\n".join(describe(m) for m in replies) if replies else "(no reply)")
