"""The flow registry: one name, kind, set of defaults, key format and builder per sender.

Every module that needs a flow's name, whether it is marketing, its default settings, its
texts or its dedupe keys asks here instead of spelling a string; the values of `Flow` are
what `Notification.flow` (and clicks, attributions, blocks) store, so they never change.

This module imports no other flow module: the builder and the re-check are named as
"module:function" and imported on first use, so `app.flows.registry` can be imported from
anywhere (the admin, tracking, the flow modules themselves) without an import circle.

Adding a sender (a broadcast, a step sequence, back-in-stock, browse abandonment):

1. add a `Flow` member; its value is stored in every row it sends: pick it for good;
2. add a `FlowSpec` to `_SPECS` with
   - `kind`: MARKETING obeys quiet hours, the frequency caps, opt-outs and the quota
     reserve; TRANSACTIONAL (a fact the shopper is waiting for) is sent as soon as it is
     due; REQUESTED (a notice the shopper asked for) obeys opt-outs and quiet hours only.
     `outbox.schedule` stores whether it is marketing on the row (`Notification.marketing`),
     which the caps and the quota read; `policies.decide` asks the spec (`considerate`)
     whether opt-outs and quiet hours apply;
   - `defaults`: the settings a shop has not changed (`flow_settings()` merges them), with
     `"steps"` (`{"delay_min": …}` each) for a sender that sends in steps, and `max_steps`;
   - `keys`: its dedupe-key format (`Keys`). Every message it schedules takes
     `spec(flow).keys.key(...)`, and whatever withdraws messages about one subject cancels
     `spec(flow).keys.prefix(...)`: a repeated event then never sends twice;
   - `builder`: "module:function" of its message builder, called as
     `spec(flow).build(shop, sample, lang=…, name=…, settings=…, template=…, step=…)` and
     returning LINE message dicts (`app.flows.builders` has one per flow, each handing the
     sample to the function the flow itself schedules with; a preview of any flow is one call);
   - `variables`, and `parts` if it has one text per part (shipping statuses): its
     merchant-editable texts are `spec.templates`;
   - `delayable` if, held back by the daily cap, it may wait for tomorrow instead of being
     skipped (`policies.decide`);
   - `recheck`: "module:function" asked by the worker right before sending, answering why
     the message has become moot or None (`moot.reason`), if its reason can go away;
3. put the default of each of `spec.templates` in the flows catalog (`app/flows/texts.toml`,
   at `spec.text_key(template)`), and its name for the merchant in the admin's catalog;
4. schedule through `outbox.schedule(session, shop=…, flow=Flow.X, dedupe_key=spec.keys.key(…))`.
   The dispatcher and the policies need no change: they read the row and the spec.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import import_module
from typing import Any

from ..models.restock import DEFAULT_EXPIRY_DAYS

KEY_LIMIT = 255  # notifications.dedupe_key is a VARCHAR(255)


class Flow(StrEnum):
    """What `Notification.flow` holds (the values are stored: never rename one)."""

    ABANDONED_CHECKOUT = "abandoned_checkout"
    ABANDONED_CART = "abandoned_cart"
    ORDER_CONFIRMATION = "order_confirmation"
    SHIPPING_UPDATE = "shipping_update"
    AFTER_DELIVERY = "after_delivery"
    REPURCHASE = "repurchase"
    BACK_IN_STOCK = "back_in_stock"
    BROWSE_ABANDONMENT = "browse_abandonment"
    SEQUENCE = "sequence"  # a step of a step sequence (app/sequences)
    SHOPIFY_FLOW = "shopify_flow"


class Kind(StrEnum):
    MARKETING = "marketing"  # quiet hours, caps, opt-outs and the quota reserve apply
    TRANSACTIONAL = "transactional"  # order and shipping facts: always sent when linked
    # The shopper asked for it (back in stock): opt-outs and quiet hours apply, the caps
    # and the quota reserve do not; its rows are not marketing (`Notification.marketing`).
    REQUESTED = "requested"


@dataclass(frozen=True)
class Keys:
    """A dedupe-key format such as "checkout:{token}:{step}".

    `key(...)` names one message; `prefix(...)` is the key up to the first field not given,
    which is what cancelling every message about one subject (a checkout, a fulfillment)
    matches. Stored keys keep their format forever: a new format would let a repeated
    webhook schedule a message that was already sent."""

    pattern: str

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(name for _lit, name, _spec, _conv in string.Formatter().parse(self.pattern) if name)

    def key(self, **values: Any) -> str:
        self._check(values, complete=True)
        return self.pattern.format(**values)[:KEY_LIMIT]

    def prefix(self, **values: Any) -> str:
        self._check(values, complete=False)
        text = []
        for literal, name, _spec, _conv in string.Formatter().parse(self.pattern):
            text.append(literal)
            if not name or name not in values:
                break
            text.append(str(values[name]))
        return "".join(text)

    def _check(self, values: dict, *, complete: bool) -> None:
        known = self.fields
        unknown = set(values) - set(known)
        missing = [] if not complete else [n for n in known if n not in values]
        if unknown or missing:
            raise TypeError(f"{self.pattern!r}: unknown {sorted(unknown)}, missing {missing}")


@dataclass(frozen=True)
class FlowSpec:
    flow: Flow
    kind: Kind
    keys: Keys
    builder: str  # "module:function", see the module docstring
    variables: frozenset[str]  # the placeholders its texts may use
    # Settings a shop has not changed (`shop.settings["flows"][flow]` overrides them).
    defaults: dict = field(default_factory=dict)
    parts: tuple[str, ...] = ()  # messages with a text of their own (shipping statuses)
    max_steps: int = 1
    delayable: bool = False  # held by the daily cap, it waits for tomorrow instead of being skipped
    recheck: str | None = None  # "module:function": why a due message is moot now, or None
    # Listed and edited on the 自動配信 page (a sender with its own page, sequences, is not).
    automation: bool = True

    @property
    def marketing(self) -> bool:
        return self.kind is Kind.MARKETING

    @property
    def considerate(self) -> bool:
        """Whether opt-outs and quiet hours apply (marketing, and what the shopper asked for)."""
        return self.kind is not Kind.TRANSACTIONAL

    @property
    def steps(self) -> list[dict]:
        """The default step timings (`delay_min` after the event), for senders in steps."""
        return self.defaults.get("steps", [])

    @property
    def templates(self) -> tuple[str, ...]:
        """The names of its merchant-editable texts (as `flows/templates.py` keys them)."""
        return tuple(self.template(part) for part in self.parts) or (self.template(),)

    def template(self, part: str | None = None) -> str:
        return f"{self.flow}:{part}" if part else str(self.flow)

    def text_key(self, template: str) -> str:
        """The catalog key of a template's default text ("flows.template.shipping_update.shipped")."""
        return "flows.template." + template.replace(":", ".")

    def build(self, shop: Any, sample: Any, **options: Any) -> list[dict]:
        """Its messages for `sample`; options as `app.flows.builders` describes."""
        return resolve(self.builder)(shop, sample, **options)

    def moot(self, *, session: Any, row: Any, shop: Any, now: Any) -> str | None:
        """Why this due message should not go out any more, or None (asked before sending)."""
        if self.recheck is None:
            return None
        return resolve(self.recheck)(session=session, row=row, shop=shop, now=now)


