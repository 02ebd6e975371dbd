"""Each shop's flow settings: on/off, steps and timing, options, with sensible defaults.

Stored in `shop.settings["flows"][flow]`; anything the merchant has not set falls back
to the flow's defaults in the registry, so a new option never needs a data migration.
"""

from __future__ import annotations

import copy

from ..models import Shop
from .registry import flows, is_marketing, spec

# Kept for the admin until it asks the registry (`flows()`, `spec(flow).defaults/.marketing`).
DEFAULTS: dict[str, dict] = {str(flow): spec(flow).defaults for flow in flows()}
MARKETING = {str(flow) for flow in flows() if is_marketing(flow)}
POLICIES = {
    "quiet_start": "21:00",
    "quiet_end": "09:00",
    "cap_per_day": 1,
    "cap_per_30_days": 4,
    "quota_reserve": 0.1,  # share of the monthly quota kept for transactional messages
}


def flow_settings(shop: Shop, flow: str) -> dict:
    merged = copy.deepcopy(spec(flow).defaults)
    merged.update((shop.settings or {}).get("flows", {}).get(flow) or {})
    return merged


def policy_settings(shop: Shop) -> dict:
    return {**POLICIES, **((shop.settings or {}).get("policies") or {})}
