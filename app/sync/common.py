"""Helpers every upsert shares: parsing Shopify's values and the stale-update rule."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from ..timeutil import as_utc

M = TypeVar("M", bound=SQLModel)

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


class PayloadError(ValueError):
    """A verified payload that lacks what its topic needs (logged, never a 500)."""


def money(value) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal("0")
    except InvalidOperation:
        return Decimal("0")


def optional_money(value) -> Decimal | None:
    return None if value in (None, "") else money(value)


def as_int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def required_id(payload: dict, key: str = "id") -> int:
    value = as_int(payload.get(key)) if isinstance(payload, dict) else None
    if value is None:
        raise PayloadError(f"payload has no numeric {key!r}")
    return value


def text(value, limit: int | None = None) -> str | None:
    if value is None:
        return None
    value = str(value)
    return value[:limit] if limit else value


def plain_text(html_text: str | None) -> str:
    """Description HTML as searchable plain text."""
    if not html_text:
        return ""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", html_text))).strip()


def is_stale(current: datetime | None, incoming: datetime | None) -> bool:
    """A delivery older than what we hold must not overwrite it (equal is a replay)."""
    current, incoming = as_utc(current), as_utc(incoming)
    return current is not None and incoming is not None and incoming < current


def upsert(session: Session, model: type[M], keys: dict, apply: Callable[[M], None]) -> M:
    """Find the row by its natural key or create it, then let `apply` fill it in.

    A concurrent insert of the same key (two deliveries at once on PostgreSQL) loses
    the race inside a savepoint and is retried as an update.
    """
    row = session.exec(select(model).filter_by(**keys)).first()
    if row is not None:
        apply(row)
        return row
    row = model(**keys)
    apply(row)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        row = session.exec(select(model).filter_by(**keys)).one()
        apply(row)
    return row
