"""How money and text look to shoppers (LINE messages, previews)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .timeutil import as_utc

SYMBOLS = {"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "TWD": "NT$", "KRW": "₩"}
NO_DECIMALS = {"JPY", "KRW", "TWD"}


def money(amount, currency: str = "JPY") -> str:
    """¥1,980 — the way Japanese stores print prices (no decimals for yen)."""
    value = Decimal(str(amount or 0))
    digits = 0 if currency in NO_DECIMALS else 2
    number = f"{value:,.{digits}f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{number} {currency}"


def shorten(value: str, limit: int) -> str:
    """Cut to LINE's limit on characters, marking the cut with an ellipsis."""
    value = value or ""
    return value if len(value) <= limit else value[: max(0, limit - 1)] + "…"


def zone(timezone: str | None) -> ZoneInfo:
    """The shop's time zone (Tokyo when Shopify's name is unknown here)."""
    try:
        return ZoneInfo(timezone or "Asia/Tokyo")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Tokyo")


def local_time(value: datetime | None, timezone: str, pattern: str = "%Y/%m/%d %H:%M") -> str:
    """A timestamp as the merchant reads it: in the shop's time zone."""
    if value is None:
        return ""
    return as_utc(value).astimezone(zone(timezone)).strftime(pattern)
