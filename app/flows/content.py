"""What flow messages look like: the merchant's text, then a card with the items and a button.

Pure builders: they take plain values and return LINE message dicts within LINE's limits
(≤ 5 items shown, labels ≤ 40, altText ≤ 1,500). Links carry UTM parameters naming the
flow, so the store's analytics credit LINE.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..formatting import shorten
from ..i18n import t
from ..line import messages
from ..search.reply import absolute, tracked
from .templates import DISCOUNT_MARK, EXPIRES_MARK

MAX_ITEMS = 5
LOW_STOCK = 3  # "残りわずか" when a variant has this many or fewer left


def label(name: str, lang: str, **values) -> str:
    """A label around the flows' messages: catalog key `flows.label.<name>` in `lang`."""
    return t(f"flows.label.{name}", lang, **values)


@dataclass(frozen=True)
class Item:
    title: str
    quantity: int
    image_url: str | None = None
    low_stock: bool = False


def item_title(title: str, variant: str | None, lang: str) -> str:
    """A line item's title with its variant, as each language writes it ("Tシャツ（M）")."""
    return label("item_variant", lang, title=title, variant=variant) if variant else title


def link(url: str, flow: str) -> str:
    return tracked(url, utm_medium="push", utm_campaign=flow)


def items_text(items: list[Item], lang: str) -> str:
    """The items as one line each, for templates' {items}."""
    lines = [label("item_line", lang, title=shorten(i.title, 40), quantity=i.quantity) for i in items[:MAX_ITEMS]]
    if len(items) > MAX_ITEMS:
        lines.append(label("more_items", lang, n=len(items) - MAX_ITEMS))
    return "\n".join(lines)


def _item_row(item: Item) -> dict:
    image = absolute(item.image_url)
    row = [
        {
            "type": "text",
            "text": shorten(item.title, 60),
            "size": "sm",
            "wrap": True,
            "maxLines": 2,
            "flex": 5,
            "gravity": "center",
        },
        {
            "type": "text",
            "text": f"× {item.quantity}",
            "size": "sm",
            "align": "end",
            "flex": 1,
            "gravity": "center",
            "color": "#555555",
        },
    ]
    if image:
        row.insert(
            0, {"type": "image", "url": image, "size": "xs", "aspectMode": "cover", "aspectRatio": "1:1", "flex": 0}
        )
    return {"type": "box", "layout": "horizontal", "spacing": "md", "contents": row}


def discount_box(lang: str) -> dict:
    """The code and its last day, filled in by the worker when it creates the code."""
    return {
        "type": "box",
        "layout": "vertical",
        "margin": "md",
        "paddingAll": "md",
        "cornerRadius": "md",
        "backgroundColor": "#FFF4E5",
        "contents": [
            {"type": "text", "text": label("discount", lang), "size": "xs", "color": "#8A5300"},
            {"type": "text", "text": DISCOUNT_MARK, "size": "lg", "weight": "bold", "color": "#8A5300"},
            {
                "type": "text",
                "text": label("discount_note", lang, expires=EXPIRES_MARK),
                "size": "xxs",
                "color": "#8A5300",
                "wrap": True,
            },
        ],
    }


def basket(
    *, intro: str, title: str, items: list[Item], total: str, lang: str, button: tuple[str, str], discount: bool = False
) -> list[dict]:
    """Reminder of a checkout or cart: text, then a card with up to 5 items and the total."""
    rows = [_item_row(i) for i in items[:MAX_ITEMS]]
    if len(items) > MAX_ITEMS:
        rows.append(
            {
                "type": "text",
                "text": label("more_items", lang, n=len(items) - MAX_ITEMS),
                "size": "xs",
                "color": "#777777",
            }
        )
    body = [
        {"type": "text", "text": shorten(title, 60), "weight": "bold", "size": "md"},
        {"type": "box", "layout": "vertical", "margin": "md", "spacing": "sm", "contents": rows},
        {"type": "separator", "margin": "md"},
        {
            "type": "box",
            "layout": "horizontal",
            "margin": "md",
            "contents": [
                {"type": "text", "text": label("total", lang), "size": "sm", "weight": "bold"},
                {"type": "text", "text": total, "size": "sm", "weight": "bold", "align": "end"},
            ],
        },
    ]
    if any(i.low_stock for i in items[:MAX_ITEMS]):
        body.append(
            {
                "type": "text",
                "text": label("low_stock", lang),
                "size": "xs",
                "color": "#D0021B",
                "margin": "md",
                "wrap": True,
            }
        )
    if discount:
        body.append(discount_box(lang))
    bubble = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "contents": body},
        "footer": {
            "type": "box",
            "layout": "vertical",
            "contents": [messages.button(button[0], messages.uri_action(button[1]))],
        },
    }
    alt = "\n".join(
        [intro, *(f"{i.title} × {i.quantity}" for i in items[:MAX_ITEMS]), f"{label('total', lang)} {total}"]
    )
    return [messages.text(intro), messages.flex(alt, bubble)]


def product_card(
    *, intro: str, title: str, image_url: str | None, price: str | None, button: tuple[str, str]
) -> list[dict]:
    """One product with a single button (repurchase)."""
    body = [{"type": "text", "text": shorten(title, 60), "weight": "bold", "size": "md", "wrap": True, "maxLines": 2}]
    if price:
        body.append({"type": "text", "text": price, "size": "md", "color": "#111111"})
    bubble = {
        "type": "bubble",
        "size": "kilo",
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
        "footer": {
            "type": "box",
            "layout": "vertical",
            "contents": [messages.button(button[0], messages.uri_action(button[1]))],
        },
    }
    image = absolute(image_url)
    if image:
        bubble["hero"] = {"type": "image", "url": image, "size": "full", "aspectRatio": "1:1", "aspectMode": "cover"}
    return [messages.text(intro), messages.flex(f"{intro}\n{title}", bubble)]


def with_button(intro: str, buttons: list[tuple[str, str]], *, title: str | None = None) -> list[dict]:
    """Text plus a small card of links (order, shipping, after delivery)."""
    if not buttons:
        return [messages.text(intro)]
    return [messages.card(intro, [(text, messages.uri_action(url)) for text, url in buttons], title=title)]
