"""The context a chat handler works in: who wrote, in which shop, and how to answer."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlmodel import Session

from .. import i18n
from ..models import LineChannel, LineEvent, LineFriend, Shop
from . import texts
from .client import LineClient

log = logging.getLogger("tsunagu.line")


class NotYet(RuntimeError):
    """The handler needs what LINE did not give in time: nothing is changed, and the event
    stays received for the worker, which asks LINE again."""


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

    def link_token(self) -> str:
        """The link token asked of LINE before the transaction; without one the event
        waits for the worker (a handler never calls LINE itself)."""
        token = self.prefetched.get("link_token")
        if not token:
            raise NotYet("link token")
        return token
