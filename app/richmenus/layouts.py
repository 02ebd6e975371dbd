"""Ready layouts: the areas' bounds for 1–6 buttons on a large or compact menu, below a tab
strip when the menu is one tab of a set. The editor starts from one; a free layout of up to
20 rectangles is the merchant's own list of bounds."""

from __future__ import annotations

from .validate import SIZES

# buttons → buttons per row, top to bottom
GRIDS = {1: [1], 2: [2], 3: [3], 4: [2, 2], 5: [3, 2], 6: [3, 3]}
TAB_STRIP = {"large": 220, "compact": 180}  # height of the tab strip, pixels


def tab_strip_height(size: str, tabs: int) -> int:
    return TAB_STRIP[size] if tabs else 0


def layout(size: str, buttons: int, *, tabs: int = 0) -> list[dict]:
    """Bounds of the tab cells (first, left to right) then of the buttons, row by row; the
    cells tile the whole image without overlapping."""
    width, height = SIZES[size]
    top = tab_strip_height(size, tabs)
    bounds = _row(0, 0, width, top, tabs) if tabs else []
    rows = GRIDS[buttons]
    edges = [top + (height - top) * i // len(rows) for i in range(len(rows) + 1)]
    for r, per_row in enumerate(rows):
        bounds += _row(0, edges[r], width, edges[r + 1] - edges[r], per_row)
    return bounds


def _row(x: int, y: int, width: int, height: int, cells: int) -> list[dict]:
    edges = [x + width * i // cells for i in range(cells + 1)]
    return [{"x": edges[i], "y": y, "width": edges[i + 1] - edges[i], "height": height} for i in range(cells)]
