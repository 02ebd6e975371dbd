"""Local SVG placeholders for demo product images.

Demo products point their image at ``/static/demo/products/<handle>.svg`` so the admin
and message previews show a picture without calling any image host. The drawing is
plain and deterministic: the same handle always gets the same colour.
"""

from __future__ import annotations

import colorsys
import hashlib
import os
import re
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from .words import KIND_BY_TYPE

# Shapes are drawn around the centre of a 600×600 canvas, above the caption.
SHAPES = {
    "shirt": '<path d="M220 150h160l90 70-45 55-35-25v190H210V250l-35 25-45-55z"/>',
    "sock": '<path d="M250 140h110v200l-20 70q-20 45-80 30l-70-25q-40-20-20-60l80-60z"/>',
    "cloth": '<rect x="195" y="165" width="210" height="210" rx="14" transform="rotate(45 300 270)"/>',
    "bag": '<path d="M250 200v-30a50 50 0 0 1 100 0v30" fill="none" stroke="{fg}" stroke-width="16"/>'
    '<rect x="190" y="200" width="220" height="210" rx="16"/>',
    "pouch": '<rect x="210" y="150" width="180" height="260" rx="20"/>'
    '<rect x="210" y="150" width="180" height="36" fill="{bg}" opacity=".5"/>',
    "jar": '<rect x="235" y="150" width="130" height="36" rx="8"/>'
    '<rect x="205" y="190" width="190" height="220" rx="40"/>',
    "bottle": '<rect x="270" y="130" width="60" height="50" rx="8"/>'
    '<rect x="225" y="180" width="150" height="230" rx="34"/>',
    "soap": '<rect x="180" y="210" width="240" height="150" rx="60"/>',
    "mug": '<circle cx="385" cy="280" r="46" fill="none" stroke="{fg}" stroke-width="22"/>'
    '<rect x="195" y="180" width="170" height="220" rx="26"/>',
    "sticks": '<rect x="255" y="130" width="22" height="290" rx="10" transform="rotate(-6 266 275)"/>'
    '<rect x="323" y="130" width="22" height="290" rx="10" transform="rotate(6 334 275)"/>',
    "paw": '<ellipse cx="300" cy="320" rx="85" ry="70"/><circle cx="215" cy="215" r="32"/>'
    '<circle cx="270" cy="175" r="32"/><circle cx="330" cy="175" r="32"/>'
    '<circle cx="385" cy="215" r="32"/>',
    "circle": '<circle cx="300" cy="270" r="130"/>',
}
SAFE_HANDLE = re.compile(r"^[a-z0-9][a-z0-9-]{0,254}$")


def _colours(handle: str) -> tuple[str, str]:
    """A pastel background and a deeper foreground of the same hue, fixed by the handle."""
    digest = hashlib.sha256(handle.encode("utf-8")).digest()
    hue = digest[0] / 255

    def hex_colour(lightness: float, saturation: float) -> str:
        red, green, blue = colorsys.hls_to_rgb(hue, lightness, saturation)
        return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"

    return hex_colour(0.9, 0.55), hex_colour(0.45, 0.35)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def product_svg(*, title: str, product_type: str, handle: str) -> str:
    """An image that needs no network and stays well under 2 KB however long the title."""
    bg, fg = _colours(handle)
    kind = KIND_BY_TYPE.get(product_type)
    shape = SHAPES.get(kind["shape"] if kind else "circle", SHAPES["circle"]).format(fg=fg, bg=bg)
    label, caption = escape(_clip(product_type, 16)), escape(_clip(title, 28))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 600" width="600" height="600" '
        f'role="img" aria-label={quoteattr(_clip(title, 60))}>'
        f"<title>{escape(_clip(title, 60))}</title>"
        f'<rect width="600" height="600" fill="{bg}"/>'
        f'<g fill="{fg}">{shape}</g>'
        f'<text x="300" y="485" text-anchor="middle" font-family="sans-serif" font-size="44" '
        f'font-weight="bold" fill="{fg}">{label}</text>'
        f'<text x="300" y="535" text-anchor="middle" font-family="sans-serif" font-size="22" '
        f'fill="{fg}" opacity=".8">{caption}</text></svg>\n'
    )


def write_placeholders(products: list[dict], directory: Path) -> int:
    """Write ``<handle>.svg`` per product and return how many files changed.

    Unchanged files are left alone so re-running the demo seed does not touch mtimes,
    and a handle that is not a plain slug is refused rather than used as a path.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = 0
    for product in products:
        handle = str(product.get("handle") or "")
        if not SAFE_HANDLE.match(handle):
            raise ValueError(f"unsafe product handle for a file name: {handle!r}")
        svg = product_svg(
            title=str(product.get("title") or ""), product_type=str(product.get("product_type") or ""), handle=handle
        )
        path = directory / f"{handle}.svg"
        data = svg.encode("utf-8")
        if path.is_file() and path.read_bytes() == data:
            continue
        temporary = path.with_name(f".{handle}.svg.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
        written += 1
    return written
