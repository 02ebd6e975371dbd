"""OpenAPI 3.0 path objects for the Flows API (settings, texts, preview, test sends),
assembled into /api/openapi.json by app.admin.openapi."""

from __future__ import annotations

from ...flows.registry import automations
from ...i18n import LANGUAGES
from ..schemas import MAX_ID, json_body, json_response
from .checks import DELAY_MIN, EXPIRY_DAYS, FACTOR, MAX_STEPS

_STR, _INT, _BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
_DAYS = {"type": "object", "additionalProperties": _INT}
_DISCOUNT = {
    "type": "object",
    "nullable": True,
    "required": ["type", "value", "expires_days"],
    "properties": {
        "type": {"type": "string", "enum": ["percentage", "fixed_amount"]},
        "value": {"type": "number", "description": "percentage 1–90, or an amount in the shop's currency"},
        "expires_days": {"type": "integer", "minimum": 1, "maximum": 30},
    },
}
_STEP = {
    "type": "object",
    "required": ["delay_min", "discount"],
    "properties": {
        "delay_min": {"type": "integer", "minimum": 1, "maximum": DELAY_MIN[1]},
        "discount": _DISCOUNT,
    },
}
_SETTINGS = {
    "type": "object",
    "required": ["enabled"],
    "description": "Keys depend on the flow.",
    "properties": {
        "enabled": _BOOL,
        "steps": {"type": "array", "minItems": 1, "maxItems": MAX_STEPS, "items": _STEP},
        "min_total": {"type": "number", "minimum": 0},
        "skip_if_ordered_within_h": {"type": "integer", "minimum": 0, "maximum": 720},
        "statuses": {"type": "object", "additionalProperties": _BOOL},
        "delay_days": {"type": "integer", "minimum": 1, "maximum": 90},
        "delay_hours": {"type": "integer", "minimum": 1, "maximum": 72},
        "factor": {"type": "integer", "minimum": FACTOR[0], "maximum": FACTOR[1]},
        "expiry_days": {"type": "integer", "minimum": EXPIRY_DAYS[0], "maximum": EXPIRY_DAYS[1]},
        "review_url": {"type": "string", "description": "empty, or an https:// URL"},
        "cycles": {"type": "object", "properties": {"products": _DAYS, "types": _DAYS, "tags": _DAYS}},
    },
}
_CYCLE_ROWS = {
    "oneOf": [_DAYS, {"type": "array", "items": {"type": "object", "properties": {"name": _STR, "days": _INT}}}]
}
_SETTINGS_INPUT = {
    **_SETTINGS,
    "required": [],
    "properties": {
        **_SETTINGS["properties"],
        "cycles": {
            "type": "object",
            "properties": {"products": _CYCLE_ROWS, "types": _CYCLE_ROWS, "tags": _CYCLE_ROWS},
        },
    },
}
_LANG_TEXTS = {"type": "object", "required": list(LANGUAGES), "properties": {lang: _STR for lang in LANGUAGES}}
_TEXTS = {
    "type": "object",
    "additionalProperties": _LANG_TEXTS,
    "description": "template key (the flow, or shipping_update:<status>) -> texts by language",
}
_FLOW = {
    "type": "object",
    "required": ["flow", "marketing", "settings", "templates", "defaults", "variables"],
    "properties": {
        "flow": {"type": "string", "enum": [str(flow) for flow in automations()]},
        "marketing": _BOOL,
        "settings": _SETTINGS,
        "templates": _TEXTS,
        "defaults": _TEXTS,
        "variables": {"type": "array", "items": _STR, "description": "usable as {name}"},
    },
}
_ERRORS = {
    "type": "object",
    "additionalProperties": _STR,
    "description": "field (settings path like steps.0.delay_min, or templates.<key>.<lang>) -> message",
}
_MESSAGE = {
    "type": "object",
    "required": ["type"],
    "properties": {"type": _STR},
    "description": "A LINE message object (text or flex) as the Messaging API takes it",
}


def _outcome(**more) -> dict:
    return {
        "type": "object",
        "required": ["ok", "errors", "message", *more],
        "properties": {"ok": _BOOL, "errors": _ERRORS, "message": _STR, **more},
    }


