"""OpenAPI 3.0 path objects for sequences (ステップ配信), assembled into /api/openapi.json by
app.admin.openapi."""

from __future__ import annotations

from ...models import Trigger
from ...sequences.editor import CONDITIONS, MODES
from ...sequences.timing import FROM, MAX_AMOUNT
from ..schemas import OK, VALIDATION, id_parameter, json_body, json_response

_ID = [id_parameter("sequence_id")]
_INT = {"type": "integer"}
_STR = {"type": "string"}
_DELAY = {
    "type": "object",
    "properties": {
        "amount": {"type": "integer", "minimum": 0},
        "unit": {"type": "string", "enum": list(MAX_AMOUNT)},
        "from": {"type": "string", "enum": list(FROM)},
        "at": {"type": "string", "nullable": True, "description": "HH:MM in the shop's zone (days only)"},
    },
}
_STEP = {
    "type": "object",
    "properties": {
        "greeting": {"type": "boolean", "description": "the follow greeting stands for this step (first only)"},
        "delay": _DELAY,
        "blocks": {"type": "array", "items": {"type": "object"}, "description": "the composer's blocks"},
        "condition": {
            "type": "object",
            "nullable": True,
            "properties": {
                "fact": {"type": "string", "enum": list(CONDITIONS)},
                "mode": {"type": "string", "enum": list(MODES)},
            },
        },
    },
}
_INPUT = {
    "type": "object",
    "properties": {
        "name": _STR,
        "trigger": {
            "type": "object",
            "properties": {
                "kind": {"type": "string", "enum": list(Trigger.ALL)},
                "n": _INT,
                "segment_id": _INT,
                "source_id": _INT,
            },
        },
        "entry_segment_id": {"type": "integer", "nullable": True},
        "exit_on_purchase": {"type": "boolean"},
        "reentry": {"type": "boolean"},
        "enabled": {"type": "boolean"},
        "cap_wait_days": _INT,
        "steps": {"type": "array", "items": _STEP},
    },
}
_ROW = {
    "type": "object",
    "required": ["id", "name", "trigger", "enabled", "steps", "active", "entered"],
    "properties": {
        "id": _INT,
        "name": _STR,
        "trigger": _STR,
        "enabled": {"type": "boolean"},
        "preset": {"type": "string", "nullable": True},
        "steps": _INT,
        "active": _INT,
        "entered": _INT,
    },
}
_STEP_RESULT = {
    "type": "object",
    "required": ["position", "reached", "sent", "skipped", "clicks", "orders", "revenue"],
    "properties": {
        "position": _INT,
        "reached": _INT,
        "sent": _INT,
        "waiting": _INT,
        "skipped": {"type": "object", "additionalProperties": _INT, "description": "reason -> count"},
        "clicks": _INT,
        "ctr": {"type": "number", "nullable": True},
        "orders": _INT,
        "revenue": _STR,
        "blocks": _INT,
    },
}
_ONE = {
    "type": "object",
    "required": ["current", "dates", "results"],
    "properties": {
        "ok": {"type": "boolean"},
        "current": _INPUT,
        "dates": {"type": "array", "items": _STR, "description": "each step's time for a friend entering now"},
        "results": {
            "type": "object",
            "required": ["entered", "active", "done", "exits", "steps"],
            "properties": {
                "entered": _INT,
                "active": _INT,
                "done": _INT,
                "exits": {"type": "object", "additionalProperties": _INT},
                "steps": {"type": "array", "items": _STEP_RESULT},
            },
        },
    },
}

PATHS = {
    "/api/sequences": {
        "get": {
            "summary": "The shop's sequences with their runs",
            "responses": {
                "200": json_response(
                    "Sequences",
                    {
                        "type": "object",
                        "required": ["sequences"],
                        "properties": {"sequences": {"type": "array", "items": _ROW}},
                    },
                )
            },
        },
        "post": {
            "summary": "Create a sequence (every field checked; nothing saved on a refusal)",
            "requestBody": json_body(_INPUT),
            "responses": {"201": json_response("Saved", _ONE), "422": VALIDATION},
        },
    },
    "/api/sequences/timeline": {
        "post": {
            "summary": "Each step's date for a friend entering now (null from the first invalid delay)",
            "requestBody": json_body({"type": "object", "properties": {"steps": {"type": "array", "items": _STEP}}}),
            "responses": {
                "200": json_response(
                    "Dates",
                    {
                        "type": "object",
                        "required": ["dates"],
                        "properties": {"dates": {"type": "array", "items": {"type": "string", "nullable": True}}},
                    },
                )
            },
        }
    },
    "/api/sequences/{sequence_id}": {
        "parameters": _ID,
        "get": {
            "summary": "One sequence, its example timeline and per-step results",
            "responses": {"200": json_response("The sequence", _ONE)},
        },
        "put": {
            "summary": "Change a sequence: runs going through it get the changed steps they have not reached",
            "requestBody": json_body(_INPUT),
            "responses": {"200": json_response("Saved", _ONE), "422": VALIDATION},
        },
        "delete": {
            "summary": "Delete a sequence (its waiting steps are cancelled)",
            "responses": {"200": json_response("Deleted", OK)},
        },
    },
    "/api/sequences/{sequence_id}/switch": {
        "parameters": _ID,
        "post": {
            "summary": "Switch on or off (off ends the runs still going)",
            "requestBody": json_body(
                {"type": "object", "required": ["enabled"], "properties": {"enabled": {"type": "boolean"}}}
            ),
            "responses": {
                "200": json_response(
                    "Switched",
                    {
                        "type": "object",
                        "required": ["ok", "enabled", "ended"],
                        "properties": {"ok": {"type": "boolean"}, "enabled": {"type": "boolean"}, "ended": _INT},
                    },
                ),
                "422": VALIDATION,
            },
        },
    },
    "/api/sequences/{sequence_id}/remove": {
        "parameters": _ID,
        "post": {
            "summary": "Take one friend out of the sequence by hand",
            "requestBody": json_body({"type": "object", "required": ["friend_id"], "properties": {"friend_id": _INT}}),
            "responses": {
                "200": json_response(
                    "Removed",
                    {
                        "type": "object",
                        "required": ["ok", "ended"],
                        "properties": {"ok": {"type": "boolean"}, "ended": _INT},
                    },
                ),
                "422": VALIDATION,
            },
        },
    },
}
