"""Saved audiences (segments): a name and a definition, reused by campaigns, sequences and
rich menus. The definition is data (app/audiences/definition.py reads it); who is in the
segment is always worked out when asked, never copied, so it cannot go stale."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import created, pk, shop_fk, updated, when
from .types import JSONType


class Segment(SQLModel, table=True):
    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("shop_id", "name", name="uq_segments_shop_name"),)

    id: int | None = pk()
    shop_id: int = shop_fk()
    name: str = Field(max_length=100)
    # {"match": "all", "groups": [{"match": "any", "conditions": [...]}]} (local data), or
    # {"shopify_segment_id": "gid://shopify/Segment/…"} (a Shopify customer segment).
    definition: dict = Field(default_factory=dict, sa_type=JSONType)
    # The reachable friends when last counted (not blocked, not opted out), for lists.
    size_linked: int | None = None
    size_unlinked: int | None = None
    counted_at: datetime | None = when()
    created_at: datetime = created()
    updated_at: datetime = updated()
