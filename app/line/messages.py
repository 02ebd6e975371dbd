"""Pure builders of LINE message objects (dicts the SDK validates), within LINE's limits."""

from __future__ import annotations

from urllib.parse import urlencode

from ..formatting import shorten

TEXT_MAX = 5000
ALT_TEXT_MAX = 1500
QUICK_LABEL_MAX = 20
BUTTON_LABEL_MAX = 40


def postback_data(action: str, **values) -> str:
    return urlencode({"action": action, **values})


def quick_reply(items: list[tuple[str, str]]) -> dict:
    """Quick-reply buttons that post back a command (label, action)."""
    return {
        "items": [
            {
                "type": "action",
                "action": {
                    "type": "postback",
                    "label": shorten(label, QUICK_LABEL_MAX),
                    "data": postback_data(action),
                    "displayText": shorten(label, 300),
                },
            }
            for label, action in items[:13]
        ]
    }


def quick_words(words: list[str]) -> dict:
    """Quick-reply buttons that send the word itself, as if the shopper typed it."""
    return {
        "items": [
            {
                "type": "action",
                "action": {"type": "message", "label": shorten(word, QUICK_LABEL_MAX), "text": shorten(word, 300)},
            }
            for word in words[:13]
        ]
    }


def text(body: str, *, quick: list[tuple[str, str]] | None = None, words: list[str] | None = None) -> dict:
    message = {"type": "text", "text": shorten(body, TEXT_MAX)}
    if quick:
        message["quickReply"] = quick_reply(quick)
    elif words:
        message["quickReply"] = quick_words(words)
    return message


def button(label: str, action: dict, style: str = "primary") -> dict:
    return {
        "type": "button",
        "style": style,
        "height": "sm",
        "color": "#06C755" if style == "primary" else None,
        "action": {**action, "label": shorten(label, BUTTON_LABEL_MAX)},
    }


def _clean(node):
    """Drop None values (LINE rejects nulls in Flex)."""
    if isinstance(node, dict):
        return {k: _clean(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [_clean(v) for v in node]
    return node


def flex(alt_text: str, bubble: dict) -> dict:
    return {"type": "flex", "altText": shorten(alt_text, ALT_TEXT_MAX), "contents": _clean(bubble)}


def card(body: str, buttons: list[tuple[str, dict]], *, title: str | None = None) -> dict:
    """A bubble with optional title, wrapped text and buttons (uri or postback actions)."""
    contents = []
    if title:
        contents.append({"type": "text", "text": shorten(title, 100), "weight": "bold", "size": "md", "wrap": True})
    contents.append({"type": "text", "text": shorten(body, 2000), "wrap": True, "size": "sm", "color": "#333333"})
    bubble = {"type": "bubble", "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": contents}}
    if buttons:
        bubble["footer"] = {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": [
                button(label, action, "primary" if i == 0 else "link") for i, (label, action) in enumerate(buttons)
            ],
        }
    return flex((title + "\n" if title else "") + body, bubble)


def uri_action(uri: str) -> dict:
    return {"type": "uri", "uri": uri}


def postback_action(action: str, display: str | None = None, **values) -> dict:
    result = {"type": "postback", "data": postback_data(action, **values)}
    if display:
        result["displayText"] = shorten(display, 300)
    return result


def confirm(body: str, yes: tuple[str, str], no: tuple[str, str]) -> dict:
    """LINE's two-button confirm template (yes/no postbacks)."""
    return {
        "type": "template",
        "altText": shorten(body, 400),
        "template": {
            "type": "confirm",
            "text": shorten(body, 240),
            "actions": [
                {
                    "type": "postback",
                    "label": shorten(label, QUICK_LABEL_MAX),
                    "data": postback_data(action),
                    "displayText": label,
                }
                for label, action in (yes, no)
            ],
        },
    }


def order_status(
    *, title: str, status: str, lines: list[tuple[str, str]], total: tuple[str, str], buttons: list[tuple[str, dict]]
) -> dict:
    """An order card: name, status, items (label, quantity), total and links."""
    rows = [
        {
            "type": "box",
            "layout": "horizontal",
            "contents": [
                {"type": "text", "text": shorten(label, 60), "size": "sm", "wrap": True, "flex": 5},
                {"type": "text", "text": right, "size": "sm", "align": "end", "flex": 2, "color": "#555555"},
            ],
        }
        for label, right in lines
    ]
    body = [
        {"type": "text", "text": shorten(title, 60), "weight": "bold", "size": "lg"},
        {"type": "text", "text": status, "size": "sm", "color": "#06C755", "weight": "bold"},
        {"type": "separator", "margin": "md"},
        {"type": "box", "layout": "vertical", "margin": "md", "spacing": "sm", "contents": rows},
        {"type": "separator", "margin": "md"},
        {
            "type": "box",
            "layout": "horizontal",
            "margin": "md",
            "contents": [
                {"type": "text", "text": total[0], "size": "sm", "weight": "bold"},
                {"type": "text", "text": total[1], "size": "sm", "weight": "bold", "align": "end"},
            ],
        },
    ]
    bubble = {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": body}}
    if buttons:
        bubble["footer"] = {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": [
                button(label, action, "primary" if i == 0 else "link") for i, (label, action) in enumerate(buttons)
            ],
        }
    alt = "\n".join([title, status] + [f"{a} {b}" for a, b in lines] + [f"{total[0]} {total[1]}"])
    return flex(alt, bubble)
