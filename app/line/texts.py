"""What the bot says, in Japanese (default) and English, as templates the merchant can edit.

A merchant's own text for a key lives in `shop.settings["line_texts"][key][lang]`; the
defaults below apply otherwise. Templates use `{variable}` placeholders; an unknown
placeholder is left as written rather than breaking the message.
"""

from __future__ import annotations

import string

from ..models import LineFriend, Shop

DEFAULTS: dict[str, dict[str, str]] = {
    "greeting": {
        "ja": "友だち追加ありがとうございます！{shop_name}です。\n"
        "ご注文や発送のお知らせを、このトークでお届けします。\n"
        "ストアのアカウントと連携すると、ご注文状況もトークで確認できます。",
        "en": "Thanks for adding us, this is {shop_name}!\n"
        "We'll send your order and shipping updates here.\n"
        "Link your store account to check your orders in this chat.",
    },
    "welcome_back": {
        "ja": "おかえりなさい！{shop_name}です。またお知らせをお届けします。",
        "en": "Welcome back! This is {shop_name}. We'll keep you posted here again.",
    },
    "coupon": {"ja": "🎁 友だち限定クーポン：{coupon_code}", "en": "🎁 Your friends-only coupon: {coupon_code}"},
    "link_button": {"ja": "アカウントを連携", "en": "Link my account"},
    "link_prompt": {
        "ja": "下のボタンからストアにログインすると、LINEとストアのアカウントを連携できます（10分間有効）。"
        "連携はいつでも「解除」と送れば解除できます。",
        "en": "Log in to the store with the button below to link your LINE and store accounts "
        '(valid for 10 minutes). Send "unlink" at any time to undo it.',
    },
    "link_done": {
        "ja": "{customer_name}様、ストアのアカウントと連携しました。ご注文や発送のお知らせをこのトークでお届けします。"
        "解除したいときは「解除」と送ってください。",
        "en": "{customer_name}, your store account is now linked. Order and shipping updates will come here. "
        'Send "unlink" to undo it.',
    },
    "link_failed": {
        "ja": "アカウントを連携できませんでした。お手数ですが、もう一度「連携」と送ってお試しください。",
        "en": 'We couldn\'t link your account. Please send "link" to try again.',
    },
    "already_linked": {
        "ja": "すでにストアのアカウントと連携済みです。解除したいときは「解除」と送ってください。",
        "en": 'Your store account is already linked. Send "unlink" to undo it.',
    },
    "unlink_confirm": {
        "ja": "ストアのアカウントとの連携を解除しますか？解除すると、ご注文や発送のお知らせが届かなくなります。",
        "en": "Unlink your store account? You will stop getting order and shipping updates here.",
    },
    "unlink_yes": {"ja": "解除する", "en": "Unlink"},
    "unlink_no": {"ja": "やめる", "en": "Keep it"},
    "unlinked": {
        "ja": "連携を解除しました。また連携するときは「連携」と送ってください。",
        "en": 'Your account is unlinked. Send "link" whenever you want to link it again.',
    },
    "unlink_kept": {"ja": "連携はそのままです。", "en": "Your account stays linked."},
    "not_linked": {
        "ja": "まだストアのアカウントと連携されていません。連携すると、ご注文状況をここで確認できます。",
        "en": "Your store account isn't linked yet. Link it to check your orders here.",
    },
    "no_orders": {"ja": "ご注文はまだ見つかりませんでした。", "en": "We couldn't find any orders yet."},
    "opted_out": {
        "ja": "お知らせ（キャンペーンやリマインド）の配信を停止しました。ご注文・発送のご連絡は引き続きお届けします。"
        "再開するときは「配信再開」と送ってください。",
        "en": "You won't get promotional messages or reminders any more. Order and shipping updates still "
        'come here. Send "resume" to get them again.',
    },
    "already_opted_out": {
        "ja": "お知らせの配信はすでに停止しています。",
        "en": "Promotional messages are already off.",
    },
    "opted_in": {"ja": "お知らせの配信を再開しました。", "en": "Promotional messages are back on."},
    "help": {
        "ja": "ご用件を下から選んでください。商品名を送ると、商品をお探しします。",
        "en": "Choose what you need below, or send a product name to search the store.",
    },
    "menu.order": {"ja": "注文状況", "en": "My order"},
    "menu.link": {"ja": "連携", "en": "Link"},
    "menu.unlink": {"ja": "解除", "en": "Unlink"},
    "menu.stop": {"ja": "配信停止", "en": "Stop"},
    "menu.resume": {"ja": "配信再開", "en": "Resume"},
    "order.title": {"ja": "ご注文 {order_name}", "en": "Order {order_name}"},
    "order.total": {"ja": "合計", "en": "Total"},
    "order.track": {"ja": "配送状況を見る", "en": "Track package"},
    "order.view": {"ja": "注文の詳細", "en": "Order details"},
    "order.more_items": {"ja": "ほか{count}点", "en": "and {count} more"},
    "status.paid": {"ja": "お支払い済み", "en": "Paid"},
    "status.pending": {"ja": "お支払い待ち", "en": "Payment pending"},
    "status.refunded": {"ja": "返金済み", "en": "Refunded"},
    "status.cancelled": {"ja": "キャンセル済み", "en": "Cancelled"},
    "status.unfulfilled": {"ja": "発送準備中", "en": "Preparing"},
    "status.partial": {"ja": "一部発送済み", "en": "Partly shipped"},
    "status.fulfilled": {"ja": "発送済み", "en": "Shipped"},
    "status.in_transit": {"ja": "配送中", "en": "In transit"},
    "status.out_for_delivery": {"ja": "本日お届け予定", "en": "Out for delivery"},
    "status.delivered": {"ja": "お届け済み", "en": "Delivered"},
}

COMMAND_WORDS: dict[str, set[str]] = {
    "link": {"連携", "れんけい", "link"},
    "unlink": {"解除", "かいじょ", "連携解除", "unlink"},
    "order": {"注文", "ちゅうもん", "注文状況", "order", "orders", "my order"},
    "stop": {"配信停止", "停止", "stop", "unsubscribe"},
    "resume": {"配信再開", "再開", "resume", "subscribe"},
    "help": {"メニュー", "ヘルプ", "めにゅー", "menu", "help"},
}


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def language(shop: Shop, friend: LineFriend | None) -> str:
    """The shopper's language: English for English-speaking friends when the shop allows it."""
    english = (shop.settings or {}).get("line_english", True)
    spoken = (friend.language if friend else None) or ""
    return "en" if english and spoken.lower().startswith("en") else "ja"


def template(shop: Shop, key: str, lang: str, defaults: dict[str, dict[str, str]] = DEFAULTS) -> str:
    """The merchant's text for `key` in `lang`, else the default (Japanese when no English)."""
    custom = ((shop.settings or {}).get("line_texts") or {}).get(key) or {}
    return custom.get(lang) or defaults[key].get(lang) or defaults[key]["ja"]


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
    return fill(template(shop, key, lang), shop, values)
