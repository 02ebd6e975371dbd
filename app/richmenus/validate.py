"""LINE's rich-menu limits, checked before LINE is called, with the reason by field.

Limits are LINE's (Messaging API reference, "Rich menu object", "Action objects",
"Rich menu alias"): image JPEG or PNG, ≤ 1 MB, exactly the menu's size; chat-bar text ≤ 14
characters; name ≤ 300; ≤ 20 areas inside the image; uri ≤ 1000 characters, message text
≤ 300, postback data and displayText ≤ 300, label ≤ 20; alias ids 1–32 of [A-Za-z0-9_-];
1000 rich menus per channel. Two further rules are ours: areas may not overlap (a tap must
mean one thing) and links must be HTTPS.

Each problem is (field, text key, values); `explain` turns them into the merchant's texts.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from PIL import Image, UnidentifiedImageError

from ..i18n import t

SIZES = {"large": (2500, 1686), "compact": (2500, 843)}
IMAGE_MAX_BYTES = 1024 * 1024
AREAS_MAX = 20
NAME_MAX, CHAT_BAR_MAX = 300, 14
URI_MAX, TEXT_MAX, DATA_MAX, LABEL_MAX = 1000, 300, 300, 20
MENUS_PER_CHANNEL = 1000
ALIAS_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
PNG, JPEG = b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"


@dataclass(frozen=True)
class Problem:
    field: str  # e.g. "chat_bar_text", "areas[2].action.uri", "image"
    key: str  # richmenus.err.*
    values: dict = field(default_factory=dict)


def explain(problems: list[Problem], lang: str) -> dict[str, str]:
    """field → the reason in the merchant's language (the first problem of each field)."""
    out: dict[str, str] = {}
    for p in problems:
        out.setdefault(p.field, t(f"richmenus.err.{p.key}", lang, **p.values))
    return out


def image_type(data: bytes) -> str | None:
    """The image's type by its magic bytes (not its name or declared type)."""
    if data.startswith(PNG):
        return "image/png"
    if data.startswith(JPEG):
        return "image/jpeg"
    return None


def check_image(data: bytes | None, size: str) -> list[Problem]:
    """JPEG or PNG by magic bytes, ≤ 1 MB, exactly the pixel size of the menu's `size`."""
    if not data:
        return [Problem("image", "image_missing")]
    if image_type(data) is None:
        return [Problem("image", "image_format")]
    if len(data) > IMAGE_MAX_BYTES:
        return [Problem("image", "image_bytes", {"size": f"{len(data) / 1024 / 1024:.2f} MB"})]
    try:
        got = Image.open(io.BytesIO(data)).size
    except (UnidentifiedImageError, OSError):
        return [Problem("image", "image_format")]
    width, height = SIZES.get(size, SIZES["large"])
    if got != (width, height):
        return [Problem("image", "image_size", {"width": width, "height": height, "got": f"{got[0]}×{got[1]}"})]
    return []


def check_menu(spec: dict, *, aliases: set[str]) -> list[Problem]:
    """The menu's own fields and its areas; `aliases` are the tab ids a richmenuswitch may
    name (the shop's menus' alias ids, this menu's tab set included)."""
    problems = []
    if not 1 <= len(str(spec.get("name") or "").strip()) <= NAME_MAX:
        problems.append(Problem("name", "name"))
    size = spec.get("size") if isinstance(spec.get("size"), str) else None
    if size not in SIZES:
        problems.append(Problem("size", "size"))
    if not 1 <= len(str(spec.get("chat_bar_text") or "")) <= CHAT_BAR_MAX:
        problems.append(Problem("chat_bar_text", "chat_bar_text"))
    alias = spec.get("alias_id")
    if alias is not None and not ALIAS_RE.match(str(alias)):
        problems.append(Problem("alias_id", "alias_id"))
    width, height = SIZES.get(size or "large", SIZES["large"])
    return problems + check_areas(spec.get("areas"), width=width, height=height, aliases=aliases)


def check_areas(areas, *, width: int, height: int, aliases: set[str]) -> list[Problem]:
    """1–20 areas, each inside the image, none overlapping another, each with a valid action."""
    if not isinstance(areas, list) or not 1 <= len(areas) <= AREAS_MAX:
        return [Problem("areas", "areas_count", {"max": AREAS_MAX})]
    problems, boxes = [], []
    for i, area in enumerate(areas):
        where = f"areas[{i}]"
        box = _box(area.get("bounds") if isinstance(area, dict) else None)
        if box is None:
            problems.append(Problem(f"{where}.bounds", "area_bounds"))
        elif box[0] + box[2] > width or box[1] + box[3] > height:
            problems.append(Problem(f"{where}.bounds", "area_outside", {"width": width, "height": height}))
        else:
            other = next((j for j, b in boxes if _overlap(box, b)), None)
            if other is not None:
                problems.append(Problem(f"{where}.bounds", "area_overlap", {"other": other + 1}))
            boxes.append((i, box))
        action = area.get("action") if isinstance(area, dict) else None
        problems += check_action(action, where=f"{where}.action", aliases=aliases)
    return problems


