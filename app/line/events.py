"""Recording verified chat events (deduped on webhookEventId) and handling them."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ..db import autocommit, insert_ignoring_conflict, session_scope
from ..models import LineChannel, LineEvent, LineEventStatus, LineFriend, Shop
from ..timeutil import utcnow
from . import replies, shapes
from .chat import Chat, NotYet
from .handlers import EVENT_HANDLERS
from .prefetch import LineBudget, channel_client, prefetch

log = logging.getLogger("tsunagu.line")
# A received event left unhandled this long (the process died, or the request ran out of
# time) is picked up by the worker.
ORPHAN_AFTER = timedelta(seconds=10)
EVENTS = LineEvent.__table__


def _row(channel: LineChannel, event: dict, now: datetime) -> dict | None:
    event_id = event.get("webhookEventId")
    if not isinstance(event_id, str) or not event_id:
        return None
    source, message = shapes.part(event, "source"), shapes.part(event, "message")
    source_type = shapes.storable(str(source.get("type") or "user")[:16])
    return {
        "shop_id": channel.shop_id,
        "channel_id": channel.id,
        "webhook_event_id": shapes.storable(event_id[:64]),
        "type": shapes.storable(str(event.get("type") or "unknown")[:32]),
        "source_type": source_type,
        "line_user_id": (source.get("userId") or None) and shapes.storable(str(source["userId"])[:64]),
        "message_id": shapes.storable(str(message.get("id") or "")[:32]) or None,
        "occurred_at": shapes.occurred_at(event.get("timestamp")),
        "is_redelivery": bool(shapes.part(event, "deliveryContext").get("isRedelivery")),
        # Group and room chats are not shoppers talking to the shop: kept, not acted on.
        "status": LineEventStatus.RECEIVED if source_type == "user" else LineEventStatus.IGNORED,
        "attempts": 0,
        "error": None,
        "body": shapes.storable(event),
        "received_at": now,
        "processed_at": None,
    }


def record_events(*, engine: Engine, channel: LineChannel, events: list) -> list[int]:
    """Insert each new event; a redelivered or duplicated one is skipped. Returns new ids."""
    now, new_ids = utcnow(), []
    with autocommit(engine).connect() as conn:
        insert = insert_ignoring_conflict(conn.dialect.name, EVENTS, ("channel_id", "webhook_event_id"))
        for event in events:
            row = _row(channel, event, now) if isinstance(event, dict) else None
            if row is None:
                log.warning("LINE event without webhookEventId skipped channel=%s", channel.id)
                continue
            new_id = conn.execute(insert, row).scalar()
            if new_id is not None and row["status"] == LineEventStatus.RECEIVED:
                new_ids.append(new_id)
    return new_ids


def handle_events(
    *, engine: Engine, event_ids: list[int], deadline: float, line_deadline: float | None = None
) -> dict[str, int]:
    """Handle events in order until the deadline passes; what is left stays `received`
    for the worker. Calls to LINE happen outside the write transaction (SQLite has one
    write lock for the whole file: holding it through an HTTP call would make every other
    request wait for LINE). `line_deadline`: inside a webhook request, the moment by which
    every LINE call must be over (app/line/prefetch.py's LineBudget); None in the worker."""
    outcome: dict[str, int] = {}
    budget = LineBudget(deadline=line_deadline)
    for index, event_id in enumerate(event_ids):
        if index and time.monotonic() > deadline:  # the first is always answered at once
            log.warning("LINE events left for the worker: %s", len(event_ids) - sum(outcome.values()))
            break
        prefetched = prefetch(engine, event_id, budget)
        with session_scope(engine) as session:
            row = session.exec(
                select(LineEvent)
                .where(LineEvent.id == event_id, LineEvent.status == LineEventStatus.RECEIVED)
                .with_for_update(skip_locked=True)
            ).first()
            if row is None:
                continue
            status, chat = handle_event(session=session, row=row, prefetched=prefetched)
        if chat is not None and (chat.replies or chat.captured):
            replies.send(engine, event_id, chat, budget)
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


def _friend(*, session: Session, shop: Shop, channel: LineChannel, user_id: str) -> LineFriend:
    friend = session.exec(
        select(LineFriend).where(LineFriend.shop_id == shop.id, LineFriend.line_user_id == user_id)
    ).first()
    if friend is None:
        friend = LineFriend(shop_id=shop.id, channel_id=channel.id, line_user_id=user_id)
        session.add(friend)
        session.flush()
    return friend


def handle_event(*, session: Session, row: LineEvent, prefetched: dict | None = None) -> tuple[str, Chat | None]:
    """Run the event's handler in a savepoint; its replies are queued on the Chat."""
    row.attempts += 1
    handler = EVENT_HANDLERS.get(row.type)
    if handler is None:
        return _done(row, LineEventStatus.IGNORED), None
    if why := shapes.problem(row.body):  # a shape no handler can use: failed, with the reason
        row.error = f"unusable event: {why}"
        return _done(row, LineEventStatus.FAILED), None
    captured: list = []
    try:
        with session.begin_nested():
            shop, channel, client = channel_client(session=session, row=row, captured=captured)
            friend = (
                _friend(session=session, shop=shop, channel=channel, user_id=row.line_user_id)
                if row.line_user_id
                else None
            )
            chat = Chat(
                session=session,
                shop=shop,
                channel=channel,
                client=client,
                event=row.body,
                row=row,
                friend=friend,
                prefetched=prefetched or {},
                captured=captured,
            )
            handler(chat)
            session.flush()
    except NotYet as exc:  # nothing changed: the worker handles it once LINE answers
        log.info("LINE event left for the worker event=%s missing=%s", row.webhook_event_id, exc)
        return row.status, None
    except Exception as exc:  # one bad event never stops the others
        log.exception("LINE handler failed type=%s event=%s", row.type, row.webhook_event_id)
        row.error = f"{type(exc).__name__}: {exc}"[:2000]
        return _done(row, LineEventStatus.FAILED), None
    return _done(row, LineEventStatus.PROCESSED), chat


def _done(row: LineEvent, status: str) -> str:
    row.status = status
    row.processed_at = utcnow()
    return status


def process_orphaned_events(*, engine: Engine, now: datetime, limit: int = 500) -> dict[str, int]:
    """Worker job: events recorded but never handled (a crash, or a slow request)."""
    with Session(engine) as s:
        ids = list(
            s.exec(
                select(LineEvent.id)
                .where(LineEvent.status == LineEventStatus.RECEIVED, LineEvent.received_at <= now - ORPHAN_AFTER)
                .order_by(LineEvent.id)
                .limit(limit)
            )
        )
    return handle_events(engine=engine, event_ids=ids, deadline=time.monotonic() + 3600)
