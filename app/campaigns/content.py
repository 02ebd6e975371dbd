"""What a campaign sends: one to five LINE message objects, checked before anything is saved.

Per-person variables decide the transport (transport.py): a message naming `{customer_name}`
or `{coupon_code}` differs per recipient and can only go by push.
"""

from __future__ import annotations

import json
import re

MAX_MESSAGES = 5
MAX_TEXT = 5000  # LINE counts UTF-16 code units
MAX_ALT_TEXT = 1500
PERSONAL = ("customer_name", "coupon_code")  # a unique single-use code is per person too
_FIELD = re.compile(r"{(\w+)}")
TYPES = ("text", "image", "flex", "sticker", "template")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def personal_variables(messages: list) -> set[str]:
    """The per-person placeholders anywhere in the messages (text, Flex, alt texts)."""
    return set(_FIELD.findall(json.dumps(messages, ensure_ascii=False))) & set(PERSONAL)


def errors(messages) -> dict[str, tuple[str, dict]]:
    """field -> (catalog key, values) for each problem; empty when LINE will take them."""
    if not isinstance(messages, list) or not messages:
        return {"messages": ("campaigns.err.no_messages", {})}
    if len(messages) > MAX_MESSAGES:
        return {"messages": ("campaigns.err.too_many_messages", {"n": MAX_MESSAGES})}
    found: dict[str, tuple[str, dict]] = {}
    for i, message in enumerate(messages):
        field = f"messages[{i}]"
        kind = message.get("type") if isinstance(message, dict) else None
        if kind not in TYPES:
            found[field] = ("campaigns.err.message_type", {})
        elif kind == "text":
            text = message.get("text")
            if not isinstance(text, str) or not text.strip():
                found[f"{field}.text"] = ("campaigns.err.empty_text", {})
            elif utf16_len(text) > MAX_TEXT:
                found[f"{field}.text"] = ("campaigns.err.text_too_long", {"n": f"{MAX_TEXT:,}"})
        elif kind == "image":
            for key in ("originalContentUrl", "previewImageUrl"):
                url = message.get(key)
                if not isinstance(url, str) or not url.startswith("https://"):
                    found[f"{field}.{key}"] = ("campaigns.err.https_url", {})
        elif kind in ("flex", "template"):
            alt = message.get("altText")
            if not isinstance(alt, str) or not alt.strip() or utf16_len(alt) > MAX_ALT_TEXT:
                found[f"{field}.altText"] = ("campaigns.err.alt_text", {"n": f"{MAX_ALT_TEXT:,}"})
    return found
