"""Shopify Flow triggers, the recording half: which LINE events start the merchant's
workflows, which triggers each shop uses, and the queue of calls to make.

An event (a friend added, a customer linked, a link clicked, …) becomes a row of
`shopify_flow_trigger_calls` in the transaction that records the event, and only when the
shop has an enabled workflow starting with that trigger (Flow's lifecycle callback, kept in
`shopify_flow_triggers`): a shop that does not use Flow costs one indexed read per event and
no Shopify call. The row's dedupe key (the event's own id) makes an event seen twice one call.

This package imports no other domain, so the chat, search, tracking and flows can all
record triggers without import circles; `app/shopify/flow_triggers.py` sends the calls.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlmodel import Session

from ..db import insert_ignoring_conflict
from ..models import Customer, LineFriend, Shop, ShopifyFlowTrigger, ShopifyFlowTriggerCall
from ..models import TriggerCallStatus as St
from ..timeutil import parse_ts, utcnow

log = logging.getLogger("tsunagu.shopify_flow")
FRIEND_ADDED = "line-friend-added"
CUSTOMER_LINKED = "line-customer-linked"
CUSTOMER_UNLINKED = "line-customer-unlinked"
FRIEND_BLOCKED = "line-friend-blocked"
LINK_CLICKED = "line-link-clicked"
SEARCH_NO_RESULT = "line-search-no-result"
BACK_IN_STOCK_REQUESTED = "line-back-in-stock-request"
HANDLES = (
    FRIEND_ADDED,
    CUSTOMER_LINKED,
    CUSTOMER_UNLINKED,
    FRIEND_BLOCKED,
    LINK_CLICKED,
    SEARCH_NO_RESULT,
    BACK_IN_STOCK_REQUESTED,
)
# The triggers' titles, as their extensions name them. Flow's lifecycle callback names a trigger
# by `flow_trigger_definition_id`: the handle for extensions made with the CLI, while Shopify's
# older page shows a title there ("Add row to spreadsheet"). Either is taken (handle_for);
# a test keeps these the same as the extensions' names.
TITLES: dict[str, str] = {
    "LINE友だち追加 (LINE friend added)": FRIEND_ADDED,
    "お客様が LINE と連携 (Customer linked to LINE)": CUSTOMER_LINKED,
    "お客様が LINE 連携を解除 (Customer unlinked from LINE)": CUSTOMER_UNLINKED,
    "LINE でブロックされた (LINE friend blocked)": FRIEND_BLOCKED,
    "LINE メッセージのリンクがクリックされた (LINE message link clicked)": LINK_CLICKED,
    "チャット検索で商品が見つからない (Chat search found nothing)": SEARCH_NO_RESULT,
    "再入荷のお知らせ希望 (Back-in-stock request made)": BACK_IN_STOCK_REQUESTED,
}


def handle_for(definition_id: str) -> str:
    """Our handle for a lifecycle callback's `flow_trigger_definition_id` (a handle or a
    title); anything else is kept as it came (it then matches no trigger we send)."""
    return TITLES.get(definition_id.strip(), definition_id.strip())


# The payload's fields per trigger besides the customer reference (`customer_id`), as the
# trigger extensions declare them (extensions/shopify-flow-*/shopify.extension.toml; a test
# keeps the two the same). Flow refuses a payload with a field its trigger does not declare.
FRIEND = "LINE friend ID"
FIELDS: dict[str, tuple[str, ...]] = {
    FRIEND_ADDED: (FRIEND, "Unblocked"),
    CUSTOMER_LINKED: (FRIEND, "Link method"),
    CUSTOMER_UNLINKED: (FRIEND,),
    FRIEND_BLOCKED: (FRIEND,),
    LINK_CLICKED: ("URL", "Message kind"),
    SEARCH_NO_RESULT: (FRIEND, "Keyword"),
    BACK_IN_STOCK_REQUESTED: (FRIEND, "Product title", "Product ID", "Variant ID"),
}
_CALLS = ShopifyFlowTriggerCall.__table__


def set_enabled(*, session: Session, shop: Shop, handle: str, enabled: bool, at: str = "") -> bool:
    """Record Flow's lifecycle callback; False when it is older than the one kept."""
    when = parse_ts(at) or utcnow()
    row = session.execute(
        select(ShopifyFlowTrigger).where(ShopifyFlowTrigger.shop_id == shop.id, ShopifyFlowTrigger.handle == handle)
    ).scalar_one_or_none()
    if row is not None and row.changed_at > when:
        return False
    row = row or ShopifyFlowTrigger(shop_id=shop.id, handle=handle, changed_at=when)
    row.enabled, row.changed_at = enabled, when
    session.add(row)
    log.info("Shopify Flow trigger shop=%s handle=%s enabled=%s", shop.id, handle, enabled)
    return True


def enabled_handles(*, session: Session, shop_id: int) -> set[str]:
    return set(
        session.execute(
            select(ShopifyFlowTrigger.handle).where(
                ShopifyFlowTrigger.shop_id == shop_id, ShopifyFlowTrigger.enabled.is_(True)
            )
        ).scalars()
    )


def fire(
    *,
    session: Session,
    shop_id: int,
    handle: str,
    key: str,
    friend: LineFriend | None = None,
    customer_id: int | None = None,
    fields: dict | None = None,
) -> bool:
    """Queue the trigger for the shop if one of its enabled workflows starts with it; True
    when queued now. `key` names the event (a repeated event is queued once); the payload
    carries the customer reference (`customer_id`, Shopify's id) when the friend is linked."""
    if handle not in HANDLES or set(fields or {}) - set(FIELDS[handle]):
        raise ValueError(f"unknown Shopify Flow trigger or field {handle!r} {sorted(fields or {})}")
    if handle not in enabled_handles(session=session, shop_id=shop_id):
        return False
    payload = {**(fields or {})}
    if friend is not None:
        if FRIEND in FIELDS[handle]:
            payload[FRIEND] = str(friend.id)
        customer_id = customer_id if customer_id is not None else friend.customer_id
    shopify_customer = session.get(Customer, customer_id) if customer_id else None
    if shopify_customer is not None:
        payload["customer_id"] = shopify_customer.shopify_id
    now = utcnow()
    values = {
        "shop_id": shop_id,
        "handle": handle,
        "dedupe_key": f"{handle}:{key}"[:255],
        "payload": payload,
        "status": St.PENDING,
        "attempts": 0,
        "next_at": now,
        "error": None,
        "sent_at": None,
        "created_at": now,
    }
    statement = insert_ignoring_conflict(session.get_bind().dialect.name, _CALLS, ("shop_id", "dedupe_key"))
    return session.execute(statement, values).first() is not None
