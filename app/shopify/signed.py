"""Signed facts only: a delivery acts on the shop its signed body names, never on the
unsigned X-Shopify-Shop-Domain header alone.

Shopify's HMAC covers the body, not the headers, so a validly signed body of one shop can
be sent again with another shop's domain (and topic) in the headers and a fresh webhook
id. For the topics whose body names the shop, the body must name this very shop and be
the shape of its topic; otherwise the delivery is refused: recorded with the reason,
nothing done. The shapes (Shopify's documented payloads):

- shop/redact: {shop_id, shop_domain}
- customers/redact: {shop_id, shop_domain, customer, orders_to_redact}
- customers/data_request: {shop_id, shop_domain, customer, orders_requested, data_request}
- app/uninstalled, shop/update: the shop object ({id, myshopify_domain, domain, ...});
  `domain` is the shop's primary domain, which may be its own (non-myshopify) domain.

Other topics' bodies do not name the shop (an order is an order of whichever shop sent
it); their handlers only ever touch rows of the shop the delivery is filed under.
"""

from __future__ import annotations

from ..models import Shop

SHOP_OBJECT = ("app/uninstalled", "shop/update")
PRIVACY = ("shop/redact", "customers/redact", "customers/data_request")
SHOP_NAMED = (*SHOP_OBJECT, *PRIVACY)

# Fields that belong to one topic's body only: seeing them under another topic means a
# body was replayed under the wrong topic (a data request must never erase a shop).
_REQUIRED = {
    "customers/redact": ("customer",),
    "customers/data_request": ("customer",),
}
_FOREIGN = {
    "shop/redact": ("customer", "orders_to_redact", "orders_requested", "data_request", "myshopify_domain"),
    "customers/redact": ("orders_requested", "data_request", "myshopify_domain"),
    "customers/data_request": ("orders_to_redact", "myshopify_domain"),
    "app/uninstalled": ("shop_domain", "customer", "orders_to_redact", "orders_requested", "data_request"),
    "shop/update": ("shop_domain", "customer", "orders_to_redact", "orders_requested", "data_request"),
}


class Refused(ValueError):
    """A delivery whose signed body does not vouch for the shop it is filed under."""


def check(*, topic: str, shop: Shop, payload: dict) -> None:
    """Raise Refused unless the body may act on `shop`."""
    reason = refusal(topic=topic, shop=shop, payload=payload)
    if reason is not None:
        raise Refused(reason)


def refusal(*, topic: str, shop: Shop, payload: dict) -> str | None:
    """Why this delivery must not act on `shop`, or None when its body vouches for it."""
    if topic not in SHOP_NAMED:
        return None
    for key in _REQUIRED.get(topic, ()):
        if not isinstance(payload.get(key), dict):
            return f"a {topic} body carries {key!r}; this one does not"
    foreign = [key for key in _FOREIGN.get(topic, ()) if key in payload]
    if foreign:
        return f"not a {topic} body (it carries {', '.join(foreign)})"
    named = named_domains(topic, payload)
    if not named:
        return f"the body of this {topic} names no shop domain"
    others = sorted(d for d in named if d != shop.domain)
    if others:
        return f"the body names shop {others[0][:255]!r}, the header {shop.domain!r}"
    return None


def named_domains(topic: str, payload: dict) -> set[str]:
    """The myshopify domains the body names (a custom primary domain proves nothing)."""
    keys = ("myshopify_domain", "domain") if topic in SHOP_OBJECT else ("shop_domain",)
    found = set()
    for key in keys:
        value = payload.get(key)
        if isinstance(value, str) and value.strip():
            domain = value.strip().lower()
            if key != "domain" or domain.endswith(".myshopify.com"):
                found.add(domain)
    return found
