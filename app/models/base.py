"""Fields every table repeats: its shop, and when it was created and changed."""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlmodel import Field

from ..timeutil import utcnow
from .types import BigPK, UTCDateTime


def pk():
    return Field(default=None, primary_key=True, sa_type=BigPK)


def shop_fk():
    return Field(foreign_key="shops.id", ondelete="CASCADE", index=True, sa_type=BigInteger)


def created():
    return Field(default_factory=utcnow, sa_type=UTCDateTime)


def updated():
    return Field(default_factory=utcnow, sa_type=UTCDateTime, sa_column_kwargs={"onupdate": utcnow})


def when(**kwargs):
    """An optional aware timestamp."""
    return Field(default=None, sa_type=UTCDateTime, **kwargs)


def shopify_ref(**kwargs):
    return Field(sa_type=BigInteger, **kwargs)


def optional_shopify_ref(**kwargs):
    return Field(default=None, sa_type=BigInteger, **kwargs)


__all__ = ["pk", "shop_fk", "created", "updated", "when", "shopify_ref", "optional_shopify_ref"]
