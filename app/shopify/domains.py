"""The one test of a shop domain that came from outside: a query string, a header, a token.

A shop is `<handle>.myshopify.com`, the handle one DNS label (ASCII letters, digits and
inner hyphens). Anything else is refused where it enters, before it reaches a header
(`frame-ancestors https://{shop}`: `*` would let any site frame the app, a CR/LF breaks the
response), a URL or a new Shop row. Shopify's own domains only: a custom storefront domain
names no shop here.
"""

from __future__ import annotations

import re

SUFFIX = ".myshopify.com"
_DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.myshopify\.com")


def myshopify_domain(value: object) -> str | None:
    """`value` as a shop's domain in lower case, or None when it is not one. ASCII only, so
    lower-casing cannot turn a look-alike (the Kelvin sign) into a letter; no whitespace is
    trimmed: a value with any is not a domain."""
    if not isinstance(value, str) or not value.isascii():
        return None
    domain = value.lower()
    return domain if _DOMAIN.fullmatch(domain) else None


def from_handle(handle: object) -> str | None:
    """The domain of a handle the shopifyapp package hands back ("example" → example.myshopify.com)."""
    return myshopify_domain(f"{handle}{SUFFIX}") if isinstance(handle, str) and handle else None
