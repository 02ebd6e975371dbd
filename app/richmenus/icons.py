"""Simple icons for drawn menu areas, made of Pillow shapes (no icon font, no files):
each draws into the square box (x, y, side) in one colour."""

from __future__ import annotations

from collections.abc import Callable

from PIL import ImageDraw

Box = tuple[int, int, int]  # left, top, side


def _cart(d: ImageDraw.ImageDraw, x: int, y: int, s: int, c: str) -> None:
    w = max(4, s // 14)
    d.line([(x, y + s * 0.15), (x + s * 0.18, y + s * 0.15), (x + s * 0.3, y + s * 0.65)], fill=c, width=w)
    d.polygon(
        [
            (x + s * 0.22, y + s * 0.28),
            (x + s, y + s * 0.28),
            (x + s * 0.88, y + s * 0.65),
            (x + s * 0.3, y + s * 0.65),
        ],
        fill=c,
    )
    for cx in (0.38, 0.8):
        r = s * 0.08
        d.ellipse([x + s * cx - r, y + s * 0.82 - r, x + s * cx + r, y + s * 0.82 + r], fill=c)


def _search(d: ImageDraw.ImageDraw, x: int, y: int, s: int, c: str) -> None:
    w = max(5, s // 10)
    d.ellipse([x + s * 0.1, y + s * 0.1, x + s * 0.65, y + s * 0.65], outline=c, width=w)
    d.line([(x + s * 0.58, y + s * 0.58), (x + s * 0.92, y + s * 0.92)], fill=c, width=w + 4)


def _user(d: ImageDraw.ImageDraw, x: int, y: int, s: int, c: str) -> None:
    d.ellipse([x + s * 0.3, y + s * 0.05, x + s * 0.7, y + s * 0.45], fill=c)
    d.chord([x + s * 0.1, y + s * 0.52, x + s * 0.9, y + s * 1.3], 180, 360, fill=c)


def _chat(d: ImageDraw.ImageDraw, x: int, y: int, s: int, c: str) -> None:
    d.rounded_rectangle([x + s * 0.05, y + s * 0.12, x + s * 0.95, y + s * 0.7], radius=s // 8, fill=c)
    d.polygon([(x + s * 0.25, y + s * 0.68), (x + s * 0.45, y + s * 0.68), (x + s * 0.2, y + s * 0.92)], fill=c)


def _star(d: ImageDraw.ImageDraw, x: int, y: int, s: int, c: str) -> None:
    import math

    points = []
    for i in range(10):
        r = s * (0.48 if i % 2 == 0 else 0.2)
        a = math.pi / 2 + i * math.pi / 5
        points.append((x + s / 2 + r * math.cos(a), y + s / 2 - r * math.sin(a)))
    d.polygon(points, fill=c)


def _gift(d: ImageDraw.ImageDraw, x: int, y: int, s: int, c: str) -> None:
    d.rectangle([x + s * 0.1, y + s * 0.35, x + s * 0.9, y + s * 0.95], fill=c)
    d.rectangle([x + s * 0.05, y + s * 0.22, x + s * 0.95, y + s * 0.35], fill=c)
    d.ellipse([x + s * 0.25, y + s * 0.02, x + s * 0.5, y + s * 0.24], outline=c, width=max(4, s // 14))
    d.ellipse([x + s * 0.5, y + s * 0.02, x + s * 0.75, y + s * 0.24], outline=c, width=max(4, s // 14))


def _truck(d: ImageDraw.ImageDraw, x: int, y: int, s: int, c: str) -> None:
    d.rectangle([x, y + s * 0.2, x + s * 0.62, y + s * 0.72], fill=c)
    d.polygon(
        [
            (x + s * 0.66, y + s * 0.38),
            (x + s * 0.86, y + s * 0.38),
            (x + s, y + s * 0.55),
            (x + s, y + s * 0.72),
            (x + s * 0.66, y + s * 0.72),
        ],
        fill=c,
    )
    for cx in (0.22, 0.8):
        r = s * 0.1
        d.ellipse([x + s * cx - r, y + s * 0.8 - r, x + s * cx + r, y + s * 0.8 + r], fill=c)


def _home(d: ImageDraw.ImageDraw, x: int, y: int, s: int, c: str) -> None:
    d.polygon([(x + s / 2, y + s * 0.05), (x + s * 0.98, y + s * 0.48), (x + s * 0.02, y + s * 0.48)], fill=c)
    d.rectangle([x + s * 0.18, y + s * 0.45, x + s * 0.82, y + s * 0.95], fill=c)


def _bag(d: ImageDraw.ImageDraw, x: int, y: int, s: int, c: str) -> None:
    d.rectangle([x + s * 0.12, y + s * 0.3, x + s * 0.88, y + s * 0.95], fill=c)
    d.arc([x + s * 0.3, y + s * 0.05, x + s * 0.7, y + s * 0.5], 180, 360, fill=c, width=max(4, s // 14))


ICONS: dict[str, Callable] = {
    "cart": _cart,
    "search": _search,
    "user": _user,
    "chat": _chat,
    "star": _star,
    "gift": _gift,
    "truck": _truck,
    "home": _home,
    "bag": _bag,
}


def draw_icon(draw: ImageDraw.ImageDraw, name: str | None, box: Box, colour: str) -> bool:
    """Draw icon `name` into `box`; False (nothing drawn) for no icon or an unknown one."""
    icon = ICONS.get(name or "")
    if icon is None:
        return False
    x, y, side = box
    icon(draw, x, y, side, colour)
    return True