_INVALID = {
    "description": "Nothing was saved or sent: errors per field",
    "content": {"application/json": {"schema": _outcome()}},
}
_FLOW_PARAM = [
    {
        "name": "flow",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": [str(flow) for flow in automations()]},
        "description": "unknown flows answer 404",
    }
]
_PREVIEW_INPUT = {
    "type": "object",
    "required": ["template_key", "lang"],
    "properties": {
        "template_key": _STR,
        "lang": {"type": "string", "enum": list(LANGUAGES)},
        "text": {"type": "string", "description": "the unsaved text; the saved one when absent"},
        "step": {
            "type": "integer",
            "minimum": 0,
            "maximum": MAX_STEPS - 1,
            "description": "reminder step (its discount) for abandoned checkout / cart",
        },
        "settings": _SETTINGS_INPUT,
    },
}
_MESSAGES = {"type": "array", "items": _MESSAGE}

_WAITING_VARIANT = {
    "type": "object",
    "required": ["product_id", "variant_id", "title", "variant_title", "waiting", "oldest", "in_stock", "quantity"],
    "properties": {
        "product_id": _INT,
        "variant_id": _INT,
        "title": _STR,
        "variant_title": _STR,
        "waiting": _INT,
        "oldest": {"type": "string", "format": "date-time"},
        "in_stock": _BOOL,
        "quantity": {"type": "integer", "nullable": True},
    },
}
_RESTOCK_RESULTS = {
    "type": "object",
    "required": ["days", "requests", "notified", "clicks", "orders", "revenue", "currency", "expired"],
    "properties": {
        "days": _INT,
        "requests": _INT,
        "notified": _INT,
        "clicks": _INT,
        "orders": _INT,
        "revenue": {"type": "string", "description": "decimal amount attributed to back-in-stock notices"},
        "currency": _STR,
        "expired": _INT,
    },
}

PATHS = {
    "/api/back-in-stock": {
        "get": {
            "summary": "Back-in-stock requests waiting per variant and the last 30 days' results",
            "responses": {
                "200": json_response(
                    "Requests and results",
                    {
                        "type": "object",
                        "required": ["waiting", "results"],
                        "properties": {
                            "waiting": {"type": "array", "items": _WAITING_VARIANT},
                            "results": _RESTOCK_RESULTS,
                        },
                    },
                )
            },
        }
    },
    "/api/flows": {
        "get": {
            "summary": "Every flow: settings, texts (current and default), variables",
            "responses": {
                "200": json_response(
                    "Flows",
                    {
                        "type": "object",
                        "required": ["flows"],
                        "properties": {"flows": {"type": "array", "items": _FLOW}},
                    },
                )
            },
        }
    },
    "/api/flows/{flow}": {
        "parameters": _FLOW_PARAM,
        "get": {
            "summary": "One flow",
            "responses": {
                "200": json_response("Flow", {"type": "object", "required": ["flow"], "properties": {"flow": _FLOW}})
            },
        },
        "put": {
            "summary": "Save a flow's settings and texts together (nothing half-saves)",
            "requestBody": json_body(
                {"type": "object", "properties": {"settings": _SETTINGS_INPUT, "templates": _TEXTS}}
            ),
            "responses": {"200": json_response("Saved", _outcome(flow=_FLOW)), "422": _INVALID},
        },
    },
    "/api/flows/{flow}/enabled": {
        "parameters": _FLOW_PARAM,
        "put": {
            "summary": "Switch a flow on or off at once",
            "requestBody": json_body({"type": "object", "required": ["enabled"], "properties": {"enabled": _BOOL}}),
            "responses": {"200": json_response("Switched", _outcome(enabled=_BOOL)), "422": _INVALID},
        },
    },
    "/api/flows/{flow}/preview": {
        "parameters": _FLOW_PARAM,
        "post": {
            "summary": "The LINE messages the flow would send with this text (sample data)",
            "requestBody": json_body(_PREVIEW_INPUT),
            "responses": {
                "200": json_response("Messages", _outcome(messages=_MESSAGES)),
                "422": {
                    "description": "The text cannot be sent: errors per field (messages when they could be built)",
                    "content": {"application/json": {"schema": _outcome()}},
                },
            },
        },
    },
    "/api/flows/{flow}/test": {
        "parameters": _FLOW_PARAM,
        "post": {
            "summary": "Push the preview to one of the shop's LINE friends (captured in a dry run)",
            "requestBody": json_body(
                {
                    **_PREVIEW_INPUT,
                    "required": ["friend_id", "template_key", "lang"],
                    "properties": {
                        **_PREVIEW_INPUT["properties"],
                        "friend_id": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
                    },
                }
            ),
            "responses": {
                "200": json_response("Pushed (or captured)", _outcome(dry_run=_BOOL, messages=_MESSAGES)),
                "422": _INVALID,
                "502": {
                    "description": "LINE refused or did not answer",
                    "content": {"application/json": {"schema": _outcome()}},
                },
            },
        },
    },
}
