"""Each shop's flow settings: on/off, steps and timing, options, with sensible defaults.

Stored in `shop.settings["flows"][flow]`; anything the merchant has not set falls back
to DEFAULTS, so a new option never needs a data migration.
"""

from __future__ import annotations

import copy

from ..models import Shop

DEFAULTS: dict[str, dict] = {
    "abandoned_checkout": {
        "enabled": True,
        # Minutes after the checkout was last updated; up to three steps.
        "steps": [{"delay_min": 60, "discount": None}, {"delay_min": 23 * 60, "discount": None}],
        "min_total": 0,
        "skip_if_ordered_within_h": 24,
    },
    "abandoned_cart": {
        "enabled": True,
        "steps": [{"delay_min": 120, "discount": None}],
        "min_total": 0,
        "skip_if_ordered_within_h": 24,
    },
    "order_confirmation": {"enabled": True},
    "shipping_update": {
        "enabled": True,
        "statuses": {"shipped": True, "out_for_delivery": True, "delivered": True,
                     "attempted_delivery": True, "failure": True},
    },
    "after_delivery": {"enabled": False, "delay_days": 7, "review_url": ""},
    "repurchase": {
        "enabled": True,
        # Consumption cycles in days, by product id, product type or tag (first match wins).
        "cycles": {"products": {}, "types": {}, "tags": {}},
    },
}

MARKETING = {"abandoned_checkout", "abandoned_cart", "after_delivery", "repurchase"}
POLICIES = {
    "quiet_start": "21:00", "quiet_end": "09:00",
    "cap_per_day": 1, "cap_per_30_days": 4,
    "quota_reserve": 0.1,  # share of the monthly quota kept for transactional messages
}


def flow_settings(shop: Shop, flow: str) -> dict:
    merged = copy.deepcopy(DEFAULTS[flow])
    merged.update((shop.settings or {}).get("flows", {}).get(flow) or {})
    return merged


def policy_settings(shop: Shop) -> dict:
    return {**POLICIES, **((shop.settings or {}).get("policies") or {})}
