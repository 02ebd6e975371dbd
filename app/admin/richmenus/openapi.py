"""OpenAPI 3.0 path objects for rich menus (menus, preview, publishing, rules), assembled
into /api/openapi.json by app.admin.openapi."""

from __future__ import annotations

from ..schemas import OK, VALIDATION, id_parameter, json_body, json_response

_STR = {"type": "string"}
_NULLABLE_STR = {"type": "string", "nullable": True}
_AREA = {
    "type": "object",
    "description": "LINE's area object: {bounds: {x, y, width, height}, action: {type, ...}}",
    "properties": {"bounds": {"type": "object"}, "action": {"type": "object"}},
}
_MENU_INPUT = {
    "type": "object",
    "properties": {
        "name": _STR,
        "size": {"type": "string", "enum": ["large", "compact"]},
        "chat_bar_text": _STR,
        "areas": {"type": "array", "items": _AREA},
        "alias_id": _NULLABLE_STR,
        "is_default": {"type": "boolean"},
        "drawing": {
            "type": "object",
            "nullable": True,
            "description": "{background, tabs: {labels, active}, areas: [{color, text_color, label, icon}]}",
        },
        "image_base64": {"type": "string", "description": "an uploaded JPEG or PNG, base64"},
    },
}
_MENU = {
    "type": "object",
    "required": ["id", "name", "size", "chat_bar_text", "areas", "status", "live", "publish_error"],
    "properties": {
        "id": {"type": "integer"},
        "name": _STR,
        "size": _STR,
        "chat_bar_text": _STR,
        "areas": {"type": "array", "items": _AREA},
        "drawing": {"type": "object", "nullable": True},
        "tab_set": _NULLABLE_STR,
        "tab_index": {"type": "integer"},
        "alias_id": _NULLABLE_STR,
        "is_default": {"type": "boolean"},
        "status": {"type": "string", "enum": ["draft", "published", "failed"]},
        "live": {"type": "boolean"},
        "published_at": {"type": "string", "format": "date-time", "nullable": True},
        "publish_error": _NULLABLE_STR,
        "image_bytes": {"type": "integer"},
        "image": {"type": "string", "nullable": True, "description": "data URL of the stored image"},
    },
}
_EARNED = {
    "orders": {"type": "integer", "description": "orders credited to the button (app/tracking/attribution.py)"},
    "revenue": {"type": "string", "description": "decimal revenue of those orders"},
    "linked": {"type": "integer", "description": "friends who linked their account right after tapping it"},
}
_RESULTS = {
    "type": "object",
    "required": ["menu_id", "days", "start", "end", "areas", "total", "currency"],
    "properties": {
        "menu_id": {"type": "integer"},
        "days": {"type": "integer"},
        "start": {"type": "string", "format": "date-time"},
        "end": {"type": "string", "format": "date-time"},
        "areas": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["area", "kind", "target", "taps", "counted", "orders", "revenue", "linked"],
                "properties": {
                    "area": {"type": "integer"},
                    "kind": {"type": "string", "enum": ["web", "postback", "message"]},
                    "target": _STR,
                    "taps": {"type": "integer"},
                    "counted": {"type": "boolean"},
                    **_EARNED,
                },
            },
        },
        "total": {
            "type": "object",
            "required": ["taps", "orders", "revenue", "linked"],
            "properties": {"taps": {"type": "integer"}, **_EARNED},
        },
        "currency": _STR,
    },
}
_RULE = {
    "type": "object",
    "required": ["id", "menu_id", "priority", "kind"],
    "properties": {
        "id": {"type": "integer"},
        "menu_id": {"type": "integer"},
        "priority": {"type": "integer"},
        "kind": {"type": "string", "enum": ["linked", "unlinked", "segment"]},
        "segment_id": {"type": "integer", "nullable": True},
        "starts_at": {"type": "string", "format": "date-time", "nullable": True},
        "ends_at": {"type": "string", "format": "date-time", "nullable": True},
        "starts_local": _NULLABLE_STR,
        "ends_local": _NULLABLE_STR,
    },
}


def _ok_list(name: str, item: dict) -> dict:
    """{"ok": true, <name>: [item, …]}: what a save answers with the rows it wrote."""
    return {
        "type": "object",
        "required": ["ok", name],
        "properties": {"ok": {"type": "boolean"}, name: {"type": "array", "items": item}},
    }


_ONE_MENU = {"type": "object", "required": ["ok", "menu"], "properties": {"ok": {"type": "boolean"}, "menu": _MENU}}
_LINE_REFUSED = json_response(
    "LINE refused: the previous menu is still live; message is LINE's answer",
    {
        "type": "object",
        "required": ["ok", "errors", "message"],
        "properties": {"ok": {"type": "boolean"}, "errors": {"type": "object"}, "message": _STR, "menu": _MENU},
    },
)
_ID = [id_parameter("menu_id")]

