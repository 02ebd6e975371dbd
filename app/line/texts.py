"""Merchant-editable texts: the shop's own wording first, the catalog's default otherwise.

What the bot says (`line.chat.*`) and the flows' messages (`flows.template.*`) are
templates a merchant may rewrite. Their defaults live in the catalogs (`app/line/texts.toml`,
`app/flows/texts.toml`, read through `app.i18n`); a shop's edits live in
`shop.settings["line_texts"]` under the keys they have always been saved under ("greeting",
"menu.order", "flow:shipping_update:shipped"), so merchants' edits survive. Templates use
`{variable}` placeholders; an unknown placeholder is left as written rather than breaking
the message.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from .. import i18n
from ..models import Shop

# Editable catalog keys, and how their saved key is spelled in the shop's settings.
CHAT = "line.chat."  # "line.chat.menu.order" is saved as "menu.order"
FLOW = "flows.template."  # "flows.template.shipping_update.shipped" as "flow:shipping_update:shipped"
FLOW_SAVED = "flow:"


@dataclass(frozen=True)
class Speaker:
    """A shopper known only by the language they read: a browser (its Accept-Language),
    or a chat whose friend is not recorded. Stands in for the friend in `i18n.language`."""

    language: str | None = None


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def saved_key(key: str) -> str:
    """Where the shop's settings keep the merchant's text for catalog key `key`."""
    if key.startswith(CHAT):
        return key[len(CHAT) :]
    if key.startswith(FLOW):
        return FLOW_SAVED + key[len(FLOW) :].replace(".", ":")
    raise i18n.MissingText(f"{key!r} is not a merchant-editable text")


def catalog_key(key: str) -> str:
    """The catalog key of `key`, given either way (catalog key, or the saved key)."""
    if key.startswith((CHAT, FLOW)):
        return key
    if key.startswith(FLOW_SAVED):
        return FLOW + key[len(FLOW_SAVED) :].replace(":", ".")
    return CHAT + key


def template(shop: Shop, key: str, lang: str, defaults: dict[str, dict[str, str]] | None = None) -> str:
    """The merchant's text for `key` in `lang`, else the catalog's default.

    `key` is the catalog key ("line.chat.greeting"); the saved key ("greeting",
    "flow:repurchase") is accepted too. `defaults` ({key: {"ja", "en"}}) is only for
    callers that still pass their own; the catalog is the source otherwise."""
    full = catalog_key(key)
    custom = ((shop.settings or {}).get("line_texts") or {}).get(saved_key(full)) or {}
    if custom.get(lang):
        return custom[lang]
    if defaults is not None and key in defaults:
        return defaults[key].get(lang) or defaults[key]["ja"]
    return i18n.t(full, lang)


def well_formed(template_text: str) -> bool:
    """Whether every { and } pairs up (a template saved before validation may not)."""
    try:
        list(string.Formatter().parse(template_text))
    except ValueError:
        return False
    return True


def fill(template_text: str, shop: Shop, values: dict) -> str:
    """The text with its variables filled in; a malformed template is sent as written
    rather than failing the message."""
    try:
        return template_text.format_map(_Keep({"shop_name": shop.name or shop.domain, **values}))
    except (ValueError, IndexError, AttributeError, KeyError):
        return template_text


def text(shop: Shop, key: str, lang: str, **values) -> str:
    """The merchant's (or the default) text for `key` in `lang`, filled in."""
    return fill(template(shop, key, lang), shop, values)
