"""Putting messages in the outbox and taking moot ones out. Flows never call LINE."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, update

from ..db import insert_ignoring_conflict
from ..models import Notification, Shop
from ..models import NotificationStatus as St
from ..timeutil import utcnow
from .recipients import Recipient
from .registry import spec

log = logging.getLogger("tsunagu.flows")
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
) -> str:
    """Put a message in the outbox once per dedupe key: "scheduled", or "exists" for a
    duplicate event. With `refresh`, a row still waiting takes the new time and content
    (a checkout that changed); one already sent or cancelled is left alone ("kept")."""
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
        marketing=sender.marketing,
        **values,
    )
    statement = insert_ignoring_conflict(session.get_bind().dialect.name, _TABLE, ("shop_id", "dedupe_key"))
    created = session.execute(statement, row.model_dump()).first()
    if created is not None:
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


def cancel(*, session: Session, shop: Shop, reason: str, key_prefix: str, exclude_key: str | None = None) -> int:
    """Cancel waiting notifications whose dedupe key starts with `key_prefix`; how many."""
    where = [
        Notification.shop_id == shop.id,
        Notification.status == St.SCHEDULED,
        Notification.dedupe_key.startswith(key_prefix, autoescape=True),
    ]
    if exclude_key:
        where.append(Notification.dedupe_key != exclude_key)
    count = (
        session.execute(
            update(Notification).where(*where).values(status=St.CANCELLED, reason=reason, updated_at=utcnow())
        ).rowcount
        or 0
    )
    if count:
        log.info("notifications cancelled shop=%s prefix=%s reason=%s count=%s", shop.id, key_prefix, reason, count)
    return count
