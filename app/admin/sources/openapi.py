"""OpenAPI 3.0 path objects for friend sources (流入経路), assembled into /api/openapi.json
by app.admin.openapi."""

from __future__ import annotations

from ..schemas import OK, OUTCOME, VALIDATION, id_parameter, json_body, json_response

_STR = {"type": "string"}
_NULLABLE_STR = {"type": "string", "nullable": True}
_NULLABLE_INT = {"type": "integer", "nullable": True}
_ID = [id_parameter("source_id", "A friend source of the shop")]
_SIZE = {
    "name": "size",
    "in": "query",
    "description": "print width: s 20 mm, m 40 mm (default), l 80 mm",
    "schema": {"type": "string", "enum": ["s", "m", "l"]},
}
_INPUT = {
    "type": "object",
    "required": ["name", "slug"],
    "properties": {
        "name": {"type": "string", "description": "shown to the merchant (at most 100 characters)"},
        "slug": {"type": "string", "description": "the link's ending: a-z, 0-9 and hyphens, unique in the shop"},
        "tag": _NULLABLE_STR,
        "greeting": {"type": "string", "nullable": True, "description": "replaces the default greeting"},
        "cost_yen": {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "string"}], "nullable": True},
        "sequence_id": {"type": "integer", "nullable": True, "minimum": 0},
    },
}
_FIGURES = {
    "type": "object",
    "nullable": True,
    "properties": {
        "source_id": {"type": "integer"},
        "visits": {"type": "integer"},
        "new_friends": {"type": "integer"},
        "blocks": {"type": "integer"},
        "linked": {"type": "integer"},
        "orders": {"type": "integer"},
        "revenue": _STR,
        "cost_yen": _NULLABLE_INT,
        "cost_per_friend": _NULLABLE_STR,
    },
}
_SOURCE = {
    "type": "object",
    "required": ["id", "name", "slug", "url"],
    "properties": {
        "id": {"type": "integer"},
        "name": _STR,
        "slug": _STR,
        "tag": _NULLABLE_STR,
        "greeting": _NULLABLE_STR,
        "cost_yen": _NULLABLE_INT,
        "sequence_id": _NULLABLE_INT,
        "url": {"type": "string", "description": "the short link: {APP_URL}/s/<shop>/<slug>"},
        "figures": _FIGURES,
    },
}
_ONE = {"type": "object", "required": ["ok", "source"], "properties": {"ok": {"type": "boolean"}, "source": _SOURCE}}
_BAD_QUERY = json_response("A query parameter out of range", OUTCOME)

PATHS = {
    "/api/sources": {
        "get": {
            "summary": "The shop's friend sources with their figures over the last 7, 30 or 90 days",
            "parameters": [{"name": "period", "in": "query", "schema": {"type": "integer", "enum": [7, 30, 90]}}],
            "responses": {
                "200": json_response(
                    "Sources",
                    {
                        "type": "object",
                        "required": ["period", "login_ready", "sources"],
                        "properties": {
                            "period": {"type": "integer"},
                            "login_ready": {"type": "boolean", "description": "without LINE Login no visitor is known"},
                            "callback_url": _STR,
                            "sources": {"type": "array", "items": _SOURCE},
                        },
                    },
                ),
                "400": _BAD_QUERY,
            },
        },
        "post": {
            "summary": "Create a source (a duplicate slug or a wrong field: 422, nothing saved)",
            "requestBody": json_body(_INPUT),
            "responses": {"201": json_response("Created", _ONE), "422": VALIDATION},
        },
    },
    "/api/sources/{source_id}": {
        "parameters": _ID,
        "put": {
            "summary": "Change a source (the link changes with its slug: printed codes keep the old one)",
            "requestBody": json_body(_INPUT),
            "responses": {"200": json_response("Saved", _ONE), "422": VALIDATION},
        },
        "delete": {
            "summary": "Delete a source and its visits (its friends stay, without a source)",
            "responses": {"200": json_response("Deleted", OK)},
        },
    },
    "/api/sources/{source_id}/qr.png": {
        "parameters": _ID,
        "get": {
            "summary": "The link's QR code as a PNG at a print size (300 dpi)",
            "parameters": [_SIZE],
            "responses": {
                "200": {
                    "description": "PNG",
                    "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
                },
                "400": _BAD_QUERY,
            },
        },
    },
    "/api/sources/{source_id}/qr.svg": {
        "parameters": _ID,
        "get": {
            "summary": "The link's QR code as an SVG sized in millimetres",
            "parameters": [_SIZE],
            "responses": {
                "200": {"description": "SVG", "content": {"image/svg+xml": {"schema": {"type": "string"}}}},
                "400": _BAD_QUERY,
            },
        },
    },
}
