"""The rich menu endpoints of the fake LINE (mixed into FakeLine), enforcing LINE's limits.

LINE's documented rules, answered as LINE answers them (400 with a message, 404 for an
unknown menu or alias): a rich menu object of a valid size (width 800–2500, height ≥ 250,
width/height ≥ 1.45), chatBarText ≤ 14, name ≤ 300, 1–20 areas inside the image; at most
1,000 menus and 1,000 aliases a channel; one image per menu, uploaded only to the data host
(`DATA_PREFIX` here: the app's LINE_DATA_API_BASE points at it), JPEG or PNG, ≤ 1 MB, of the
menu's exact size; a menu must have its image before it becomes the default, an alias
target, or is linked; bulk link/unlink take 1–500 user ids. Creating and deleting menus and
deleting aliases are limited to 100 an hour (enforced with the other rate limits).
"""

from __future__ import annotations

import io
import json
import re
import secrets

from PIL import Image, UnidentifiedImageError
from werkzeug.routing import Rule
from werkzeug.wrappers import Response

DATA_PREFIX = "/api-data"  # where the fake serves LINE's data host (api-data.line.me)
MENUS_MAX = ALIASES_MAX = 1000
IMAGE_MAX = 1024 * 1024
ALIAS_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
USER_RE = re.compile(r"^U[0-9a-f]{32}$")
HOURLY_LIMITS = {"richmenu_create": 100, "richmenu_delete": 100, "alias_delete": 100}
PER_SECOND_LIMITS = {"richmenu_list": 10}

RULES = [
    Rule("/v2/bot/richmenu", methods=["POST"], endpoint="richmenu_create"),
    Rule("/v2/bot/richmenu/list", methods=["GET"], endpoint="richmenu_list"),
    Rule("/v2/bot/richmenu/bulk/link", methods=["POST"], endpoint="richmenu_bulk_link"),
    Rule("/v2/bot/richmenu/bulk/unlink", methods=["POST"], endpoint="richmenu_bulk_unlink"),
    Rule("/v2/bot/richmenu/alias", methods=["POST"], endpoint="alias_create"),
    Rule("/v2/bot/richmenu/alias/<alias_id>", methods=["POST"], endpoint="alias_update"),
    Rule("/v2/bot/richmenu/alias/<alias_id>", methods=["DELETE"], endpoint="alias_delete"),
    Rule("/v2/bot/richmenu/<menu_id>", methods=["DELETE"], endpoint="richmenu_delete"),
    Rule(f"{DATA_PREFIX}/v2/bot/richmenu/<menu_id>/content", methods=["POST"], endpoint="richmenu_image"),
    Rule("/v2/bot/user/all/richmenu/<menu_id>", methods=["POST"], endpoint="richmenu_default"),
    Rule("/v2/bot/user/all/richmenu", methods=["DELETE"], endpoint="richmenu_default_cancel"),
]


