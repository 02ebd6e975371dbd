"""OpenAPI 3.0 path objects for the product search API (keyword rules, synonyms, catalog
sync, the chat simulator), assembled into /api/openapi.json by app.admin.openapi."""

from __future__ import annotations

from ...search.questions import TOPICS
from ..schemas import OK, VALIDATION, id_parameter, json_body, json_response
from .rules import ANSWERS

_STR = {"type": "string"}
_WORDS = {
    "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
    "description": "comma-separated (、 too) or a list",
}
_RULE = {
    "type": "object",
    "required": ["id", "keywords", "match", "answer", "product_ids", "enabled", "position"],
    "properties": {
        "id": {"type": "integer"},
        "position": {"type": "integer"},
        "keywords": {"type": "array", "items": _STR},
        "match": {"type": "string", "enum": ["exact", "contains"]},
        "answer": {"type": "string", "enum": list(ANSWERS)},
        "product_ids": {"type": "array", "items": {"type": "integer"}},
        "collection_handle": {"type": "string", "nullable": True},
        "collection_title": {"type": "string", "nullable": True},
        "text": {"type": "string", "nullable": True},
        "enabled": {"type": "boolean"},
    },
}
_RULE_INPUT = {
    "type": "object",
    "properties": {
        "keywords": _WORDS,
        "match": {"type": "string", "enum": ["exact", "contains"]},
        "answer": {"type": "string", "enum": list(ANSWERS)},
        "product_ids": _WORDS,
        "collection_handle": _STR,
        "collection_title": _STR,
        "text": _STR,
        "enabled": {"type": "boolean"},
    },
}
_SAVED_RULE = {"type": "object", "required": ["ok", "rule"], "properties": {"ok": {"type": "boolean"}, "rule": _RULE}}
_SYNC = {
    "type": "object",
    "required": ["id", "status", "trigger"],
    "properties": {
        "id": {"type": "integer"},
        "trigger": _STR,
        "status": {"type": "string", "enum": ["pending", "running", "importing", "completed", "failed"]},
        "total": {"type": "integer", "nullable": True},
        "done": {"type": "integer"},
    },
}
_RULE_ID = [id_parameter("rule_id")]
_LANG_TEXTS = {"type": "object", "required": ["ja", "en"], "properties": {"ja": _STR, "en": _STR}}
_QUESTION = {
    "type": "object",
    "required": ["topic", "enabled", "keywords", "text", "default_keywords", "default_text", "policy"],
    "properties": {
        "topic": {"type": "string", "enum": list(TOPICS)},
        "enabled": {"type": "boolean"},
        "keywords": {"type": "array", "items": _STR},
        "text": {**_LANG_TEXTS, "description": "the merchant's fixed texts; empty means the default"},
        "default_keywords": {"type": "array", "items": _STR},
        "default_text": _LANG_TEXTS,
        "policy": {
            "type": "object",
            "nullable": True,
            "required": ["type", "title", "url"],
            "properties": {"type": _STR, "title": _STR, "url": {"type": "string", "nullable": True}},
        },
    },
}
_QUESTIONS = {
    "type": "object",
    "required": ["questions"],
    "properties": {"ok": {"type": "boolean"}, "questions": {"type": "array", "items": _QUESTION}},
}
_QUESTIONS_INPUT = {
    "type": "object",
    "description": "per topic: <topic>_keywords, <topic>_text_ja, <topic>_text_en, <topic>_enabled; "
    "a topic without any of them is left as it is",
    "properties": {
        f"{topic}_{field}": schema
        for topic in TOPICS
        for field, schema in (
            ("keywords", _WORDS),
            ("text_ja", _STR),
            ("text_en", _STR),
            ("enabled", {"type": "boolean"}),
        )
    },
}
PATHS = {
    "/api/keyword-rules": {
        "get": {
            "summary": "Keyword rules, in the order they are tried",
            "responses": {
                "200": json_response(
                    "Rules",
                    {
                        "type": "object",
                        "required": ["rules"],
                        "properties": {"rules": {"type": "array", "items": _RULE}},
                    },
                )
            },
        },
        "post": {
            "summary": "Add a rule at the end",
            "requestBody": json_body(_RULE_INPUT),
            "responses": {"201": json_response("Created", _SAVED_RULE), "422": VALIDATION},
        },
    },
    "/api/keyword-rules/{rule_id}": {
        "parameters": _RULE_ID,
        "put": {
            "summary": "Replace a rule",
            "requestBody": json_body(_RULE_INPUT),
            "responses": {"200": json_response("Saved", _SAVED_RULE), "422": VALIDATION},
        },
        "delete": {
            "summary": "Delete a rule",
            "responses": {"200": json_response("Deleted", OK)},
        },
    },
    "/api/keyword-rules/{rule_id}/move": {
        "parameters": _RULE_ID,
        "post": {
            "summary": "Move a rule up or down one place",
            "requestBody": json_body(
                {"type": "object", "properties": {"direction": {"type": "string", "enum": ["up", "down"]}}}
            ),
            "responses": {
                "200": json_response(
                    "New order",
                    {
                        "type": "object",
                        "required": ["ok", "order"],
                        "properties": {
                            "ok": {"type": "boolean"},
                            "order": {"type": "array", "items": {"type": "integer"}},
                        },
                    },
                )
            },
        },
    },
    "/api/synonyms": {
        "put": {
            "summary": "Replace all synonym groups (one group per line or list item)",
            "requestBody": json_body(
                {"type": "object", "properties": {"groups": {"oneOf": [_STR, {"type": "array", "items": _WORDS}]}}}
            ),
            "responses": {
                "200": json_response(
                    "Saved",
                    {
                        "type": "object",
                        "required": ["ok", "groups"],
                        "properties": {
                            "ok": {"type": "boolean"},
                            "groups": {"type": "array", "items": {"type": "array", "items": _STR}},
                        },
                    },
                ),
                "422": VALIDATION,
            },
        }
    },
    "/api/store-questions": {
        "get": {
            "summary": "Store questions (shipping, returns, payment, contact, points) and the policies answering them",
            "responses": {"200": json_response("Questions", _QUESTIONS)},
        },
        "put": {
            "summary": "Edit store questions' keywords, fixed texts and switches (checked whole)",
            "requestBody": json_body(_QUESTIONS_INPUT),
            "responses": {"200": json_response("Saved", _QUESTIONS), "422": VALIDATION},
        },
    },
    "/api/shop-policies/refresh": {
        "post": {
            "summary": "Have the worker read the shop's policies from Shopify again",
            "responses": {
                "202": json_response(
                    "Requested",
                    {
                        "type": "object",
                        "required": ["ok", "message"],
                        "properties": {"ok": {"type": "boolean"}, "message": _STR},
                    },
                )
            },
        }
    },
    "/api/catalog/sync": {
        "post": {
            "summary": "Start a full catalog sync (or answer the one under way)",
            "responses": {
                "202": json_response(
                    "Requested",
                    {
                        "type": "object",
                        "required": ["ok", "sync"],
                        "properties": {"ok": {"type": "boolean"}, "sync": _SYNC},
                    },
                )
            },
        },
        "get": {
            "summary": "The latest catalog sync",
            "responses": {
                "200": json_response(
                    "Latest",
                    {"type": "object", "required": ["sync"], "properties": {"sync": {**_SYNC, "nullable": True}}},
                )
            },
        },
    },
    "/api/chat/simulate": {
        "post": {
            "summary": "The reply the bot would send to a text (nothing is sent, changed or logged)",
            "requestBody": json_body(
                {"type": "object", "properties": {"text": _STR, "lang": {"type": "string", "enum": ["ja", "en"]}}}
            ),
            "responses": {
                "200": json_response(
                    "LINE message objects",
                    {
                        "type": "object",
                        "required": ["messages"],
                        "properties": {"messages": {"type": "array", "items": {"type": "object"}}},
                    },
                )
            },
        }
    },
}