def check_action(action, *, where: str, aliases: set[str]) -> list[Problem]:
    """One LINE action object as rich menus allow it."""
    if not isinstance(action, dict):
        return [Problem(f"{where}.type", "action_type")]
    kind, problems = action.get("type"), []
    label = action.get("label")
    if label is not None and len(str(label)) > LABEL_MAX:
        problems.append(Problem(f"{where}.label", "label", {"max": LABEL_MAX}))
    if kind == "uri":
        problems += _check_uri(str(action.get("uri") or "").strip(), where)
    elif kind == "message":
        if not 1 <= len(str(action.get("text") or "")) <= TEXT_MAX:
            problems.append(Problem(f"{where}.text", "text", {"max": TEXT_MAX}))
    elif kind == "postback":
        if not 1 <= len(str(action.get("data") or "")) <= DATA_MAX:
            problems.append(Problem(f"{where}.data", "postback_data", {"max": DATA_MAX}))
        if len(str(action.get("displayText") or "")) > TEXT_MAX:
            problems.append(Problem(f"{where}.displayText", "display_text", {"max": TEXT_MAX}))
    elif kind == "richmenuswitch":
        alias = str(action.get("richMenuAliasId") or "")
        if alias not in aliases:
            problems.append(Problem(f"{where}.richMenuAliasId", "alias_missing", {"alias": alias}))
        if not 1 <= len(str(action.get("data") or "")) <= DATA_MAX:
            problems.append(Problem(f"{where}.data", "postback_data", {"max": DATA_MAX}))
    else:
        problems.append(Problem(f"{where}.type", "action_type"))
    return problems


COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
ICON_NAMES = ("", "cart", "search", "user", "chat", "star", "gift", "truck", "home", "bag")


def check_drawing(drawing) -> list[Problem]:
    """The drawing spec the app renders: colours as #rrggbb, labels ≤ 20, known icons."""
    if not isinstance(drawing, dict):
        return [Problem("drawing", "drawing")]
    tabs = drawing.get("tabs") or {}
    styles = drawing.get("areas") or []
    if not isinstance(tabs, dict) or not isinstance(styles, list) or not all(isinstance(s, dict) for s in styles):
        return [Problem("drawing", "drawing")]
    labels = tabs.get("labels") or []
    if not isinstance(labels, list) or not all(isinstance(x, str) and len(x) <= LABEL_MAX for x in labels):
        return [Problem("drawing.tabs", "drawing")]
    if not isinstance(tabs.get("active", 0), int):
        return [Problem("drawing.tabs", "drawing")]
    problems = []
    colours = [drawing.get("background"), *(tabs.get(k) for k in ("color", "active_color", "text_color"))]
    for i, style in enumerate(styles):
        colours += [style.get("color"), style.get("text_color")]
        label = style.get("label") or ""
        if not isinstance(label, str) or len(label) > LABEL_MAX:
            problems.append(Problem(f"drawing.areas[{i}].label", "label", {"max": LABEL_MAX}))
        if (style.get("icon") or "") not in ICON_NAMES:
            problems.append(Problem(f"drawing.areas[{i}].icon", "drawing"))
    if any(c is not None and not (isinstance(c, str) and COLOUR_RE.match(c)) for c in colours):
        problems.append(Problem("drawing", "colour"))
    return problems


def _check_uri(uri: str, where: str) -> list[Problem]:
    if not uri:
        return [Problem(f"{where}.uri", "uri_empty")]
    if not re.match(r"^https://[^\s/]+", uri):
        return [Problem(f"{where}.uri", "uri_https")]
    if len(uri) > URI_MAX:
        return [Problem(f"{where}.uri", "uri_length", {"max": URI_MAX})]
    return []


def _box(bounds) -> tuple[int, int, int, int] | None:
    if not isinstance(bounds, dict):
        return None
    values = [bounds.get(k) for k in ("x", "y", "width", "height")]
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values):
        return None
    if values[2] < 1 or values[3] < 1:
        return None
    return values[0], values[1], values[2], values[3]


def _overlap(a: tuple, b: tuple) -> bool:
    """Whether two boxes share any pixel (touching edges do not)."""
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]
