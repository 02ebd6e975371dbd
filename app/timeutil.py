"""Timezone-aware UTC time helpers: every timestamp in the app is aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """Naive datetimes are taken to be UTC (SQLite returns them naive)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_ts(value) -> datetime | None:
    """Parse Shopify's ISO 8601 timestamps ("2026-11-25T10:00:00+09:00", "...Z")."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        return as_utc(datetime.fromisoformat(text))
    except (ValueError, OverflowError):  # not a date, or one past year 9999 in UTC
        return None