class RichMenuEndpoints:
    """State: `rich_menus` (id → {"body", "image", "content_type"}), `aliases` (alias →
    menu id), `default_rich_menu`, `user_menus` (user id → menu id) and `bulk_calls`
    (("link"|"unlink", menu id or None, user ids) per accepted call)."""

    def _init_richmenus(self) -> None:
        self.rich_menus: dict[str, dict] = {}
        self.aliases: dict[str, str] = {}
        self.default_rich_menu: str | None = None
        self.user_menus: dict[str, str] = {}
        self.bulk_calls: list[tuple[str, str | None, list[str]]] = []

    def menu_seen_by(self, user_id: str) -> str | None:
        """The menu LINE would show this user: their own, else the default."""
        with self._lock:
            return self.user_menus.get(user_id, self.default_rich_menu)

    # -- endpoints ------------------------------------------------------------------------
    def _richmenu_create(self, call) -> Response:
        body = call.body
        if invalid := _check_menu(body):
            return invalid
        with self._lock:
            if len(self.rich_menus) >= MENUS_MAX:
                return _msg(400, "The number of rich menus has exceeded the limit (1000)")
            menu_id = "richmenu-" + secrets.token_hex(16)
            self.rich_menus[menu_id] = {"body": body, "image": None, "content_type": None}
        return _json({"richMenuId": menu_id})

    def _richmenu_list(self, call) -> Response:
        with self._lock:
            menus = [{"richMenuId": k, **v["body"]} for k, v in self.rich_menus.items()]
        return _json({"richmenus": menus})

    def _richmenu_image(self, call, menu_id: str) -> Response:
        data, content_type = call.request.get_data(), call.request.mimetype
        with self._lock:
            menu = self.rich_menus.get(menu_id)
            if menu is None:
                return _msg(404, "Not found")
            if menu["image"] is not None:
                return _msg(400, "An image has already been uploaded to the richmenu")
            if invalid := _check_image(data, content_type, menu["body"]["size"]):
                return invalid
            menu["image"], menu["content_type"] = data, content_type
        return _json({})

    def _richmenu_default(self, call, menu_id: str) -> Response:
        with self._lock:
            if invalid := self._usable(menu_id):
                return invalid
            self.default_rich_menu = menu_id
        return _json({})

    def _richmenu_default_cancel(self, call) -> Response:
        with self._lock:
            self.default_rich_menu = None
        return _json({})

    def _alias_create(self, call) -> Response:
        alias, menu_id = call.body.get("richMenuAliasId"), call.body.get("richMenuId")
        if not isinstance(alias, str) or not ALIAS_RE.match(alias):
            return _invalid("richMenuAliasId", "Invalid rich menu alias id")
        with self._lock:
            if alias in self.aliases:
                return _msg(400, "conflict richmenu alias id")
            if len(self.aliases) >= ALIASES_MAX:
                return _msg(400, "The number of rich menu aliases has exceeded the limit (1000)")
            if invalid := self._usable(menu_id):
                return invalid
            self.aliases[alias] = menu_id
        return _json({})

    def _alias_update(self, call, alias_id: str) -> Response:
        menu_id = call.body.get("richMenuId")
        with self._lock:
            if alias_id not in self.aliases:
                return _msg(400, "richmenu alias not found")
            if invalid := self._usable(menu_id):
                return invalid
            self.aliases[alias_id] = menu_id
        return _json({})

    def _alias_delete(self, call, alias_id: str) -> Response:
        with self._lock:
            if self.aliases.pop(alias_id, None) is None:
                return _msg(404, "Not found")
        return _json({})

    def _richmenu_delete(self, call, menu_id: str) -> Response:
        with self._lock:
            if self.rich_menus.pop(menu_id, None) is None:
                return _msg(404, "Not found")
            self.user_menus = {u: m for u, m in self.user_menus.items() if m != menu_id}
            if self.default_rich_menu == menu_id:
                self.default_rich_menu = None
        return _json({})

    def _richmenu_bulk_link(self, call) -> Response:
        menu_id, users = call.body.get("richMenuId"), call.body.get("userIds")
        if invalid := _check_users(users):
            return invalid
        with self._lock:
            if invalid := self._usable(menu_id):
                return invalid
            self.user_menus.update(dict.fromkeys(users, menu_id))
            self.bulk_calls.append(("link", menu_id, list(users)))
        return _json({}, 202)

    def _richmenu_bulk_unlink(self, call) -> Response:
        users = call.body.get("userIds")
        if invalid := _check_users(users):
            return invalid
        with self._lock:
            for user in users:
                self.user_menus.pop(user, None)
            self.bulk_calls.append(("unlink", None, list(users)))
        return _json({}, 202)

    def _usable(self, menu_id) -> Response | None:
        """A menu that exists and has its image (call under the lock)."""
        menu = self.rich_menus.get(menu_id) if isinstance(menu_id, str) else None
        if menu is None:
            return _msg(404 if isinstance(menu_id, str) else 400, "richmenu not found")
        if menu["image"] is None:
            return _msg(400, "must upload richmenu image before applying it to user")
        return None


