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

from ..db import storable_text
from ..timeutil import as_utc

M = TypeVar("M", bound=SQLModel)

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


class PayloadError(ValueError):
    """A verified payload that lacks what its topic needs (logged, never a 500)."""


# What the columns hold: ids are BIGINT, counts INTEGER, money NUMERIC(14, 2). A value
# past them is not Shopify's (a database error mid-transaction would fail the whole
# delivery with no useful reason), so it is read as absent or refused by name.
BIGINT_MAX = 2**63 - 1
INT_MAX = 2**31 - 1
MONEY_LIMIT = Decimal(10) ** 12


def money(value) -> Decimal:
    try:
        amount = Decimal(str(value)) if value not in (None, "") else Decimal("0")
    except (InvalidOperation, TypeError, ValueError):
        return Decimal("0")
    return bounded(amount)


def bounded(amount: Decimal) -> Decimal:
    """`amount` if a money column can hold it; PayloadError for NaN, infinity or 10^12 and up."""
    if not amount.is_finite() or abs(amount) >= MONEY_LIMIT:
        raise PayloadError(f"amount out of range: {str(amount)[:40]}")
    return amount


def optional_money(value) -> Decimal | None:
    return None if value in (None, "") else money(value)


def as_int(value, *, limit: int = BIGINT_MAX) -> int | None:
    """An integer the column can hold (BIGINT unless `limit` says less), else None."""
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if -limit - 1 <= number <= limit else None


def as_count(value) -> int | None:
    """A quantity or position (an INTEGER column)."""
    return as_int(value, limit=INT_MAX)


def as_list(value) -> list:
    """A list the payload should carry there; anything else is no items."""
    return value if isinstance(value, list) else []


def as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def required_id(payload: dict, key: str = "id") -> int:
    value = as_int(payload.get(key)) if isinstance(payload, dict) else None
    if value is None:
        raise PayloadError(f"payload has no numeric {key!r}")
    return value


def text(value, limit: int | None = None) -> str | None:
    """A string a text column can store: NUL dropped (PostgreSQL refuses it), a lone
    surrogate (valid in JSON, not in UTF-8) replaced."""
    if value is None:
        return None
    value = str(value)
    return storable_text(value[:limit] if limit else value)


def plain_text(html_text) -> str:
    """Description HTML as searchable plain text."""
    html_text = text(html_text)
    if not html_text:
        return ""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", html_text))).strip()


def is_stale(current: datetime | None, incoming: datetime | None) -> bool:
    """A delivery older than what we hold must not overwrite it (equal is a replay)."""
    current, incoming = as_utc(current), as_utc(incoming)
    return current is not None and incoming is not None and incoming < current


def upsert(*, session: Session, model: type[M], keys: dict, apply: Callable[[M], None]) -> M:
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
