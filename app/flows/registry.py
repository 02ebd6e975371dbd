"""The flow registry: one name, kind and set of defaults per automated message.

Every module that needs a flow's name, whether it is marketing, its default settings or
its dedupe-key format asks here instead of spelling a string. Later senders (campaigns,
step sequences, back-in-stock, …) plug in by adding a `Flow` member and a `FlowSpec`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Flow(StrEnum):
    """What `Notification.flow` holds (the values are stored: never rename one)."""

    ABANDONED_CHECKOUT = "abandoned_checkout"
    ABANDONED_CART = "abandoned_cart"
    ORDER_CONFIRMATION = "order_confirmation"
    SHIPPING_UPDATE = "shipping_update"
    AFTER_DELIVERY = "after_delivery"
    REPURCHASE = "repurchase"


class Kind(StrEnum):
    MARKETING = "marketing"  # quiet hours, caps, opt-outs and the quota reserve apply
    TRANSACTIONAL = "transactional"  # order and shipping facts: always sent when linked


@dataclass(frozen=True)
class FlowSpec:
    flow: Flow
    kind: Kind
    # Settings a shop has not changed (`shop.settings["flows"][flow]` overrides them).
    defaults: dict = field(default_factory=dict)

    @property
    def marketing(self) -> bool:
        return self.kind is Kind.MARKETING


_SPECS = (
    FlowSpec(
        Flow.ABANDONED_CHECKOUT,
        Kind.MARKETING,
        {
            "enabled": True,
            # Minutes after the checkout was last updated; up to three steps.
            "steps": [{"delay_min": 60, "discount": None}, {"delay_min": 23 * 60, "discount": None}],
            "min_total": 0,
            "skip_if_ordered_within_h": 24,
        },
    ),
    FlowSpec(
        Flow.ABANDONED_CART,
        Kind.MARKETING,
        {
            "enabled": True,
            "steps": [{"delay_min": 120, "discount": None}],
            "min_total": 0,
            "skip_if_ordered_within_h": 24,
        },
    ),
    FlowSpec(Flow.ORDER_CONFIRMATION, Kind.TRANSACTIONAL, {"enabled": True}),
    FlowSpec(
        Flow.SHIPPING_UPDATE,
        Kind.TRANSACTIONAL,
        {
            "enabled": True,
            "statuses": {
                "shipped": True,
                "out_for_delivery": True,
                "delivered": True,
                "attempted_delivery": True,
                "failure": True,
            },
        },
    ),
    FlowSpec(Flow.AFTER_DELIVERY, Kind.MARKETING, {"enabled": False, "delay_days": 7, "review_url": ""}),
    FlowSpec(
        Flow.REPURCHASE,
        Kind.MARKETING,
        {
            "enabled": True,
            # Consumption cycles in days, by product id, product type or tag (first match wins).
            "cycles": {"products": {}, "types": {}, "tags": {}},
        },
    ),
)

REGISTRY: dict[Flow, FlowSpec] = {spec.flow: spec for spec in _SPECS}


def flows() -> tuple[Flow, ...]:
    """Every flow, in the order the admin lists them."""
    return tuple(REGISTRY)


def spec(flow: str) -> FlowSpec:
    return REGISTRY[Flow(flow)]


def is_marketing(flow: str) -> bool:
    return spec(flow).marketing
