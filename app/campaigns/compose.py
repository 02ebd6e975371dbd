"""The composer's blocks turned into the LINE message objects a campaign sends: one pure
function (`compile_blocks`), so the sender keeps sending `campaign.messages` as before and
the preview shows exactly what will go.

A block is what the merchant edits, one per message (at most five, as in LINE's manager):

- {"type": "text", "text": "…{customer_name}…"}
- {"type": "image", "token": "…"}  an uploaded image (campaign_images), served from /media/
- {"type": "products", "product_ids": [1, 2]}  the search reply's product carousel
- {"type": "coupon", "mode": "shared", "code": "WINTER10", "text": "…{coupon_code}…"}
  {"type": "coupon", "mode": "unique", "discount_id": "gid://shopify/DiscountCodeNode/1", "text": …}
  A shared code is written into the text here; a unique code stays `{coupon_code}`, made per
  recipient when the campaign is sent (so the campaign goes by push).
- {"type": "button", "text": "…", "label": "…", "url": "https://…"}

What a block points at (its image, its products) comes in `Sources`, read beforehand.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from ..i18n import t
from ..line import messages as line
from ..models import Shop
from ..search import reply
from ..search.found import Found
from . import content

MAX_BLOCKS = content.MAX_MESSAGES
MAX_PRODUCTS = reply.MAX_PRODUCT_BUBBLES
MAX_CODE = 255  # Shopify's limit on a discount code
MAX_URL = 1000  # LINE's limit on a URI action
MAX_BUTTON_TEXT = 2000
COUPON = "{coupon_code}"
SAMPLE_CODE = "SAMPLE-1234"  # the preview's stand-in for a code made at send time
BLOCK_TYPES = ("text", "image", "products", "coupon", "button")
COUPON_MODES = ("shared", "unique")
_DISCOUNT_ID = re.compile(r"^(gid://shopify/Discount\w*/)?\d{1,20}$")
Errors = dict[str, tuple[str, dict]]  # field -> (catalog key, values)
# A LINE field content.errors names -> the composer's field it comes from.
_FIELD_OF = {"text": "text", "originalContentUrl": "image", "previewImageUrl": "image"}


@dataclass(frozen=True)
class Image:
    token: str
    extension: str  # jpg | png


@dataclass(frozen=True)
class Sources:
    """What the blocks point at, read before compiling: the shop's images by token, its
    products by id, and where the images are served from."""

    shop: Shop
    lang: str
    app_url: str
    images: dict[str, Image] = field(default_factory=dict)
    products: dict[int, Found] = field(default_factory=dict)
    utm: dict = field(default_factory=lambda: {"utm_medium": "campaign", "utm_campaign": "line_campaign"})


def media_urls(app_url: str, image: Image) -> tuple[str, str]:
    """The original's and the preview's absolute URLs (the public /media/ route)."""
    return (
        f"{app_url}/media/{image.token}.{image.extension}",
        f"{app_url}/media/{image.token}-preview.{image.extension}",
    )


def _coupon_text(block: dict, lang: str) -> str:
    written = block.get("text") if isinstance(block.get("text"), str) else ""
    text = written.strip() or t("campaigns.coupon.default_text", lang)
    return text if COUPON in text else f"{text}\n{COUPON}"


def _button(block: dict, lang: str) -> dict:
    body = (block.get("text") or "").strip()
    label = block.get("label", "").strip()
    bubble: dict = {
        "type": "bubble",
        "footer": {
            "type": "box",
            "layout": "vertical",
            "contents": [line.button(label, line.uri_action(block["url"].strip()))],
        },
    }
    if body:
        bubble["body"] = {
            "type": "box",
            "layout": "vertical",
            "contents": [{"type": "text", "text": body, "wrap": True, "size": "sm", "color": "#333333"}],
        }
    return line.flex(body or label, bubble)


def _message(block: dict, sources: Sources) -> dict:
    kind = block["type"]
    if kind == "text":
        return {"type": "text", "text": block["text"]}
    if kind == "image":
        original, preview = media_urls(sources.app_url, sources.images[block["token"]])
        return {"type": "image", "originalContentUrl": original, "previewImageUrl": preview}
    if kind == "products":
        found = [sources.products[i] for i in block["product_ids"]]
        lead = t("campaigns.products.alt", sources.lang)
        return reply.carousel(sources.shop, "", found, more=False, lang=sources.lang, alt=lead, utm=sources.utm)
    if kind == "coupon":
        text = _coupon_text(block, sources.lang)
        if block["mode"] == "shared":
            text = text.replace(COUPON, block["code"].strip())
        return {"type": "text", "text": text}
    return _button(block, sources.lang)


def _shop_name(messages: list[dict], shop: Shop) -> list[dict]:
    """{shop_name} is the same for everyone: written in here, so it never forces push."""
    name = json.dumps(shop.name or shop.domain, ensure_ascii=False)[1:-1]
    return json.loads(json.dumps(messages, ensure_ascii=False).replace("{shop_name}", name))


def compile_blocks(blocks: list[dict], sources: Sources) -> list[dict]:
    """The LINE message objects for blocks that `errors` found nothing wrong with."""
    return _shop_name([_message(block, sources) for block in blocks], sources.shop)


def sample(messages: list[dict], lang: str) -> list[dict]:
    """The messages as one recipient might see them (the preview): a sample name and code."""
    raw = json.dumps(messages, ensure_ascii=False)
    name = json.dumps(t("campaigns.coupon.sample_name", lang), ensure_ascii=False)[1:-1]
    return json.loads(raw.replace("{customer_name}", name).replace(COUPON, SAMPLE_CODE))


def _text_field(value, limit: int) -> bool:
    return isinstance(value, str) and bool(value.strip()) and content.utf16_len(value) <= limit


def _https(value) -> bool:
    return (
        isinstance(value, str)
        and re.match(r"^https://[^\s/?#]+\.[^\s/?#]+", value.strip()) is not None
        and len(value.strip()) <= MAX_URL
    )


def _product_errors(ids, sources: Sources) -> tuple[str, dict] | None:
    if not isinstance(ids, list) or not ids:
        return ("campaigns.err.products_none", {})
    if len(ids) > MAX_PRODUCTS:
        return ("campaigns.err.products_too_many", {"n": MAX_PRODUCTS})
    if any(isinstance(i, bool) or not isinstance(i, int) or i not in sources.products for i in ids):
        return ("campaigns.err.product_gone", {})
    return None


def _coupon_errors(block: dict, field: str) -> Errors:
    mode = block.get("mode")
    if mode not in COUPON_MODES:
        return {f"{field}.mode": ("campaigns.err.coupon_mode", {})}
    found: Errors = {}
    if mode == "shared" and not (_text_field(block.get("code"), MAX_CODE) and " " not in block["code"].strip()):
        found[f"{field}.code"] = ("campaigns.err.coupon_code", {"n": MAX_CODE})
    if mode == "unique" and not (
        isinstance(block.get("discount_id"), str) and _DISCOUNT_ID.match(block["discount_id"].strip())
    ):
        found[f"{field}.discount_id"] = ("campaigns.err.coupon_discount", {})
    text = block.get("text")
    if text not in (None, "") and not _text_field(text, content.MAX_TEXT - len(COUPON) - 1):
        found[f"{field}.text"] = ("campaigns.err.text_too_long", {"n": f"{content.MAX_TEXT:,}"})
    return found


def _button_errors(block: dict, field: str) -> Errors:
    found: Errors = {}
    label = block.get("label")
    if not isinstance(label, str) or not label.strip() or len(label.strip()) > line.BUTTON_LABEL_MAX:
        found[f"{field}.label"] = ("campaigns.err.button_label", {"n": line.BUTTON_LABEL_MAX})
    if not _https(block.get("url")):
        found[f"{field}.url"] = ("campaigns.err.button_url", {"n": MAX_URL})
    text = block.get("text")
    if text not in (None, "") and not _text_field(text, MAX_BUTTON_TEXT):
        found[f"{field}.text"] = ("campaigns.err.text_too_long", {"n": f"{MAX_BUTTON_TEXT:,}"})
    return found


def _block_errors(block, field: str, sources: Sources) -> Errors:
    kind = block.get("type") if isinstance(block, dict) else None
    if kind not in BLOCK_TYPES:
        return {field: ("campaigns.err.message_type", {})}
    if kind == "text":
        text = block.get("text")
        if not isinstance(text, str) or not text.strip():
            return {f"{field}.text": ("campaigns.err.empty_text", {})}
        if content.utf16_len(text) > content.MAX_TEXT:
            return {f"{field}.text": ("campaigns.err.text_too_long", {"n": f"{content.MAX_TEXT:,}"})}
        return {}
    if kind == "image":
        token = block.get("token")
        return (
            {}
            if isinstance(token, str) and token in sources.images
            else {f"{field}.image": ("campaigns.err.image_missing", {})}
        )
    if kind == "products":
        problem = _product_errors(block.get("product_ids"), sources)
        return {f"{field}.products": problem} if problem else {}
    if kind == "coupon":
        return _coupon_errors(block, field)
    return _button_errors(block, field)


def errors(blocks, sources: Sources) -> Errors:
    """field (`blocks[i].text`, …) -> (catalog key, values); empty when LINE will take them:
    the blocks' own checks, then LINE's checks on what they compile to (content.errors)."""
    if not isinstance(blocks, list) or not blocks:
        return {"blocks": ("campaigns.err.no_messages", {})}
    if len(blocks) > MAX_BLOCKS:
        return {"blocks": ("campaigns.err.too_many_messages", {"n": MAX_BLOCKS})}
    found: Errors = {}
    for i, block in enumerate(blocks):
        found.update(_block_errors(block, f"blocks[{i}]", sources))
    if found:
        return found
    for key, problem in content.errors(compile_blocks(blocks, sources)).items():
        head, _, tail = key.partition(".")  # messages[i]: one message per block
        where = head.replace("messages", "blocks")
        found[f"{where}.{_FIELD_OF[tail]}" if tail in _FIELD_OF else where] = problem
    return found


def wanted(blocks) -> tuple[set[str], set[int]]:
    """The image tokens and product ids the blocks name (what `Sources` must hold)."""
    tokens: set[str] = set()
    ids: set[int] = set()
    for block in blocks if isinstance(blocks, list) else []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "image" and isinstance(block.get("token"), str):
            tokens.add(block["token"])
        if block.get("type") == "products" and isinstance(block.get("product_ids"), list):
            ids.update(i for i in block["product_ids"] if isinstance(i, int) and not isinstance(i, bool))
    return tokens, ids
