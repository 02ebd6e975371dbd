"""Admin texts: Customers and Messages pages (Japanese default, English)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {}
