"""The chat's small command router, in the shopper's language (Japanese or English).

Typed words ("注文", "order", …) and postback buttons reach the same commands; any other
text goes to product search (app/search), and the help menu answers what search does not.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from urllib.parse import parse_qsl

from sqlmodel import select

from ..flows import restock_requests
from ..formatting import money
from ..models import Customer, Fulfillment, Order, OrderLineItem
from ..search import chat as search_chat
from ..search import restock as search_restock
from ..sequences import enroll as sequences
from ..timeutil import utcnow
from . import account_link, messages, shapes
from .chat import Chat

# What a shopper may type for each command, in either language (whatever theirs is).
COMMAND_WORDS: dict[str, set[str]] = {
    "link": {"連携", "れんけい", "link"},
    "unlink": {"解除", "かいじょ", "連携解除", "unlink"},
    "order": {"注文", "ちゅうもん", "注文状況", "order", "orders", "my order"},
    "stop": {"配信停止", "停止", "stop", "unsubscribe"},
    "resume": {"配信再開", "再開", "resume", "subscribe"},
    "help": {"メニュー", "ヘルプ", "めにゅー", "menu", "help"},
}


def normalise(value: str) -> str:
    """Full-width/half-width, case and spacing differences do not matter to a command."""
    return "".join(unicodedata.normalize("NFKC", value).casefold().split())


_WORDS = {normalise(word): command for command, words in COMMAND_WORDS.items() for word in words}


def command_for(value: str) -> str | None:
    return _WORDS.get(normalise(value[:40]))


def prefetch_needs(event_type: str, event: dict) -> set[str]:
    """What an event's handler will ask LINE for, so it can be fetched ahead."""
    if event_type == "follow":
        return {"profile"}
    message = shapes.part(event, "message")
    if event_type == "message" and message.get("type") == "text":
        command = command_for(str(message.get("text") or ""))
    elif event_type == "postback":
        command = dict(parse_qsl(str(shapes.part(event, "postback").get("data") or ""))).get("action")
    else:
        return set()
    if command is None and event_type == "message":
        return {"search"}  # free text: the search runs before the write transaction
    # "注文" from a friend not linked yet answers with the link (the prefetch asks LINE only then).
    return {"link_token"} if command in ("link", "order") else set()


def handle_text(chat: Chat, value: str) -> None:
    command = command_for(value)
    if command is not None:
        run(chat, command, {})
    elif not search_chat.answer(chat, value):
        help_menu(chat)


def run(chat: Chat, command: str, params: dict) -> None:
    if command in WITH_PARAMS:
        WITH_PARAMS[command](chat, params)
        return
    COMMANDS.get(command, help_menu)(chat)


def menu(chat: Chat) -> list[tuple[str, str]]:
    linked = chat.friend is not None and chat.friend.customer_id is not None
    opted_out = chat.friend is not None and chat.friend.marketing_opt_out_at is not None
    return [
        (chat.t("line.chat.menu.order"), "order"),
        (chat.t("line.chat.menu.unlink"), "unlink") if linked else (chat.t("line.chat.menu.link"), "link"),
        (chat.t("line.chat.menu.resume"), "resume") if opted_out else (chat.t("line.chat.menu.stop"), "stop"),
    ]


def help_menu(chat: Chat) -> None:
    chat.reply(messages.text(chat.t("line.chat.help"), quick=menu(chat)))


def ask_unlink(chat: Chat) -> None:
    if chat.friend.customer_id is None:
        chat.reply(messages.text(chat.t("line.chat.not_linked"), quick=menu(chat)))
        return
    chat.reply(
        messages.confirm(
            chat.t("line.chat.unlink_confirm"),
            (chat.t("line.chat.unlink_yes"), "unlink_yes"),
            (chat.t("line.chat.unlink_no"), "unlink_no"),
        )
    )


def confirm_unlink(chat: Chat) -> None:
    account_link.unlink_by_shopper(chat)
    chat.reply(messages.text(chat.t("line.chat.unlinked"), quick=menu(chat)))


def keep_link(chat: Chat) -> None:
    chat.reply(messages.text(chat.t("line.chat.unlink_kept")))


def opt_out(chat: Chat) -> None:
    if chat.friend.marketing_opt_out_at is not None:
        chat.reply(messages.text(chat.t("line.chat.already_opted_out"), quick=menu(chat)))
        return
    chat.friend.marketing_opt_out_at = utcnow()
    chat.session.add(chat.friend)
    sequences.exit_runs(session=chat.session, shop=chat.shop, friend_id=chat.friend.id, reason="opted_out")
    chat.reply(messages.text(chat.t("line.chat.opted_out"), quick=menu(chat)))


