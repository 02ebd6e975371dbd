"""A chat's replies: sent after its transaction, and kept for the worker when LINE does not
take them in time.

Inside a webhook request a reply gets what is left of LINE's 2 s, in one attempt. When LINE
does not take it (no answer, 5xx, 429) the messages are kept on the event (`pending_reply`,
status `unanswered`) and the worker sends them once LINE answers again: a reply while the
reply token is still good, else a push whose retry key derives from the event, so the
shopper gets the answer once.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ..db import session_scope
from ..models import LineEvent, LineEventStatus
from ..timeutil import utcnow
from . import channels
from .chat import Chat
from .client import LineClient, LineError
from .prefetch import REPLY_S, LineBudget, channel_client

log = logging.getLogger("tsunagu.line")
REPLY_MAX_MESSAGES = 5
TOKEN_GOOD_FOR = timedelta(seconds=50)  # LINE's reply tokens last about a minute
RETRY_KEYS = uuid.UUID("5f0e7a52-2c1b-4b8e-9d5e-7c1f3a0b6d21")


def send(engine: Engine, event_id: int, chat: Chat, budget: LineBudget) -> None:
    """Send what the handler queued; record dry-run captures, a failure, or the reply left
    for the worker. A failure never undoes the handler's state change."""
    messages, token = chat.replies[:REPLY_MAX_MESSAGES], chat.event.get("replyToken")
    error = pending = None
    if messages and token:
        client = budget.client(chat.client, REPLY_S)
        try:
            if client is None or not _fresh(chat.row.occurred_at, utcnow()):
                # LINE is down, or the token has lapsed (an event the worker took late):
                # send_pending replies or pushes it.
                log.warning("reply left for the worker event=%s", chat.row.webhook_event_id)
                pending = messages
            else:
                client.reply(token, messages)
        except LineError as exc:
            log.warning("reply failed event=%s status=%s", chat.row.webhook_event_id, exc.status)
            budget.failed(exc)
            pending, error = (messages, None) if exc.retryable else (None, f"reply failed: {exc}")
    if not error and not pending and not chat.captured:
        return
    with session_scope(engine) as session:
        row = session.get(LineEvent, event_id)
        row.error = error
        if pending:
            row.pending_reply, row.status = pending, LineEventStatus.UNANSWERED
        channels.store_captured(session=session, shop_id=row.shop_id, channel_id=row.channel_id, captured=chat.captured)


@dataclass
class _Pending:
    event_id: int
    token: str | None
    to: str
    occurred_at: datetime | None
    messages: list
    retry_key: str
    client: LineClient
    captured: list


def send_pending(*, engine: Engine, now: datetime, limit: int = 100) -> dict[str, int]:
    """Worker job: the replies LINE did not take in time (`now` is the job's; a reply
    token's age is reckoned on the real clock, as LINE does). Stops at the first sign that LINE
    is still down (the rest wait for the next run)."""
    counts: dict[str, int] = {}
    for item in _load(engine, limit):
        outcome, error = _deliver(item)
        if outcome == "down":
            break
        with session_scope(engine) as session:
            row = session.get(LineEvent, item.event_id)
            row.status = LineEventStatus.PROCESSED if outcome != "failed" else LineEventStatus.FAILED
            row.pending_reply, row.error = None, error
            channels.store_captured(
                session=session, shop_id=row.shop_id, channel_id=row.channel_id, captured=item.captured
            )
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _load(engine: Engine, limit: int) -> list[_Pending]:
    with Session(engine) as session:  # a plain read: LINE is called with no transaction open
        rows = session.exec(
            select(LineEvent)
            .where(LineEvent.status == LineEventStatus.UNANSWERED)
            .order_by(LineEvent.received_at, LineEvent.id)
            .limit(limit)
        ).all()
        items = []
        for row in rows:
            captured: list = []
            try:
                _shop, _channel, client = channel_client(session=session, row=row, captured=captured)
            except channels.ChannelUnavailable:
                continue  # disconnected: nothing may be sent (the event stays unanswered)
            items.append(
                _Pending(
                    event_id=row.id,
                    token=(row.body or {}).get("replyToken"),
                    to=row.line_user_id or "",
                    occurred_at=row.occurred_at,
                    messages=list(row.pending_reply or []),
                    retry_key=str(uuid.uuid5(RETRY_KEYS, f"{row.channel_id}:{row.webhook_event_id}")),
                    client=client,
                    captured=captured,
                )
            )
    return items


def _fresh(occurred_at: datetime | None, now: datetime) -> bool:
    """Whether the event's reply token is still good (LINE's clock: the real time)."""
    return occurred_at is None or now - occurred_at < TOKEN_GOOD_FOR


def _deliver(item: _Pending) -> tuple[str, str | None]:
    """("replied" | "pushed" | "failed" | "down", error)."""
    fresh = item.token and _fresh(item.occurred_at, utcnow())
    try:
        if fresh:
            try:
                item.client.reply(item.token, item.messages)
                return "replied", None
            except LineError as exc:
                if exc.retryable:
                    raise
                log.info("reply token refused, pushing instead event=%s status=%s", item.event_id, exc.status)
        if not item.to:
            return "failed", "reply token expired and no user to push to"
        item.client.push(item.to, item.messages, retry_key=item.retry_key)
        return "pushed", None
    except LineError as exc:
        if exc.retryable:
            log.warning("pending reply still not taken event=%s status=%s", item.event_id, exc.status)
            return "down", None
        return "failed", f"reply failed: {exc}"
