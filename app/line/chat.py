"""The context a chat handler works in: who wrote, in which shop, and how to answer."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlmodel import Session

from .. import i18n
from ..models import LineChannel, LineEvent, LineFriend, Shop
from . import texts
from .client import LineClient, LineError

log = logging.getLogger("tsunagu.line")
REPLY_MAX_MESSAGES = 5


@dataclass
class Chat:
    session: Session
    shop: Shop
    channel: LineChannel
    client: LineClient
    event: dict
    row: LineEvent
    friend: LineFriend | None
    prefetched: dict = field(default_factory=dict)  # asked of LINE before the transaction
    captured: list = field(default_factory=list)  # dry-run requests, recorded afterwards
    replies: list[dict] = field(default_factory=list)

    @property
    def lang(self) -> str:
        """The shopper's language (app.i18n's rule; a chat always speaks to a shopper)."""
        return i18n.language(shop=self.shop, friend=self.friend or texts.Speaker())

    def t(self, key: str, **values) -> str:
        """What the bot says for catalog key `key` ("line.chat.help"): the merchant's text
        if they rewrote it, in the shopper's language."""
        return texts.text(self.shop, key, self.lang, **values)

    def reply(self, *messages: dict) -> None:
        """Queue messages; they go out in one reply call (free) after the handler."""
        self.replies.extend(messages)

    def profile(self) -> dict | None:
        if "profile" in self.prefetched:
            return self.prefetched["profile"]
        return self.client.profile(self.friend.line_user_id)

    def link_token(self) -> str:
        return self.prefetched.get("link_token") or self.client.issue_link_token(self.friend.line_user_id)

    def send_replies(self) -> str | None:
        """Send what the handler queued (after its transaction committed). A failure is
        returned to be recorded, never raised: the state change stays."""
        token = self.event.get("replyToken")
        if not self.replies or not token:
            return None
        try:
            self.client.reply(token, self.replies[:REPLY_MAX_MESSAGES])
        except LineError as exc:
            log.warning("reply failed event=%s status=%s", self.row.webhook_event_id, exc.status)
            return f"reply failed: {exc}"
        return None
