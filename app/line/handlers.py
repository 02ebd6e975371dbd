"""One function per chat event type, and the table that routes event types to them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from sqlmodel import select

from ..models import LineEvent, Trigger
from ..sequences import enroll as sequences
from ..shopify_flow import triggers as flow_triggers
from ..timeutil import utcnow
from ..tracking import blocks, rollups
from . import account_link, commands, menu_due, menu_taps, messages, profiles, source_greeting, texts
from .chat import Chat, NotYet

log = logging.getLogger("tsunagu.line")


def _when(chat: Chat) -> datetime:
    millis = chat.event.get("timestamp")
    return datetime.fromtimestamp(millis / 1000, tz=UTC) if isinstance(millis, (int, float)) else utcnow()


def _event_key(chat: Chat) -> str:
    """The event's own id (LINE's webhookEventId), else the friend and the event's time."""
    return str(chat.event.get("webhookEventId") or f"{chat.friend.id}:{chat.event.get('timestamp')}")


def on_follow(chat: Chat) -> None:
    """A new friend, or one who unblocked us: record it, learn their name, greet them (with
    their friend source's greeting when a source link brought them: source_greeting)."""
    friend, when, now = chat.friend, _when(chat), utcnow()
    unblocked = bool((chat.event.get("follow") or {}).get("isUnblocked"))
    source = source_greeting.claim(session=chat.session, friend=friend, now=now)
    if source is None and source_greeting.should_wait(
        session=chat.session, shop_id=chat.shop.id, received_at=chat.row.received_at, now=now
    ):
        raise NotYet("friend source login")
    friend.is_blocked, friend.blocked_at = False, None
    menu_due.mark(friend)
    rollups.followed(session=chat.session, shop_id=friend.shop_id, before=friend.followed_at, after=when)
    friend.followed_at = when
    if "profile" in chat.prefetched:
        profiles.apply(friend, chat.prefetched["profile"])
    else:  # LINE did not answer in time: greeted without the name, asked again by the worker
        friend.profile_due_at = utcnow()
    chat.session.add(friend)
    chat.session.flush()
    trigger = Trigger.FRIEND_READDED if unblocked else Trigger.FRIEND_ADDED
    sequences.on_event(trigger, session=chat.session, shop=chat.shop, friend=friend, now=when)
    flow_triggers.fire(
        session=chat.session,
        shop_id=chat.shop.id,
        handle=flow_triggers.FRIEND_ADDED,
        key=_event_key(chat),
        friend=friend,
        fields={"Unblocked": unblocked},
    )
    greeting = chat.t("line.chat.welcome_back" if unblocked else "line.chat.greeting")
    if source is not None and source.greeting:
        greeting = texts.fill(source.greeting, chat.shop, {})
    coupon = (chat.shop.settings or {}).get("line_coupon_code")
    if coupon and not unblocked:
        greeting += "\n\n" + chat.t("line.chat.coupon", coupon_code=coupon)
    buttons = [] if friend.customer_id else [(chat.t("line.chat.link_button"), messages.postback_action("link"))]
    chat.reply(messages.card(greeting, buttons) if buttons else messages.text(greeting))


def on_unfollow(chat: Chat) -> None:
    """Blocked: nothing is pushed to this friend until they follow again. The block is
    recorded once (a repeated unfollow without a follow between is not a new block),
    charged to a push in the 24 hours before it, if any."""
    already = chat.friend.is_blocked
    chat.friend.is_blocked = True
    chat.friend.blocked_at = _when(chat)
    menu_due.mark(chat.friend)
    chat.session.add(chat.friend)
    if not already:
        blocks.record_block(session=chat.session, friend=chat.friend, blocked_at=chat.friend.blocked_at)
        chat.session.flush()
        flow_triggers.fire(
            session=chat.session,
            shop_id=chat.shop.id,
            handle=flow_triggers.FRIEND_BLOCKED,
            key=_event_key(chat),
            friend=chat.friend,
        )
    sequences.exit_runs(session=chat.session, shop=chat.shop, friend_id=chat.friend.id, reason="blocked")


def on_message(chat: Chat) -> None:
    message = chat.event.get("message") or {}
    if message.get("type") == "text":
        commands.handle_text(chat, str(message.get("text") or ""))
    # Stickers, images and the like get no answer: a menu after every sticker is noise.


def on_postback(chat: Chat) -> None:
    raw = str((chat.event.get("postback") or {}).get("data") or "")
    data = dict(parse_qsl(menu_taps.take(session=chat.session, shop_id=chat.shop.id, data=raw, friend=chat.friend)))
    commands.run(chat, data.pop("action", "help"), data)


def on_account_link(chat: Chat) -> None:
    link = chat.event.get("link") or {}
    account_link.complete_chat_link(chat, result=str(link.get("result") or ""), nonce=str(link.get("nonce") or ""))


def on_unsend(chat: Chat) -> None:
    """The shopper took a message back: we forget its text too."""
    message_id = str((chat.event.get("unsend") or {}).get("messageId") or "")
    rows = (
        chat.session.exec(
            select(LineEvent).where(LineEvent.channel_id == chat.channel.id, LineEvent.message_id == message_id)
        ).all()
        if message_id
        else []
    )
    for row in rows:
        message = (row.body or {}).get("message") or {}
        row.body = {**row.body, "message": {"id": message_id, "type": message.get("type"), "unsent": True}}
        chat.session.add(row)


EVENT_HANDLERS: dict[str, Callable[[Chat], None]] = {
    "follow": on_follow,
    "unfollow": on_unfollow,
    "message": on_message,
    "postback": on_postback,
    "accountLink": on_account_link,
    "unsend": on_unsend,
}