def opt_in(chat: Chat) -> None:
    chat.friend.marketing_opt_out_at = None
    chat.session.add(chat.friend)
    chat.reply(messages.text(chat.t("line.chat.opted_in"), quick=menu(chat)))


def latest_order(chat: Chat) -> None:
    """The linked shopper's latest order: status, items, total and a tracking link."""
    if chat.friend.customer_id is None:
        account_link.start_chat_link(chat, lead=chat.t("line.chat.not_linked"))
        return
    customer = chat.session.get(Customer, chat.friend.customer_id)
    order = (
        chat.session.exec(
            select(Order)
            .where(Order.shop_id == chat.shop.id, Order.customer_shopify_id == customer.shopify_id)
            .order_by(Order.processed_at.desc(), Order.id.desc())
            .limit(1)
        ).first()
        if customer
        else None
    )
    if order is None:
        chat.reply(messages.text(chat.t("line.chat.no_orders"), quick=menu(chat)))
        return
    chat.reply(order_card(chat, order))


# Shopify's shipment and fulfillment statuses the order card names, and their texts.
SHIPMENT_STATUS = {
    "in_transit": "line.chat.status.in_transit",
    "out_for_delivery": "line.chat.status.out_for_delivery",
    "delivered": "line.chat.status.delivered",
}
FULFILLMENT_STATUS = {"fulfilled": "line.chat.status.fulfilled", "partial": "line.chat.status.partial"}


def _status(chat: Chat, order: Order, fulfillment: Fulfillment | None) -> str:
    if order.cancelled_at:
        return chat.t("line.chat.status.cancelled")
    if order.financial_status == "refunded":
        return chat.t("line.chat.status.refunded")
    if fulfillment and fulfillment.shipment_status in SHIPMENT_STATUS:
        return chat.t(SHIPMENT_STATUS[fulfillment.shipment_status])
    if order.fulfillment_status in FULFILLMENT_STATUS:
        return chat.t(FULFILLMENT_STATUS[order.fulfillment_status])
    if fulfillment is not None:
        return chat.t("line.chat.status.fulfilled")
    if order.financial_status in ("paid", "partially_paid", "partially_refunded"):
        return chat.t("line.chat.status.paid") + " / " + chat.t("line.chat.status.unfulfilled")
    return chat.t("line.chat.status.pending")


def order_card(chat: Chat, order: Order) -> dict:
    items = chat.session.exec(
        select(OrderLineItem).where(OrderLineItem.order_id == order.id).order_by(OrderLineItem.id)
    ).all()
    fulfillment = chat.session.exec(
        select(Fulfillment)
        .where(Fulfillment.shop_id == chat.shop.id, Fulfillment.order_shopify_id == order.shopify_id)
        .order_by(Fulfillment.shopify_updated_at.desc())
    ).first()
    lines = [
        (item.title + (f" ({item.variant_title})" if item.variant_title else ""), f"×{item.quantity}")
        for item in items[:5]
    ]
    if len(items) > 5:
        lines.append((chat.t("line.chat.order.more_items", count=len(items) - 5), ""))
    buttons = []
    if fulfillment and fulfillment.tracking_urls:
        buttons.append((chat.t("line.chat.order.track"), messages.uri_action(fulfillment.tracking_urls[0])))
    if order.order_status_url:
        buttons.append((chat.t("line.chat.order.view"), messages.uri_action(order.order_status_url)))
    return messages.order_status(
        title=chat.t("line.chat.order.title", order_name=order.name),
        status=_status(chat, order, fulfillment),
        lines=lines,
        total=(chat.t("line.chat.order.total"), money(order.total_price, order.currency)),
        buttons=buttons,
    )


COMMANDS: dict[str, Callable[[Chat], None]] = {
    "link": lambda chat: account_link.start_chat_link(chat),
    "unlink": ask_unlink,
    "unlink_yes": confirm_unlink,
    "unlink_no": keep_link,
    "order": latest_order,
    "stop": opt_out,
    "resume": opt_in,
    "help": help_menu,
}

# Postbacks that carry what they are about (`action=restock&variant=…`).
WITH_PARAMS: dict[str, Callable[[Chat, dict], None]] = {
    search_restock.ACTION: restock_requests.on_postback,
}
