"""Fulfillments (fulfillments/create|update): carrier, tracking and shipment status."""

from __future__ import annotations

from sqlmodel import Session

from ..models import Fulfillment, Shop
from ..timeutil import parse_ts
from .common import as_count, as_int, as_list, is_stale, required_id, text, upsert


def _strings(values) -> list[str]:
    return [text(v, 2048) for v in as_list(values) if v not in (None, "") and not isinstance(v, (dict, list))]


def upsert_fulfillment(*, session: Session, shop: Shop, payload: dict) -> Fulfillment:
    shopify_id = required_id(payload)
    order_id = required_id(payload, "order_id")
    incoming = parse_ts(payload.get("updated_at"))

    def apply(row: Fulfillment) -> None:
        if is_stale(row.shopify_updated_at, incoming):
            return
        row.order_shopify_id = order_id
        row.name = text(payload.get("name"), 64)
        row.status = text(payload.get("status"), 32)
        # An update may omit shipment_status; never erase one we already know.
        row.shipment_status = text(payload.get("shipment_status"), 32) or row.shipment_status
        row.tracking_company = text(payload.get("tracking_company"), 255)
        numbers = _strings(payload.get("tracking_numbers")) or _strings([payload.get("tracking_number")])
        urls = _strings(payload.get("tracking_urls")) or _strings([payload.get("tracking_url")])
        row.tracking_numbers, row.tracking_urls = numbers, urls
        row.line_items = [
            {
                "id": as_int(i.get("id")),
                "variant_id": as_int(i.get("variant_id")),
                "title": text(i.get("title"), 255),
                "quantity": as_count(i.get("quantity")) or 0,
            }
            for i in as_list(payload.get("line_items"))
            if isinstance(i, dict)
        ]
        row.shopify_created_at = row.shopify_created_at or parse_ts(payload.get("created_at"))
        row.shopify_updated_at = incoming or row.shopify_updated_at

    return upsert(session=session, model=Fulfillment, keys={"shop_id": shop.id, "shopify_id": shopify_id}, apply=apply)
