"""What the Messages page reads and changes: the outbox with reasons in the merchant's
words, filtered and paged by keyset; cancel, retry; failed webhooks listed (here and on
Home) and made due again.

Index use (1,000,000 notifications): every list query is `shop_id = ? [AND created_at
range] ORDER BY created_at DESC, id DESC LIMIT 51` with a (created_at, id) keyset, read
backwards along ix_notifications_shop_created (shop_id, created_at); flow and status are
filters on the rows that scan yields, so a common status or flow fills a page at once,
a rare one (failed) reads further down the index.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from ...flows.registry import flows
from ...formatting import local_time, zone
from ...i18n import has, t
from ...models import (
    Customer,
    LineFriend,
    Notification,
    Shop,
    WebhookEvent,
    WebhookStatus,
)
from ...models import NotificationStatus as St
from ...timeutil import as_utc, utcnow
from ...tracking import rollups
from ..labels import flow_name, status_name

PAGE = 50
STATUSES = (St.SCHEDULED, St.SENDING, St.SENT, St.FAILED, St.CANCELLED, St.SKIPPED)
MERCHANT_CANCELLED = "merchant_cancelled"


@dataclass
class MessageFilters:
    flow: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    cursor: tuple[datetime, uuid.UUID] | None = None
    raw: dict[str, str] = field(default_factory=dict)  # as typed, to refill the form


def encode_cursor(created_at: datetime, row_id: uuid.UUID) -> str:
    text = f"{as_utc(created_at).isoformat()}|{row_id.hex}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(value: str) -> tuple[datetime, uuid.UUID]:
    """Raises ValueError for anything but a cursor this module made."""
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError("cursor") from exc
    stamp, _, hex_id = text.partition("|")
    created = datetime.fromisoformat(stamp)
    if created.tzinfo is None:
        raise ValueError("cursor")
    return as_utc(created), uuid.UUID(hex=hex_id)


def _parse_date(value: str) -> date:
    if len(value) != 10:
        raise ValueError(value)
    return date.fromisoformat(value)


def parse_filters(args, lang: str) -> tuple[MessageFilters, dict[str, str]]:
    """The filters from a query string, or an error per field that is wrong."""
    raw = {k: str(args.get(k) or "").strip() for k in ("flow", "status", "from", "to", "cursor")}
    found, errors = MessageFilters(raw=raw), {}
    if raw["flow"] and raw["flow"] not in set(flows()):
        errors["flow"] = t("admin.people.msg.bad_flow", lang)
    if raw["status"] and raw["status"] not in STATUSES:
        errors["status"] = t("admin.people.msg.bad_status", lang)
    for key, attr in (("from", "date_from"), ("to", "date_to")):
        try:
            setattr(found, attr, _parse_date(raw[key]) if raw[key] else None)
        except ValueError:
            errors[key] = t("admin.people.msg.bad_date", lang)
    if found.date_from and found.date_to and found.date_to < found.date_from:
        errors["to"] = t("admin.people.msg.bad_range", lang)
    try:
        found.cursor = decode_cursor(raw["cursor"]) if raw["cursor"] else None
    except ValueError:
        errors["cursor"] = t("admin.people.msg.bad_cursor", lang)
    found.flow = raw["flow"] if "flow" not in errors else ""
    found.status = raw["status"] if "status" not in errors else ""
    return found, errors


def _day_start(shop: Shop, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone(shop.timezone))


@dataclass(frozen=True)
class MessagePage:
    rows: list[dict]
    next_cursor: str | None


def messages_page(
    *, session: Session, shop: Shop, filters: MessageFilters, lang: str, limit: int = PAGE
) -> MessagePage:
    where = [Notification.shop_id == shop.id]
    if filters.flow:
        where.append(Notification.flow == filters.flow)
    if filters.status:
        where.append(Notification.status == filters.status)
    if filters.date_from:
        where.append(Notification.created_at >= _day_start(shop, filters.date_from))
    if filters.date_to:  # the whole day, in the shop's time zone
        where.append(Notification.created_at < _day_start(shop, filters.date_to + timedelta(days=1)))
    if filters.cursor:
        created, row_id = filters.cursor
        where.append(
            or_(Notification.created_at < created, and_(Notification.created_at == created, Notification.id < row_id))
        )
    found = list(
        session.exec(
            select(Notification)
            .where(*where)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit + 1)
        )
    )
    more = len(found) > limit
    found = found[:limit]
    cursor = encode_cursor(found[-1].created_at, found[-1].id) if more else None
    return MessagePage(rows=message_rows(session=session, shop=shop, rows=found, lang=lang), next_cursor=cursor)


def reason_label(row: Notification, lang: str) -> str:
    """Why the message is where it is, as the merchant would say it."""
    if row.status == St.FAILED:
        return t("admin.people.reason.line_error", lang, error=row.last_error or "—")
    if row.reason and has(f"admin.people.reason.{row.reason}"):
        return t(f"admin.people.reason.{row.reason}", lang)
    if row.reason:  # a flow's own reason this page does not know yet: say it as it is
        return row.reason
    if row.status == St.SCHEDULED and row.last_error:
        return t("admin.people.reason.last_error", lang, error=row.last_error)
    return ""


def message_rows(*, session: Session, shop: Shop, rows: list[Notification], lang: str) -> list[dict]:
    friend_ids = {r.friend_id for r in rows if r.friend_id}
    customer_ids = {r.customer_id for r in rows if r.customer_id}
    friends = (
        {
            f.id: f
            for f in session.exec(
                select(LineFriend).where(LineFriend.shop_id == shop.id, LineFriend.id.in_(friend_ids))
            )
        }
        if friend_ids
        else {}
    )
    customers = (
        {
            c.id: c
            for c in session.exec(select(Customer).where(Customer.shop_id == shop.id, Customer.id.in_(customer_ids)))
        }
        if customer_ids
        else {}
    )
    return [message_json(shop, r, friends.get(r.friend_id), customers.get(r.customer_id), lang) for r in rows]


def message_json(
    shop: Shop, row: Notification, friend: LineFriend | None, customer: Customer | None, lang: str
) -> dict:
    when = row.sent_at or row.due_at
    return {
        "id": str(row.id),
        "flow": row.flow,
        "flow_label": flow_name(row.flow, lang),
        "step": row.step,
        "status": row.status,
        "status_label": status_name(row.status, lang),
        "reason": row.reason,
        "reason_label": reason_label(row, lang),
        "error": row.last_error,
        "attempts": row.attempts,
        "marketing": row.marketing,
        "created_at": as_utc(row.created_at).isoformat(),
        "due_at": as_utc(row.due_at).isoformat(),
        "sent_at": as_utc(row.sent_at).isoformat() if row.sent_at else None,
        "created_label": local_time(row.created_at, shop.timezone),
        "when_label": local_time(when, shop.timezone),
        "friend_name": (friend.display_name or "") if friend else "",
        "customer_id": customer.id if customer else None,
        "customer_name": customer.display_name() if customer else "",
        "can_cancel": row.status == St.SCHEDULED,
        "can_retry": row.status == St.FAILED,
    }


def find_message(*, session: Session, shop: Shop, text_id: str) -> Notification | None:
    try:
        row_id = uuid.UUID(text_id)
    except ValueError:
        return None
    row = session.get(Notification, row_id)
    return row if row is not None and row.shop_id == shop.id else None


def cancel_message(*, session: Session, shop: Shop, row: Notification) -> bool:
    """Only while it waits: the status in the WHERE loses to a worker that claimed it first."""
    done = rollups.set_status(
        session=session,
        where=(Notification.id == row.id, Notification.shop_id == shop.id, Notification.status == St.SCHEDULED),
        values={"status": St.CANCELLED, "reason": MERCHANT_CANCELLED, "updated_at": utcnow()},
    )
    return bool(done)


def retry_message(*, session: Session, shop: Shop, row: Notification) -> bool:
    """Due now, attempts from zero; the id, LINE's retry key, stays, so it cannot double-send."""
    now = utcnow()
    done = rollups.set_status(
        session=session,
        where=(Notification.id == row.id, Notification.shop_id == shop.id, Notification.status == St.FAILED),
        values={"status": St.SCHEDULED, "due_at": now, "attempts": 0, "reason": None, "updated_at": now},
    )
    return bool(done)


def failed_webhooks(*, session: Session, shop: Shop, limit: int = 20) -> list[WebhookEvent]:
    return list(
        session.exec(
            select(WebhookEvent)
            .where(WebhookEvent.shop_id == shop.id, WebhookEvent.status == WebhookStatus.FAILED)
            .order_by(WebhookEvent.received_at.desc())
            .limit(limit)
        )
    )


def retry_webhook(*, session: Session, shop: Shop, event_id: int) -> WebhookEvent | None | bool:
    """None when not the shop's; False when not failed; else the event, due now."""
    event = session.get(WebhookEvent, event_id)
    if event is None or event.shop_id != shop.id:
        return None
    if event.status != WebhookStatus.FAILED:
        return False
    event.next_attempt_at = utcnow()
    session.add(event)
    return event


def webhook_json(shop: Shop, event: WebhookEvent) -> dict:
    return {
        "id": event.id,
        "topic": event.topic,
        "status": event.status,
        "attempts": event.attempts,
        "error": event.error,
        "received_label": local_time(event.received_at, shop.timezone),
        "next_attempt_at": as_utc(event.next_attempt_at).isoformat() if event.next_attempt_at else None,
    }