def _check_menu(body: dict) -> Response | None:
    size = body.get("size") or {}
    width, height = size.get("width"), size.get("height")
    if not isinstance(width, int) or not isinstance(height, int):
        return _invalid("size", "Invalid size")
    if not (800 <= width <= 2500 and height >= 250 and width / height >= 1.45):
        return _invalid("size", "Invalid size")
    name, bar = body.get("name"), body.get("chatBarText")
    if not isinstance(name, str) or not 1 <= len(name) <= 300:
        return _invalid("name", "Length must be between 1 and 300")
    if not isinstance(bar, str) or not 1 <= len(bar) <= 14:
        return _invalid("chatBarText", "Length must be between 1 and 14")
    if not isinstance(body.get("selected"), bool):
        return _invalid("selected", "May not be null")
    areas = body.get("areas")
    if not isinstance(areas, list) or not 1 <= len(areas) <= 20:
        return _invalid("areas", "Size must be between 1 and 20")
    for i, area in enumerate(areas):
        b = area.get("bounds") or {}
        if not all(isinstance(b.get(k), int) and b[k] >= 0 for k in ("x", "y", "width", "height")):
            return _invalid(f"areas[{i}].bounds", "Invalid bounds")
        if b["x"] + b["width"] > width or b["y"] + b["height"] > height:
            return _invalid(f"areas[{i}].bounds", "The area is outside the rich menu")
        if invalid := _check_action(area.get("action"), f"areas[{i}].action"):
            return invalid
    return None


def _check_action(action, where: str) -> Response | None:
    if not isinstance(action, dict) or not action.get("type"):
        return _invalid(f"{where}.type", "May not be empty")
    kind = action["type"]
    if kind == "uri" and not (isinstance(action.get("uri"), str) and 1 <= len(action["uri"]) <= 1000):
        return _invalid(f"{where}.uri", "Length must be between 1 and 1000")
    if kind == "message" and not (isinstance(action.get("text"), str) and 1 <= len(action["text"]) <= 300):
        return _invalid(f"{where}.text", "Length must be between 1 and 300")
    if kind in ("postback", "richmenuswitch") and not (
        isinstance(action.get("data"), str) and 1 <= len(action["data"]) <= 300
    ):
        return _invalid(f"{where}.data", "Length must be between 1 and 300")
    if kind == "richmenuswitch" and not ALIAS_RE.match(str(action.get("richMenuAliasId") or "")):
        return _invalid(f"{where}.richMenuAliasId", "Invalid rich menu alias id")
    if len(str(action.get("label") or "")) > 20:
        return _invalid(f"{where}.label", "Length must be between 0 and 20")
    return None


def _check_image(data: bytes, content_type: str, size: dict) -> Response | None:
    if content_type not in ("image/jpeg", "image/png"):
        return _msg(415, "Unsupported Media Type")
    if len(data) > IMAGE_MAX:
        return _msg(400, "The image exceeds the maximum size (1MB)")
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError):
        return _msg(400, "Invalid image")
    if image.format != {"image/jpeg": "JPEG", "image/png": "PNG"}[content_type]:
        return _msg(400, "Invalid image")
    if image.size != (size["width"], size["height"]):
        return _msg(400, "Image size does not match the rich menu size")
    return None


def _check_users(users) -> Response | None:
    if not isinstance(users, list) or not 1 <= len(users) <= 500:
        return _invalid("userIds", "Size must be between 1 and 500")
    if not all(isinstance(u, str) and USER_RE.match(u) for u in users):
        return _invalid("userIds", "Invalid user id")
    return None


def _invalid(prop: str, detail: str) -> Response:
    return _json(
        {"message": "The request body has 1 error(s)", "details": [{"message": detail, "property": prop}]}, 400
    )


def _msg(status: int, message: str) -> Response:
    return _json({"message": message}, status)


def _json(payload, status: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json")
