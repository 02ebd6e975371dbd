"""Admin texts: Home / dashboard (Japanese default, English)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {}
