"""The texts of automatic messages: Japanese and English defaults the merchant can edit.

A flow has one template, or one per shipping status ("shipping_update:shipped"): its
*template name*. The defaults are catalog texts (`flows.template.<name>` in
`app/flows/texts.toml`); a merchant's edit is stored with the chat's own texts in
`shop.settings["line_texts"]` under "flow:<name>". A template is plain text with
`{variable}` placeholders; each flow allows a known set of variables, and a template
naming another one, or too long for LINE, is refused when saved (validate) rather than
failing when a message goes out.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping

from .. import i18n
from ..line import texts
from ..models import Shop
from .registry import flows, spec

TEXT_LIMIT = 2000  # leaves room for the rest of the message within LINE's 5,000
# Stands in for a discount code until the worker creates the code, at send time.
DISCOUNT_MARK = "\u27e6discount_code\u27e7"
EXPIRES_MARK = "\u27e6discount_expires\u27e7"

# The variables each flow allows are the registry's (`spec(flow).variables`); kept for the admin.
VARIABLES: dict[str, set[str]] = {str(flow): set(spec(flow).variables) for flow in flows()}


def names(flow: str) -> list[str]:
    """The flow's template names: one per shipment status for shipping updates."""
    return list(spec(flow).templates)


def all_names() -> list[str]:
    return [name for flow in flows() for name in names(flow)]


def text_key(template_name: str) -> str:
    """The catalog key of a template's default ("flows.template.shipping_update.shipped")."""
    return texts.FLOW + template_name.replace(":", ".")


def key(template_name: str) -> str:
    """Where a merchant's edit of the template is saved among the shop's LINE texts."""
    return texts.saved_key(text_key(template_name))


def default(template_name: str) -> dict[str, str]:
    """The template's default in both languages (a copy: the catalog stays as loaded)."""
    return dict(i18n.entry(text_key(template_name)))


class _Defaults(Mapping):
    """`DEFAULTS[name]` → {"ja", "en"}: `default(name)` for callers that index a table (the
    admin's flow editor); read from the catalog on use, so there is no second copy to drift."""

    def __getitem__(self, name: str) -> dict[str, str]:
        if name not in all_names():
            raise KeyError(name)
        return default(name)

    def __iter__(self) -> Iterator[str]:
        return iter(all_names())

    def __len__(self) -> int:
        return len(all_names())


DEFAULTS: Mapping[str, dict[str, str]] = _Defaults()


def render(shop: Shop, template_name: str, lang: str, values: dict) -> str:
    """The flow's text for the shopper: the merchant's edit, else the default, filled in."""
    text = texts.template(shop, text_key(template_name), lang)
    return texts.fill(text, shop, {"discount_code": DISCOUNT_MARK, **values})


def validate(flow: str, text: str) -> str | None:
    """Why a template cannot be saved, or None."""
    if not text.strip():
        return "empty"
    if len(text) > TEXT_LIMIT:
        return f"longer than {TEXT_LIMIT:,} characters"
    try:
        names = {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        return f"unbalanced braces ({exc})"
    unknown = sorted(names - spec(flow).variables)
    return f"unknown variable: {', '.join('{' + n + '}' for n in unknown)}" if unknown else None
