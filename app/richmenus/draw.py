"""Menu images the app draws for merchants without a designer: per area a colour, an icon
and a label (Japanese, in Noto Sans CJK), and the tab strip of a tab set, rendered with
Pillow at the menu's exact size.

The bytes returned are stored on the menu and are what both the preview and LINE get, so
the merchant sees exactly what friends will see. PNG first (flat colours compress well);
should it pass LINE's 1 MB, JPEG at falling quality. Without the CJK font (Debian package
fonts-noto-cjk) Pillow's own font is used and `font_ok` is False so the editor can say that
Japanese labels will not render.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .icons import draw_icon
from .layouts import tab_strip_height
from .validate import IMAGE_MAX_BYTES, SIZES

log = logging.getLogger("tsunagu.richmenus")

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    "/System/Library/Fonts/ヒラギノ角ゴシック W6.ttc",
)
JP_INDEX = 0  # the .ttc's first face is Noto Sans CJK JP
GAP = 6  # pixels between areas, in the background colour
LABEL_MAX_PX = 120  # a label never larger than this, however tall its button
DEFAULTS = {"background": "#ffffff", "color": "#06c755", "text_color": "#ffffff"}


@dataclass(frozen=True)
class Drawn:
    data: bytes
    content_type: str  # image/png | image/jpeg
    font_ok: bool  # False: no CJK font here, labels drawn in Pillow's fallback font


@cache
def font_path() -> str | None:
    found = next((p for p in FONT_CANDIDATES if Path(p).is_file()), None)
    if found is None:
        log.warning("no CJK font found (install fonts-noto-cjk): menu labels use Pillow's font")
    return found


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = font_path()
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size, index=JP_INDEX)


def draw(*, size: str, areas: list[dict], drawing: dict) -> Drawn:
    """The menu image: tab cells (when `drawing["tabs"]`) then one styled cell per area."""
    width, height = SIZES[size]
    background = drawing.get("background") or DEFAULTS["background"]
    image = Image.new("RGB", (width, height), background)
    canvas = ImageDraw.Draw(image)
    tabs = drawing.get("tabs") or {}
    labels = list(tabs.get("labels") or [])
    for i, area in enumerate(areas[: len(labels)]):
        _tab(canvas, area["bounds"], labels[i], active=i == tabs.get("active", 0), tabs=tabs)
    styles = list(drawing.get("areas") or [])
    for i, area in enumerate(areas[len(labels) :]):
        _cell(canvas, area["bounds"], styles[i] if i < len(styles) else {})
    if labels:
        top = tab_strip_height(size, len(labels))
        canvas.rectangle([0, top - 8, width, top], fill=tabs.get("active_color") or DEFAULTS["color"])
    return _encode(image, font_ok=font_path() is not None)


def _cell(canvas: ImageDraw.ImageDraw, bounds: dict, style: dict) -> None:
    x, y, w, h = bounds["x"], bounds["y"], bounds["width"], bounds["height"]
    colour = style.get("color") or DEFAULTS["color"]
    ink = style.get("text_color") or DEFAULTS["text_color"]
    canvas.rounded_rectangle([x + GAP, y + GAP, x + w - GAP, y + h - GAP], radius=24, fill=colour)
    label = str(style.get("label") or "")
    side = min(min(w, h) * 2 // 5, 420)
    icon_top = y + (h - side - (h // 5 if label else 0)) // 2
    drew_icon = draw_icon(canvas, style.get("icon"), (x + (w - side) // 2, icon_top, side), ink)
    if label:
        centre = icon_top + side + h // 8 if drew_icon else y + h // 2
        size = min(LABEL_MAX_PX, max(28, h // 7))
        _label(canvas, label, x + w // 2, centre, max_width=w * 5 // 6, max_size=size, ink=ink)


def _tab(canvas: ImageDraw.ImageDraw, bounds: dict, label: str, *, active: bool, tabs: dict) -> None:
    x, y, w, h = bounds["x"], bounds["y"], bounds["width"], bounds["height"]
    fill = (tabs.get("active_color") or DEFAULTS["color"]) if active else (tabs.get("color") or "#e9ecef")
    ink = (tabs.get("text_color") or "#ffffff") if active else (tabs.get("idle_text_color") or "#333333")
    canvas.rectangle([x, y, x + w, y + h], fill=fill)
    if x > 0:
        canvas.line([(x, y + h // 4), (x, y + h * 3 // 4)], fill="#ffffff", width=4)
    _label(canvas, label, x + w // 2, y + h // 2, max_width=w - 8 * GAP, max_size=h * 2 // 5, ink=ink)


def _label(canvas, text: str, cx: int, cy: int, *, max_width: int, max_size: int, ink: str) -> None:
    """Centred at (cx, cy), as large as fits `max_width` (down to 20 px)."""
    size = max_size
    while size > 20 and canvas.textlength(text, font=_font(size)) > max_width:
        size -= 4
    canvas.text((cx, cy), text, font=_font(size), fill=ink, anchor="mm")


def _encode(image: Image.Image, *, font_ok: bool) -> Drawn:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=6)
    if buffer.tell() <= IMAGE_MAX_BYTES:
        return Drawn(buffer.getvalue(), "image/png", font_ok)
    for quality in (92, 85, 75, 60):
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality, optimize=True)
        if buffer.tell() <= IMAGE_MAX_BYTES:
            return Drawn(buffer.getvalue(), "image/jpeg", font_ok)
    raise ValueError("the drawn menu does not fit in 1 MB")
