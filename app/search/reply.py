"""The chat's answer to a search: a Flex carousel of products, within LINE's limits."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from ..ext import settings
from ..formatting import money, shorten
from ..i18n import t
from ..line import messages
from ..models import ProductVariant, Shop
from . import restock
from .found import Found

MAX_PRODUCT_BUBBLES = 10  # plus one "see all" bubble: LINE allows 12
TITLE_MAX = 60
UTM = {"utm_source": "line", "utm_medium": "chat", "utm_campaign": "keyword_search"}


def tracked(url: str, **extra) -> str:
    """The URL with the chat's UTM parameters added (existing query kept)."""
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode({**UTM, **extra})]))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def absolute(url: str | None) -> str | None:
    if not url:
        return None
    return url if url.startswith(("https://", "http://")) else settings().app_url + url


def _offer(variants: list[ProductVariant]) -> tuple[ProductVariant | None, bool]:
    """The variant whose price is shown (cheapest available), and whether prices vary."""
    if not variants:
        return None, False
    available = [v for v in variants if v.available] or variants
    cheapest = min(available, key=lambda v: v.price)
    return cheapest, len({v.price for v in variants}) > 1


def _price_row(shop: Shop, variant: ProductVariant | None, varies: bool, lang: str) -> dict:
    if variant is None:
        return {"type": "filler"}
    tax = (
        t("search.carousel.tax", lang)
        if (shop.settings or {}).get("prices_include_tax", shop.currency == "JPY")
        else ""
    )
    contents = []
    if variant.compare_at_price and variant.compare_at_price > variant.price:
        contents.append(
            {
                "type": "text",
                "text": money(variant.compare_at_price, shop.currency),
                "size": "xs",
                "color": "#999999",
                "decoration": "line-through",
                "flex": 0,
                "gravity": "bottom",
            }
        )
    sale = contents != []
    contents.append(
        {
            "type": "text",
            "text": money(variant.price, shop.currency) + (t("search.carousel.from", lang) if varies else ""),
            "size": "md",
            "weight": "bold",
            "color": "#D0021B" if sale else "#111111",
            "flex": 0,
        }
    )
    contents.append(
        {"type": "text", "text": tax, "size": "xxs", "color": "#888888", "flex": 0, "gravity": "bottom"}
        if tax
        else {"type": "filler"}
    )
    return {"type": "box", "layout": "baseline", "spacing": "sm", "contents": contents}


def product_bubble(shop: Shop, found: Found, lang: str, utm: dict | None = None) -> dict:
    """One product's bubble; `utm` overrides the chat's UTM parameters (a campaign's own)."""
    product = found.product
    variant, varies = _offer(found.variants)
    url = tracked(product.online_store_url or f"https://{shop.domain}/products/{product.handle}", **(utm or {}))
    body = [
        {
            "type": "text",
            "text": shorten(product.title, TITLE_MAX),
            "weight": "bold",
            "size": "sm",
            "wrap": True,
            "maxLines": 2,
        },
        _price_row(shop, variant, varies, lang),
    ]
    if not found.in_stock:
        body.append(
            {
                "type": "box",
                "layout": "vertical",
                "backgroundColor": "#EEEEEE",
                "cornerRadius": "sm",
                "paddingAll": "xs",
                "contents": [
                    {
                        "type": "text",
                        "text": t("search.carousel.sold_out", lang),
                        "size": "xs",
                        "color": "#555555",
                        "align": "center",
                    }
                ],
            }
        )
    buttons = [
        {
            "type": "button",
            "style": "primary",
            "height": "sm",
            "color": "#06C755",
            "action": {"type": "uri", "label": t("search.carousel.view", lang), "uri": url},
        }
    ]
    waited = None if found.in_stock else restock.sold_out_variant(found.variants)
    if waited is not None:  # sold out: the shopper may ask to hear when it is back
        label = t("search.carousel.notify", lang)
        buttons.append({"type": "button", "style": "link", "height": "sm", "action": restock.postback(waited, label)})
    bubble = {
        "type": "bubble",
        "size": "kilo",
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
        "footer": {"type": "box", "layout": "vertical", "spacing": "xs", "contents": buttons},
    }
    image = absolute(product.image_url)
    if image:
        bubble["hero"] = {
            "type": "image",
            "url": image,
            "size": "full",
            "aspectRatio": "1:1",
            "aspectMode": "cover",
            "action": {"type": "uri", "uri": url},
        }
    return bubble


def see_all_bubble(shop: Shop, query: str, lang: str) -> dict:
    url = tracked(f"https://{shop.domain}/search?" + urlencode({"q": query}))
    return {
        "type": "bubble",
        "size": "kilo",
        "body": {
            "type": "box",
            "layout": "vertical",
            "justifyContent": "center",
            "spacing": "md",
            "contents": [
                {
                    "type": "text",
                    "text": shorten(t("search.carousel.see_all_body", lang, query=query), 80),
                    "wrap": True,
                    "size": "sm",
                    "align": "center",
                },
                {
                    "type": "button",
                    "style": "link",
                    "action": {"type": "uri", "label": t("search.carousel.see_all", lang), "uri": url},
                },
            ],
        },
    }


def carousel(
    shop: Shop,
    query: str,
    found: list[Found],
    *,
    more: bool,
    lang: str,
    alt: str | None = None,
    utm: dict | None = None,
) -> dict:
    """The products as one carousel. A campaign (the composer) passes its own `alt` lead
    and `utm` instead of the search's."""
    bubbles = [product_bubble(shop, f, lang, utm) for f in found[:MAX_PRODUCT_BUBBLES]]
    if more:
        bubbles.append(see_all_bubble(shop, query, lang))
    lead = t("search.carousel.alt", lang, query=shorten(query, 50)) if alt is None else alt
    alt = lead + " / ".join(f.product.title for f in found)
    return {
        "type": "flex",
        "altText": shorten(alt, messages.ALT_TEXT_MAX),
        "contents": {"type": "carousel", "contents": bubbles},
    }


def collection_card(shop: Shop, handle: str, title: str, lang: str) -> dict:
    url = tracked(f"https://{shop.domain}/collections/{handle}")
    return messages.card(title, [(t("search.carousel.collection", lang), messages.uri_action(url))])