PATHS = {
    "/api/rich-menus": {
        "get": {
            "summary": "The shop's rich menus and the rules of who sees which",
            "responses": {
                "200": json_response(
                    "Menus and rules",
                    {
                        "type": "object",
                        "required": ["menus", "rules"],
                        "properties": {
                            "menus": {"type": "array", "items": _MENU},
                            "rules": {"type": "array", "items": _RULE},
                        },
                    },
                )
            },
        },
        "post": {
            "summary": "Create a menu, or a 2–3 tab set ({menus: [...], tab_set}); checked against LINE's limits",
            "requestBody": json_body(
                {
                    "type": "object",
                    "properties": {
                        **_MENU_INPUT["properties"],
                        "menus": {"type": "array", "items": _MENU_INPUT},
                        "tab_set": _STR,
                    },
                }
            ),
            "responses": {
                "201": json_response(
                    "Saved",
                    _ok_list("menus", _MENU),
                ),
                "422": VALIDATION,
            },
        },
    },
    "/api/rich-menus/preview": {
        "post": {
            "summary": "The image the app would draw (nothing saved)",
            "requestBody": json_body(_MENU_INPUT),
            "responses": {
                "200": json_response(
                    "Drawn",
                    {
                        "type": "object",
                        "required": ["ok", "image", "bytes", "font_ok"],
                        "properties": {
                            "ok": {"type": "boolean"},
                            "image": _STR,
                            "bytes": {"type": "integer"},
                            "font_ok": {"type": "boolean"},
                        },
                    },
                ),
                "422": VALIDATION,
            },
        }
    },
    "/api/rich-menus/{menu_id}": {
        "parameters": _ID,
        "get": {
            "summary": "One menu with its image (a data URL)",
            "responses": {
                "200": json_response(
                    "The menu", {"type": "object", "required": ["menu"], "properties": {"menu": _MENU}}
                )
            },
        },
        "delete": {
            "summary": "Delete a draft (a live menu answers 409: unpublish it first)",
            "responses": {"200": json_response("Deleted", OK), "409": VALIDATION},
        },
    },
    "/api/rich-menus/{menu_id}/results": {
        "parameters": _ID,
        "get": {
            "summary": "Per button and in total over `days` days: taps (/r/ links, stamped postbacks; message "
            "buttons uncounted), credited orders and revenue, accounts linked",
            "parameters": [
                {"name": "days", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 365}}
            ],
            "responses": {"200": json_response("Results per area", _RESULTS)},
        },
    },
    "/api/rich-menus/{menu_id}/publish": {
        "parameters": _ID,
        "post": {
            "summary": "Publish on LINE (with its tab set): create, upload, switch aliases/default, delete the old",
            "responses": {"200": json_response("Live", _ONE_MENU), "422": VALIDATION, "502": _LINE_REFUSED},
        },
    },
    "/api/rich-menus/{menu_id}/unpublish": {
        "parameters": _ID,
        "post": {
            "summary": "Take the menu off LINE (its friends see the default again)",
            "responses": {"200": json_response("Off LINE", _ONE_MENU), "422": VALIDATION, "502": _LINE_REFUSED},
        },
    },
    "/api/rich-menus/rules": {
        "post": {
            "summary": "A rule: who sees a menu (linked, unlinked, a segment), by priority, in an optional period",
            "requestBody": json_body(
                {
                    "type": "object",
                    "properties": {
                        "menu_id": {"type": "integer"},
                        "kind": {"type": "string", "enum": ["linked", "unlinked", "segment"]},
                        "segment_id": {"type": "integer", "nullable": True},
                        "priority": {"type": "integer"},
                        "starts_at": {
                            "type": "string",
                            "nullable": True,
                            "description": "local date-time, e.g. 2026-12-10T10:00",
                        },
                        "ends_at": {"type": "string", "nullable": True},
                    },
                }
            ),
            "responses": {
                "201": json_response(
                    "Saved",
                    {
                        "type": "object",
                        "required": ["ok", "rule"],
                        "properties": {"ok": {"type": "boolean"}, "rule": _RULE},
                    },
                ),
                "422": VALIDATION,
            },
        }
    },
    "/api/rich-menus/rules/order": {
        "post": {
            "summary": "Reorder the rules: every rule id of the shop, first to match first",
            "requestBody": json_body(
                {"type": "object", "properties": {"rule_ids": {"type": "array", "items": {"type": "integer"}}}}
            ),
            "responses": {
                "200": json_response(
                    "Reordered",
                    _ok_list("rules", _RULE),
                ),
                "422": VALIDATION,
            },
        }
    },
    "/api/rich-menus/tab-sets": {
        "post": {
            "summary": "A 2–3 tab set made from drawn menus (copied), each tab with its alias id",
            "requestBody": json_body(
                {
                    "type": "object",
                    "properties": {
                        "name": _STR,
                        "tabs": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {"menu_id": {"type": "integer"}, "alias_id": _STR, "label": _STR},
                            },
                        },
                    },
                }
            ),
            "responses": {
                "201": json_response(
                    "Saved",
                    _ok_list("menus", _MENU),
                ),
                "422": VALIDATION,
            },
        }
    },
    "/api/rich-menus/rules/{menu_rule_id}": {
        "parameters": [id_parameter("menu_rule_id")],
        "delete": {"summary": "Delete a rule", "responses": {"200": json_response("Deleted", OK)}},
    },
}
