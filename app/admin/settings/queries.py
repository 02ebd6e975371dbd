"""What Settings → LINE shows: the channel and its add-friend link and QR code, friends,
and the greeting texts with a preview of exactly what a new friend gets (the merchant's
greeting, then their friends-only coupon line, both as the bot would send them)."""

from __future__ import annotations

from dataclasses import dataclass

import segno
from sqlalchemy import func
from sqlmodel import Session, select

from ...line import channels, connect
from ...line import texts as line_texts
from ...models import LineChannel, LineFriend, Shop

# The greeting form edits the Japanese texts: the preview shows what a Japanese friend gets.
PREVIEW_LANG = "ja"


@dataclass(frozen=True)
class LineSettings:
    channel: LineChannel | None
    connected: bool
    add_friend_url: str | None
    qr_svg: str | None
    friends: int
    greeting: str
    welcome_back: str
    custom_greeting: str
    custom_welcome_back: str
    coupon_code: str
    english: bool
    preview: str
    proxy_login_url: str


def greeting_preview(shop: Shop, lang: str = PREVIEW_LANG) -> str:
    """The greeting a new friend gets, with the coupon line when there is a code."""
    greeting = line_texts.text(shop, "greeting", lang)
    coupon = (shop.settings or {}).get("line_coupon_code")
    return greeting + ("\n\n" + line_texts.text(shop, "coupon", lang, coupon_code=coupon) if coupon else "")


def line_settings(*, session: Session, shop: Shop) -> LineSettings:
    channel = channels.for_shop(session=session, shop=shop)
    connected = bool(channel and channel.connected_at and not channel.disconnected_at)
    url = connect.add_friend_url(channel) if connected else None
    custom = (shop.settings or {}).get("line_texts") or {}
    friends = session.exec(
        select(func.count())
        .select_from(LineFriend)
        .where(LineFriend.shop_id == shop.id, LineFriend.is_blocked.is_(False))
    ).one()
    return LineSettings(
        channel=channel,
        connected=connected,
        add_friend_url=url,
        qr_svg=segno.make(url, error="m").svg_inline(scale=4, dark="#111", border=2) if url else None,
        friends=friends or 0,
        greeting=line_texts.text(shop, "greeting", PREVIEW_LANG),
        welcome_back=line_texts.text(shop, "welcome_back", PREVIEW_LANG),
        custom_greeting=(custom.get("greeting") or {}).get(PREVIEW_LANG, ""),
        custom_welcome_back=(custom.get("welcome_back") or {}).get(PREVIEW_LANG, ""),
        coupon_code=(shop.settings or {}).get("line_coupon_code") or "",
        english=(shop.settings or {}).get("line_english", True),
        preview=greeting_preview(shop),
        proxy_login_url=f"https://{shop.domain}/apps/tsunagu/login",
    )
