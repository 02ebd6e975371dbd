"""The JSON a customers/data_request produces: everything Tsunagu holds about one customer.

One section per kind of row (privacy/holdings.py finds them); `SECTIONS` says which table
each section comes from, so a test can check the export against the database's catalog.
Raw deliveries are handed over as they were received (parsed JSON when they are JSON).
"""

from __future__ import annotations

import json

from sqlmodel import SQLModel

from ..privacy.holdings import Holdings

# section → table it holds rows of
SECTIONS = {
    "customer": "customers",
    "line_account": "line_friends",
    "other_line_accounts": "line_friends",
    "line_chat": "line_events",
    "orders": "orders",
    "checkouts": "checkouts",
    "carts": "carts",
    "fulfillments": "fulfillments",
    "attributions": "attributions",
    "messages": "notifications",
    "tracked_links": "tracked_links",
    "link_clicks": "link_clicks",
    "link_history": "link_audits",
    "link_requests": "link_nonces",
    "searches": "search_logs",
    "back_in_stock_requests": "back_in_stock_requests",
    "product_views": "product_views",
    "blocks": "friend_blocks",
    "friend_source_visits": "friend_source_visits",
    "rich_menus": "rich_menu_links",
    "step_sequences": "sequence_runs",
    "line_requests": "line_dry_runs",
    "webhook_deliveries": "webhook_events",
    "privacy_requests": "compliance_requests",
}


def _row(obj: SQLModel | None, exclude: set[str] = frozenset()) -> dict | None:
    if obj is None:
        return None
    return obj.model_dump(mode="json", exclude={"shop_id", *exclude})


def _rows(objs: list, exclude: set[str] = frozenset()) -> list[dict]:
    return [_row(o, exclude) for o in objs]


def customer_export(held: Holdings) -> dict:
    linked = next((f for f in held.friends if held.customer and f.customer_id == held.customer.id), None)
    return {
        "customer": _row(held.customer),
        "line_account": _row(linked, {"channel_id"}),
        "other_line_accounts": _rows([f for f in held.friends if f is not linked], {"channel_id"}),
        "line_chat": [
            {"id": e.id, "type": e.type, "at": e.occurred_at.isoformat() if e.occurred_at else None, "event": e.body}
            for e in held.chat
        ],
        "orders": [
            {**_row(o), "line_items": _rows([i for i in held.line_items if i.order_id == o.id], {"order_id"})}
            for o in held.orders
        ],
        "checkouts": _rows(held.checkouts),
        "carts": _rows(held.carts),
        "fulfillments": _rows(held.fulfillments),
        "attributions": _rows(held.attributions),
        "messages": _rows(held.notifications),
        "tracked_links": _rows(held.tracked_links),
        "link_clicks": _rows(held.clicks),
        "link_history": _rows(held.link_audits),
        "link_requests": _rows(held.link_nonces, {"nonce", "login_nonce"}),
        "searches": _rows(held.searches),
        "back_in_stock_requests": _rows(held.back_in_stock),
        "product_views": _rows(held.product_views),
        "blocks": _rows(held.blocks),
        "friend_source_visits": _rows(held.source_visits, {"login_nonce", "ip_hash"}),
        "rich_menus": _rows(held.rich_menu_links),
        "step_sequences": _rows(held.sequence_runs),
        "line_requests": _rows(held.dry_runs, {"channel_id"}),
        "webhook_deliveries": [_delivery(e) for e in held.deliveries],
        "privacy_requests": _rows(held.requests, {"export"}),
    }


def _delivery(event) -> dict:
    try:
        body = json.loads(event.body)
    except ValueError:
        body = event.body
    return {
        "id": event.id,
        "topic": event.topic,
        "webhook_id": event.webhook_id,
        "received_at": event.received_at.isoformat() if event.received_at else None,
        "trimmed_at": event.body_trimmed_at.isoformat() if event.body_trimmed_at else None,
        "body": body,
    }
