"""OpenAPI 3.0 path objects for the campaign composer (campaigns/openapi.py adds them)."""

from __future__ import annotations

from ..schemas import OUTCOME, VALIDATION, json_body, json_response

_INT = {"type": "integer"}
_MESSAGES = {"type": "array", "items": {"type": "object", "description": "A LINE message object"}}
BLOCK = {
    "type": "object",
    "required": ["type"],
    "description": (
        'One composer block: {"type": "text", "text"}, {"type": "image", "token"}, '
        '{"type": "products", "product_ids"}, {"type": "coupon", "mode": "shared"|"unique", '
        '"code"|"discount_id", "text"}, {"type": "button", "text", "label", "url"}'
    ),
    "properties": {"type": {"type": "string", "enum": ["text", "image", "products", "coupon", "button"]}},
}
BLOCKS = {"type": "array", "items": BLOCK, "description": "1 to 5 blocks, one LINE message each"}
_QUERY = [{"name": "q", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 100}}]
_ERRORS = {"type": "object", "additionalProperties": {"type": "string"}}


def _found(name: str, item: dict) -> dict:
    return {"type": "object", "required": [name], "properties": {name: {"type": "array", "items": item}}}


PATHS = {
    "/api/campaign-images": {
        "post": {
            "summary": "Upload a campaign image (JPEG or PNG, at most 10 MB; judged by its bytes)",
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {"file": {"type": "string", "format": "binary"}},
                        }
                    }
                },
            },
            "responses": {
                "201": json_response(
                    "Kept: the token the image block names and the HTTPS URLs LINE fetches",
                    {
                        "type": "object",
                        "required": ["ok", "image"],
                        "properties": {
                            "ok": {"type": "boolean"},
                            "errors": _ERRORS,
                            "message": {"type": "string"},
                            "image": {
                                "type": "object",
                                "required": ["token", "url", "preview_url"],
                                "properties": {
                                    "token": {"type": "string"},
                                    "url": {"type": "string"},
                                    "preview_url": {"type": "string"},
                                    "width": _INT,
                                    "height": _INT,
                                    "size": _INT,
                                },
                            },
                        },
                    },
                ),
                "413": json_response("Over the upload limit", OUTCOME),
                "415": json_response("Not a form upload", OUTCOME),
                "422": VALIDATION,
            },
        }
    },
    "/api/campaign-products": {
        "get": {
            "summary": "Products of the catalog for a query (the chat's search)",
            "parameters": _QUERY,
            "responses": {
                "200": json_response(
                    "At most 10 products",
                    _found(
                        "products",
                        {
                            "type": "object",
                            "properties": {
                                "id": _INT,
                                "title": {"type": "string"},
                                "image_url": {"type": "string", "nullable": True},
                                "in_stock": {"type": "boolean"},
                            },
                        },
                    ),
                ),
                "422": VALIDATION,
            },
        }
    },
    "/api/campaign-friends": {
        "get": {
            "summary": "Friends to send a test to, by LINE name (blocked friends left out)",
            "parameters": _QUERY,
            "responses": {
                "200": json_response(
                    "At most 10 friends",
                    _found("friends", {"type": "object", "properties": {"id": _INT, "name": {"type": "string"}}}),
                ),
                "422": VALIDATION,
            },
        }
    },
    "/api/campaigns/preview": {
        "post": {
            "summary": "The blocks compiled as they will be sent, with a sample name and coupon code",
            "requestBody": json_body({"type": "object", "properties": {"blocks": BLOCKS}}),
            "responses": {
                "200": json_response(
                    "The LINE messages",
                    {
                        "type": "object",
                        "required": ["ok", "messages"],
                        "properties": {"ok": {"type": "boolean"}, "messages": _MESSAGES},
                    },
                ),
                "422": VALIDATION,
            },
        }
    },
    "/api/campaigns/test": {
        "post": {
            "summary": "Push the blocks to up to five chosen friends (refused in a LINE dry run; rate-limited)",
            "requestBody": json_body(
                {
                    "type": "object",
                    "properties": {
                        "blocks": BLOCKS,
                        "friend_ids": {"type": "array", "items": _INT, "minItems": 1, "maxItems": 5},
                    },
                }
            ),
            "responses": {
                "200": json_response("Sent", OUTCOME),
                "409": json_response("No LINE channel, or LINE in dry run", OUTCOME),
                "422": VALIDATION,
                "429": json_response("Too many test sends", OUTCOME),
                "502": json_response("LINE refused", OUTCOME),
            },
        }
    },
}
