"""What a chat handler needs from LINE (a new friend's profile, a link token) or from a
slow read (a search), fetched before its write transaction opens — and how long LINE may
take while a webhook request waits.

A handler never calls LINE: what the prefetch could not get is missing from
`Chat.prefetched`, and the handler goes on without it (a follow is greeted without the
name, app/line/profiles.py asks for it later) or leaves the event to the worker
(`chat.NotYet`: "連携" without a link token).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from .. import i18n
from ..models import LineChannel, LineEvent, LineEventStatus, LineFriend, Shop
from ..search import chat as search_chat
from . import channels, texts
from .client import LineClient, LineError
from .commands import prefetch_needs

log = logging.getLogger("tsunagu.line")

PREFETCH_S = 0.6  # a profile or link token, inside a webhook request
REPLY_S = 1.0  # the reply, inside a webhook request
# Each call gets at least this, even when the request itself ran late (a loaded machine):
# the budget exists to keep a slow LINE from holding the answer, not to skip a healthy one.
FLOOR_S = 0.3


@dataclass
class LineBudget:
    """How LINE is called while events are handled. In a webhook request (`deadline`, a
    time.monotonic() by which LINE must be done, inside LINE's 2 s) each call is a single
    attempt within what is left; in the worker (no deadline) calls keep their timeouts and
    retries. Once a call has failed, LINE counts as down for the rest of the run: the other
    events go on without it instead of each waiting for it in turn."""

    deadline: float | None = None
    down: bool = False

    def client(self, client: LineClient, cap: float) -> LineClient | None:
        """`client` for one call, or None when LINE is down for this run."""
        if self.down:
            return None
        if self.deadline is None:
            return client
        return client.within(max(FLOOR_S, min(cap, self.deadline - time.monotonic())))

    def failed(self, exc: LineError) -> None:
        if exc.retryable:
            self.down = True


def channel_client(*, session: Session, row: LineEvent, captured: list) -> tuple[Shop, LineChannel, LineClient]:
    shop = session.get(Shop, row.shop_id)
    channel = session.get(LineChannel, row.channel_id)
    return shop, channel, channels.client_for(channel, shop=shop, captured=captured)


def prefetch(engine: Engine, event_id: int, budget: LineBudget) -> dict:
    """What the event's handler will want, asked with no transaction open."""
    with Session(engine) as session:  # a plain read: takes no write lock
        row = session.get(LineEvent, event_id)
        if row is None or row.status != LineEventStatus.RECEIVED or not row.line_user_id:
            return {}
        wants = prefetch_needs(row.type, row.body or {})
        if not wants:
            return {}
        fetched: dict = {}
        if "search" in wants:  # read-only work: done here, the handler only logs and replies
            fetched["search"] = _prepare_search(session=session, row=row)
            wants.discard("search")
        if "link_token" in wants and _linked(session=session, row=row):
            wants.discard("link_token")  # "注文" from a linked friend needs no link
        if not wants:
            return fetched
        try:
            _shop, _channel, client = channel_client(session=session, row=row, captured=[])
        except channels.ChannelUnavailable:
            return fetched
        user_id = row.line_user_id
    return fetched | _ask_line(client, user_id, wants, budget)


def _ask_line(client: LineClient, user_id: str, wants: set[str], budget: LineBudget) -> dict:
    fetched: dict = {}
    quick = budget.client(client, PREFETCH_S)
    if quick is None:
        return fetched
    try:
        if "profile" in wants:
            fetched["profile"] = quick.profile(user_id)
        if "link_token" in wants:
            fetched["link_token"] = quick.issue_link_token(user_id)
    except LineError as exc:  # the handler does without, or leaves the event to the worker
        log.warning("LINE prefetch failed status=%s", exc.status)
        budget.failed(exc)
    return fetched


def _linked(*, session: Session, row: LineEvent) -> bool:
    friend = _friend_of(session=session, row=row)
    return friend is not None and friend.customer_id is not None


def _friend_of(*, session: Session, row: LineEvent) -> LineFriend | None:
    return session.exec(
        select(LineFriend).where(LineFriend.shop_id == row.shop_id, LineFriend.line_user_id == row.line_user_id)
    ).first()


def _prepare_search(*, session: Session, row: LineEvent):
    shop = session.get(Shop, row.shop_id)
    friend = _friend_of(session=session, row=row)
    text = str(((row.body or {}).get("message") or {}).get("text") or "")
    try:
        return search_chat.prepare(
            session=session, shop=shop, text=text, lang=i18n.language(shop=shop, friend=friend or texts.Speaker())
        )
    except Exception:  # the handler searches again inside its transaction
        log.exception("search prefetch failed event=%s", row.id)
        return None
