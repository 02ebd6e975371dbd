"""OpenAPI 3.0 path objects for audiences (the live count and saved segments), assembled
into /api/openapi.json by app.admin.openapi."""

from __future__ import annotations

from ..schemas import OK, VALIDATION, id_parameter, json_body, json_response

_COUNT = {"type": "integer", "minimum": 0}
_DEFINITION = {
    "type": "object",
    "description": "{match: all|any, groups: [{match, conditions: [{field, op, ...}]}]}; "
    "see app/audiences/definition.py for each field's parameters",
    "properties": {
        "match": {"type": "string", "enum": ["all", "any"]},
        "groups": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "match": {"type": "string", "enum": ["all", "any"]},
                    "conditions": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
    },
}
_SEGMENT = {
    "type": "object",
    "required": ["id", "name", "definition", "size_linked", "size_unlinked", "counted_at"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "definition": {"type": "object"},
        "size_linked": {**_COUNT, "nullable": True},
        "size_unlinked": {**_COUNT, "nullable": True},
        "counted_at": {"type": "string", "format": "date-time", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}
_SAVED = {
    "type": "object",
    "required": ["ok", "segment"],
    "properties": {"ok": {"type": "boolean"}, "segment": _SEGMENT},
}
_INPUT = {"type": "object", "properties": {"name": {"type": "string"}, "definition": _DEFINITION}}
_ID = [id_parameter("segment_id")]

PATHS = {
    "/api/audiences/count": {
        "post": {
            "summary": "The friends a definition reaches now (not blocked, not opted out), linked and unlinked",
            "requestBody": json_body({"type": "object", "properties": {"definition": _DEFINITION}}),
            "responses": {
                "200": json_response(
                    "Count",
                    {
                        "type": "object",
                        "required": ["ok", "linked", "unlinked", "total"],
                        "properties": {
                            "ok": {"type": "boolean"},
                            "linked": _COUNT,
                            "unlinked": _COUNT,
                            "total": _COUNT,
                        },
                    },
                ),
                "422": VALIDATION,
            },
        }
    },
    "/api/segments": {
        "get": {
            "summary": "Saved segments, by name, with their last counted size",
            "responses": {
                "200": json_response(
                    "Segments",
                    {
                        "type": "object",
                        "required": ["segments"],
                        "properties": {"segments": {"type": "array", "items": _SEGMENT}},
                    },
                )
            },
        },
        "post": {
            "summary": "Save a new segment (counted as it is saved)",
            "requestBody": json_body(_INPUT),
            "responses": {"201": json_response("Created", _SAVED), "422": VALIDATION},
        },
    },
    "/api/segments/{segment_id}": {
        "parameters": _ID,
        "get": {
            "summary": "One segment",
            "responses": {
                "200": json_response(
                    "Segment", {"type": "object", "required": ["segment"], "properties": {"segment": _SEGMENT}}
                )
            },
        },
        "put": {
            "summary": "Rename or change a segment (name and definition, checked whole)",
            "requestBody": json_body(_INPUT),
            "responses": {"200": json_response("Saved", _SAVED), "422": VALIDATION},
        },
        "delete": {"summary": "Delete a segment", "responses": {"200": json_response("Deleted", OK)}},
    },
    "/api/segments/{segment_id}/count": {
        "parameters": _ID,
        "post": {
            "summary": "Count a saved segment now and keep the figure",
            "responses": {"200": json_response("Counted", _SAVED)},
        },
    },
}