@cache
def resolve(ref: str) -> Callable:
    """The function a "module:function" reference names (imported on first use)."""
    module, _, name = ref.partition(":")
    return getattr(import_module(module), name)


_COMMON = frozenset({"customer_name", "shop_name"})

_SPECS = (
    FlowSpec(
        Flow.ABANDONED_CHECKOUT,
        Kind.MARKETING,
        Keys("checkout:{token}:{step}"),
        "app.flows.builders:abandoned_checkout",
        _COMMON | {"total", "items", "discount_code", "checkout_url"},
        {
            "enabled": True,
            # Minutes after the checkout was last updated; up to three steps.
            "steps": [{"delay_min": 60, "discount": None}, {"delay_min": 23 * 60, "discount": None}],
            "min_total": 0,
            "skip_if_ordered_within_h": 24,
        },
        max_steps=3,
        recheck="app.flows.abandoned:recheck",
    ),
    FlowSpec(
        Flow.ABANDONED_CART,
        Kind.MARKETING,
        Keys("cart:{token}:{step}"),
        "app.flows.builders:abandoned_cart",
        _COMMON | {"total", "items", "discount_code", "cart_url"},
        {
            "enabled": True,
            "steps": [{"delay_min": 120, "discount": None}],
            "min_total": 0,
            "skip_if_ordered_within_h": 24,
        },
        max_steps=3,
        recheck="app.flows.abandoned:recheck",
    ),
    FlowSpec(
        Flow.ORDER_CONFIRMATION,
        Kind.TRANSACTIONAL,
        Keys("order:{order}"),
        "app.flows.builders:order_confirmation",
        _COMMON | {"order_name", "total", "items", "order_status_url"},
        {"enabled": True},
    ),
    FlowSpec(
        Flow.SHIPPING_UPDATE,
        Kind.TRANSACTIONAL,
        Keys("ship:{fulfillment}:{status}"),
        "app.flows.builders:shipping_update",
        _COMMON | {"order_name", "carrier", "tracking_number", "tracking_url"},
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
        parts=("shipped", "out_for_delivery", "delivered", "attempted_delivery", "failure"),
    ),
    FlowSpec(
        Flow.AFTER_DELIVERY,
        Kind.MARKETING,
        Keys("after:{fulfillment}:"),
        "app.flows.builders:after_delivery",
        _COMMON | {"order_name", "review_url"},
        {"enabled": False, "delay_days": 7, "review_url": ""},
        delayable=True,
    ),
    FlowSpec(
        Flow.REPURCHASE,
        Kind.MARKETING,
        Keys("repurchase:{customer}:{product}:{order}:"),
        "app.flows.builders:repurchase",
        _COMMON | {"product_title", "days", "cart_url"},
        {
            "enabled": True,
            # Consumption cycles in days, by product id, product type or tag (first match wins).
            "cycles": {"products": {}, "types": {}, "tags": {}},
        },
        delayable=True,
    ),
    FlowSpec(
        Flow.BACK_IN_STOCK,
        Kind.REQUESTED,
        Keys("restock:{request}"),  # once per request, whatever restock notices it
        "app.flows.builders:back_in_stock",
        _COMMON | {"product_title", "variant_title", "product_url"},
        {
            "enabled": True,
            # Requests notified per restock: available quantity × factor (the rest wait).
            "factor": 3,
            "expiry_days": DEFAULT_EXPIRY_DAYS,
        },
        recheck="app.flows.back_in_stock:recheck",
    ),
    FlowSpec(
        Flow.BROWSE_ABANDONMENT,
        Kind.MARKETING,
        # One reminder per customer per day of the shop's zone, however many views: the
        # key, not a count, is what stops a flood of (forged) pixel events from sending more.
        Keys("browse:{customer}:{day}"),
        "app.flows.builders:browse_abandonment",
        _COMMON | {"product_title", "items"},
        {
            "enabled": True,
            # Hours after the customer's last product view without an order since.
            "delay_hours": 4,
        },
        recheck="app.flows.browse_abandonment:recheck",
    ),
    FlowSpec(
        Flow.SEQUENCE,
        Kind.MARKETING,
        # Once per run and step: a step is scheduled once, whatever worker or retry gets there.
        Keys("seq:{sequence}:{run}:{step}"),
        "app.sequences.render:sample",
        _COMMON,
        {"enabled": True},
        max_steps=10,
        # Held back by a cap, a step waits a day at a time until its row's `wait_until`.
        recheck="app.sequences.advance:recheck",
        automation=False,
    ),
    FlowSpec(
        # Sent by the merchant's Shopify Flow workflows ("Send LINE message"): once per
        # action run. The action says whether a message is marketing; its rows then carry
        # that (`outbox.schedule(marketing=…)`), so the caps and opt-outs apply to them.
        Flow.SHOPIFY_FLOW,
        Kind.TRANSACTIONAL,
        Keys("shopify-flow:{run}"),
        "app.flows.builders:shopify_flow",
        _COMMON | {"message"},
        {"enabled": True},
    ),
)

REGISTRY: dict[Flow, FlowSpec] = {spec.flow: spec for spec in _SPECS}


def flows() -> tuple[Flow, ...]:
    """Every flow, in the order the admin lists them."""
    return tuple(REGISTRY)


def automations() -> tuple[Flow, ...]:
    """The flows the 自動配信 page lists and edits (not senders with a page of their own)."""
    return tuple(flow for flow, entry in REGISTRY.items() if entry.automation)


def spec(flow: str) -> FlowSpec:
    return REGISTRY[Flow(flow)]


def is_marketing(flow: str) -> bool:
    return spec(flow).marketing
