"""Putting messages in the outbox and taking moot ones out. Flows never call LINE."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, update

from ..db import insert_ignoring_conflict
from ..models import Notification, Shop
from ..models import NotificationStatus as St
from ..timeutil import utcnow
from ..tracking import rollups
from .recipients import Recipient
from .registry import spec

log = logging.getLogger("tsunagu.flows")
MANY_CHUNK = 1000  # rows per INSERT of `schedule_many`
_TABLE = Notification.__table__


def schedule(
    *,
    session: Session,
    shop: Shop,
    flow: str,
    step: int,
    dedupe_key: str,
    due_at: datetime,
    recipient: Recipient,
    messages: list[dict],
    context: dict | None = None,
    refresh: bool = False,
    marketing: bool | None = None,
    notification_id: uuid.UUID | None = None,
) -> str:
    """Put a message in the outbox once per dedupe key: "scheduled", or "exists" for a
    duplicate event. With `refresh`, a row still waiting takes the new time and content
    (a checkout that changed); one already sent or cancelled is left alone ("kept").
    `marketing` overrides the flow's kind for this message (a Shopify Flow action says it);
    `notification_id` is the new row's id when the caller keeps it (no query to read it back)."""
    key = dedupe_key[:255]
    sender = spec(flow)  # a flow the registry does not know is refused here
    values = {"due_at": due_at, "messages": messages, "context": context or {}}
    row = Notification(
        shop_id=shop.id,
        flow=sender.flow.value,
        step=step,
        dedupe_key=key,
        friend_id=recipient.friend.id,
        customer_id=recipient.customer.id if recipient.customer else None,
        marketing=sender.marketing if marketing is None else marketing,
        **values,
    )
    if notification_id is not None:
        row.id = notification_id
    statement = insert_ignoring_conflict(session.get_bind().dialect.name, _TABLE, ("shop_id", "dedupe_key"))
    created = session.execute(statement, row.model_dump()).first()
    if created is not None:
        rollups.notes_created(session=session, rows=[rollups.state_of(row)], shop=shop)
        log.info("notification scheduled shop=%s flow=%s step=%s due=%s", shop.id, flow, step, due_at.isoformat())
        return "scheduled"
    if not refresh:
        return "exists"
    changed = session.execute(
        update(Notification)
        .where(
            Notification.shop_id == shop.id,
            Notification.dedupe_key == key,
            Notification.status == St.SCHEDULED,
        )
        .values(**values, updated_at=utcnow())
    ).rowcount
    return "rescheduled" if changed else "kept"


def schedule_many(
    *, session: Session, shop: Shop, flow: str, due_at: datetime, notices: list[tuple[str, Recipient, list[dict], dict]]
) -> None:
    """`schedule` for many messages at once (a restock telling thousands): (dedupe key,
    recipient, messages, context) each, inserted a chunk per statement, each key once (a
    key already there is left as it is, as `schedule` leaves it)."""
    sender, now = spec(flow), utcnow()
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    statement = insert(_TABLE).on_conflict_do_nothing(index_elements=["shop_id", "dedupe_key"]).returning(_TABLE.c.id)
    rows = [
        {
            "id": uuid.uuid4(),
            "shop_id": shop.id,
            "friend_id": recipient.friend.id,
            "customer_id": recipient.customer.id if recipient.customer else None,
            "flow": sender.flow.value,
            "step": 0,
            "dedupe_key": key[:255],
            "marketing": sender.marketing,
            "due_at": due_at,
            "status": St.SCHEDULED,
            "reason": None,
            "attempts": 0,
            "last_error": None,
            "messages": messages,
            "context": context,
            "sent_at": None,
            "created_at": now,
            "updated_at": now,
        }
        for key, recipient, messages, context in notices
    ]
    created = 0
    for start in range(0, len(rows), MANY_CHUNK):
        created += len(session.execute(statement, rows[start : start + MANY_CHUNK]).all())
    state = rollups.NoteState(shop.id, sender.flow.value, now, St.SCHEDULED)
    rollups.notes_created(session=session, rows=[state] * created, shop=shop)
    log.info("notifications scheduled shop=%s flow=%s count=%s due=%s", shop.id, flow, len(rows), due_at.isoformat())


def cancel(*, session: Session, shop: Shop, reason: str, key_prefix: str, exclude_key: str | None = None) -> int:
    """Cancel waiting notifications whose dedupe key starts with `key_prefix`; how many."""
    where = [
        Notification.shop_id == shop.id,
        Notification.status == St.SCHEDULED,
        Notification.dedupe_key.startswith(key_prefix, autoescape=True),
    ]
    if exclude_key:
        where.append(Notification.dedupe_key != exclude_key)
    values = {"status": St.CANCELLED, "reason": reason, "updated_at": utcnow()}
    count = rollups.set_status(session=session, where=tuple(where), values=values)
    if count:
        log.info("notifications cancelled shop=%s prefix=%s reason=%s count=%s", shop.id, key_prefix, reason, count)
    return count
