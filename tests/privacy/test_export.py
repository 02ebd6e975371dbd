"""The data-request export holds everything held about the shopper: every row of every
table (read through the database's catalog) that names them or points at them is in it,
and nothing of another shopper or shop is."""

from __future__ import annotations

import json

from sqlmodel import select

from app import ext
from app import models as m
from app.shopify.export import SECTIONS
from tests.helpers import fresh
from tests.privacy.scan import rows_referencing
from tests.privacy.story import Markers, body_for


def exported_keys(export: dict) -> dict[str, set[str]]:
    """table → ids (as text) of the rows the export hands over."""
    keys: dict[str, set[str]] = {}
    for section, table in SECTIONS.items():
        value = export[section]
        items = value if isinstance(value, list) else [value] if value else []
        keys.setdefault(table, set()).update(_key(item["id"]) for item in items)
    return keys


def _key(value) -> str:
    """Ids as text the same way on both sides (SQLite keeps a UUID as 32 hex digits)."""
    return str(value).replace("-", "")


def latest_export(db, shop: m.Shop) -> m.ComplianceRequest:
    fresh(db)
    return db.exec(
        select(m.ComplianceRequest)
        .where(m.ComplianceRequest.shop_id == shop.id, m.ComplianceRequest.topic == "customers/data_request")
        .order_by(m.ComplianceRequest.id.desc())
    ).first()


def test_export_cross_checks_with_every_table_holding_the_shopper(app, db, shop_a_story, shop_b_story):
    a, b = shop_a_story, shop_b_story
    a.tell(login=True)
    b.tell(login=False)
    stranger = Markers.new(706405506930311111)
    a.webhook("customers/create", body_for("customers/create", stranger, a.domain))
    order = {"id": 42, "name": "#42", "checkout_token": "st-checkout", "cart_token": "st-cart", "token": "st"}
    a.webhook("orders/create", {**body_for("orders/create", stranger, a.domain), **order})
    a.webhook("customers/data_request")  # the second request: the first one is held too
    request = latest_export(db, a.shop)
    customer = db.exec(
        select(m.Customer).where(m.Customer.shop_id == a.shop.id, m.Customer.shopify_id == a.markers.customer_id)
    ).one()
    friend = db.exec(select(m.LineFriend).where(m.LineFriend.customer_id == customer.id)).one()
    ids = {
        "customer_id": customer.id,
        "customer_shopify_id": a.markers.customer_id,
        "friend_id": friend.id,
        "line_user_id": a.markers.line_user_id,
    }

    held = rows_referencing(ext.engine(app), a.shop.id, ids, a.markers.values())
    held = {table: {_key(k) for k in keys} for table, keys in held.items()}
    held["compliance_requests"].discard(_key(request.id))  # the export being made
    exported = exported_keys(request.export)

    assert {
        "carts",
        "link_clicks",
        "tracked_links",
        "link_nonces",
        "search_logs",
        "line_dry_runs",
        "friend_blocks",
        "back_in_stock_requests",
        "product_views",
    } <= set(held)
    for table, keys in held.items():
        assert keys <= exported.get(table, set()), (table, keys - exported.get(table, set()))
    text = json.dumps(request.export, ensure_ascii=False).lower()
    assert a.markers.chat_text.lower() in text and a.markers.display_name.lower() in text
    for other in (stranger, b.markers):
        assert not [v for v in other.values().values() if v.lower() in text]


def test_export_of_an_unknown_customer_is_empty_not_an_error(app, db, shop_a_story):
    a = shop_a_story
    a.webhook("customers/data_request", {"shop_domain": a.domain, "customer": {"id": 1}, "data_request": {"id": 7}})

    export = latest_export(db, a.shop).export
    assert export["customer"] is None and export["line_account"] is None
    assert [d["topic"] for d in export["webhook_deliveries"]] == ["customers/data_request"]  # this request
    assert all(not v for k, v in export.items() if isinstance(v, list) and k != "webhook_deliveries")
