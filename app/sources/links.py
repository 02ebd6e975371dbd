"""Where a source's link points, and its QR code drawn locally (segno: PNG and SVG).

The short link is /s/<shop>/<slug> on the app's own domain: <shop> is the shop's
myshopify subdomain, because one app domain serves every shop and a slug is unique only
within its shop. Print sizes are physical widths at 300 dpi, so a code on a POP or a flyer
scans from a normal distance (about 10 × its width).
"""

from __future__ import annotations

import io
import math
from urllib.parse import quote

import segno

from ..ext import settings
from ..models import FriendSource, LineChannel, Shop

DPI = 300
BORDER = 4  # the quiet zone the QR standard asks for, in modules
PRINT_SIZES_MM = {"s": 20, "m": 40, "l": 80}
SCREEN_SCALE = 8


def shop_key(shop: Shop) -> str:
    return shop.domain.split(".", 1)[0]


def short_url(shop: Shop, source: FriendSource) -> str:
    return f"{settings().app_url}/s/{quote(shop_key(shop))}/{quote(source.slug)}"


def callback_url() -> str:
    """The LINE Login callback of source links (registered in the LINE Login channel)."""
    return f"{settings().app_url}/s/callback"


def add_friend_url(channel: LineChannel | None) -> str | None:
    """LINE's add-friend link of the account (https://line.me/R/ti/p/@basic_id)."""
    if channel is None or not channel.basic_id:
        return None
    basic = channel.basic_id if channel.basic_id.startswith("@") else "@" + channel.basic_id
    return f"https://line.me/R/ti/p/{quote(basic)}"


def qr(url: str) -> segno.QRCode:
    """Error correction M (15 %): survives a smudged print, keeps the code small."""
    return segno.make(url, error="m", micro=False)


def scale_for(code: segno.QRCode, size: str) -> int:
    """Pixels per module for a print size (None or unknown: a screen-sized image)."""
    if size not in PRINT_SIZES_MM:
        return SCREEN_SCALE
    pixels = PRINT_SIZES_MM[size] / 25.4 * DPI
    modules = code.symbol_size(border=BORDER)[0]
    return max(1, math.ceil(pixels / modules))


def png(url: str, size: str = "m") -> bytes:
    code = qr(url)
    out = io.BytesIO()
    code.save(out, kind="png", scale=scale_for(code, size), border=BORDER, dpi=DPI)
    return out.getvalue()


def svg(url: str, size: str = "m") -> bytes:
    """An SVG sized in millimetres for print (it scales without loss)."""
    code = qr(url)
    out = io.BytesIO()
    width_mm = PRINT_SIZES_MM.get(size, PRINT_SIZES_MM["m"])
    modules = code.symbol_size(border=BORDER)[0]
    code.save(out, kind="svg", scale=width_mm / modules, unit="mm", border=BORDER, xmldecl=True)
    return out.getvalue()
