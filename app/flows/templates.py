"""The texts of automatic messages: Japanese and English defaults the merchant can edit.

A template is plain text with `{variable}` placeholders, stored with the chat's own texts
in `shop.settings["line_texts"]` under the flow's key. Each flow allows a known set of
variables; a template naming another one, or too long for LINE, is refused when saved
(validate) rather than failing when a message goes out.
"""

from __future__ import annotations

import string

from ..line import texts
from ..models import Shop
from .registry import Flow, flows, spec

TEXT_LIMIT = 2000  # leaves room for the rest of the message within LINE's 5,000
# Stands in for a discount code until the worker creates the code, at send time.
DISCOUNT_MARK = "\u27e6discount_code\u27e7"
EXPIRES_MARK = "\u27e6discount_expires\u27e7"

# The variables each flow allows are the registry's (`spec(flow).variables`); kept for the admin.
VARIABLES: dict[str, set[str]] = {str(flow): set(spec(flow).variables) for flow in flows()}

DEFAULTS: dict[str, dict[str, str]] = {
    Flow.ABANDONED_CHECKOUT: {
        "ja": "{customer_name}様、お買い物カゴに商品が残っています。ご購入手続きはいつでも再開できます。",
        "en": "{customer_name}, you left something in your cart. You can pick up your checkout any time.",
    },
    Flow.ABANDONED_CART: {
        "ja": "{customer_name}様、カートに入れた商品をお取り置きしています。在庫がなくなる前にどうぞ。",
        "en": "{customer_name}, the items in your cart are waiting for you.",
    },
    Flow.ORDER_CONFIRMATION: {
        "ja": "{customer_name}様、ご注文ありがとうございます。ご注文 {order_name} を承りました。",
        "en": "Thank you, {customer_name}! We have received your order {order_name}.",
    },
    "shipping_update:shipped": {
        "ja": "ご注文 {order_name} を発送しました。\n{carrier} 伝票番号：{tracking_number}",
        "en": "Your order {order_name} is on its way.\n{carrier} tracking number: {tracking_number}",
    },
    "shipping_update:out_for_delivery": {
        "ja": "ご注文 {order_name} は本日お届け予定です。",
        "en": "Your order {order_name} is out for delivery today.",
    },
    "shipping_update:delivered": {
        "ja": "ご注文 {order_name} をお届けしました。ご利用ありがとうございました。",
        "en": "Your order {order_name} has been delivered. Thank you!",
    },
    "shipping_update:attempted_delivery": {
        "ja": "ご注文 {order_name} をお届けにあがりましたが、ご不在でした。再配達のお手続きをお願いします。",
        "en": "We tried to deliver your order {order_name}, but nobody was home. Please arrange a redelivery.",
    },
    "shipping_update:failure": {
        "ja": "ご注文 {order_name} の配送で問題が発生しました。配送状況をご確認ください。",
        "en": "There was a problem delivering your order {order_name}. Please check the tracking.",
    },
    Flow.AFTER_DELIVERY: {
        "ja": "{customer_name}様、商品はいかがですか？よろしければご感想をお聞かせください。",
        "en": "{customer_name}, how are you enjoying your order? We'd love to hear what you think.",
    },
    Flow.REPURCHASE: {
        "ja": "{customer_name}様、{product_title} はそろそろなくなる頃ではありませんか？ワンタップでもう一度ご購入いただけます。",
        "en": "{customer_name}, running low on {product_title}? Order it again in one tap.",
    },
}


def key(template_key: str) -> str:
    """Where a flow's text lives among the shop's LINE texts."""
    return f"flow:{template_key}"


def render(shop: Shop, template_key: str, lang: str, values: dict) -> str:
    name = key(template_key)
    text = texts.template(shop, name, lang, {name: DEFAULTS[template_key]})
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
