"""The demo store's saved segments, so the audience page shows something on first open."""

from __future__ import annotations

from sqlmodel import Session, select

from ..audiences.service import recount
from ..models import Segment, Shop
from ..timeutil import utcnow

SEGMENTS = (
    ("VIP（累計 3 万円以上）", [{"field": "total_spent", "op": "gte", "value": "30000"}]),
    ("未連携の友だち", [{"field": "linked", "value": False}]),
    ("最近購入なし（90 日）", [{"field": "last_order", "op": "not_within", "days": 90}]),
    (
        "首都圏のリピーター",
        [
            {"field": "prefecture", "op": "in", "values": ["JP-11", "JP-12", "JP-13", "JP-14"]},
            {"field": "orders_count", "op": "gte", "value": 2},
        ],
    ),
)


def seed_segments(*, session: Session, shop: Shop) -> dict:
    """Idempotent: a segment the merchant already has (by name) is left as it is; each is
    counted, so the list shows its size."""
    have = set(session.exec(select(Segment.name).where(Segment.shop_id == shop.id)).all())
    now = utcnow()
    for name, conditions in SEGMENTS:
        if name in have:
            continue
        definition = {"match": "all", "groups": [{"match": "all", "conditions": conditions}]}
        segment = Segment(shop_id=shop.id, name=name, definition=definition)
        session.add(segment)
        session.flush()
        recount(session=session, shop=shop, segment=segment, now=now)
    return {"segments": len(SEGMENTS)}
