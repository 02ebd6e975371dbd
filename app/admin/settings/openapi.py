"""OpenAPI 3.0 path objects for Settings → LINE (connect, test, disconnect, texts),
assembled into /api/openapi.json by app.admin.openapi."""

from __future__ import annotations

from ..schemas import NOT_FOUND, OK, OUTCOME, VALIDATION, id_parameter, json_body, json_response

_STRING = {"type": "string"}
_COUNT = {"type": "integer", "minimum": 0}
_WHEN = {"type": "string", "format": "date-time"}
_IMPORT = {
    "type": "object",
    "nullable": True,
    "description": "null until the shop's first import",
    "required": ["status", "pages", "seen", "new", "profiles", "failed", "error", "started_at", "finished_at"],
    "properties": {
        "status": {"type": "string", "enum": ["running", "profiles", "completed", "failed", "unavailable"]},
        "pages": _COUNT,
        "seen": _COUNT,
        "new": _COUNT,
        "profiles": _COUNT,
        "failed": _COUNT,
        "error": {"type": "string", "nullable": True},
        "started_at": _WHEN,
        "finished_at": {**_WHEN, "nullable": True},
        "message": {"type": "string", "description": "the state explained, in the shop's language"},
    },
}
_IMPORT_ANSWER = {
    "allOf": [OUTCOME, {"type": "object", "required": ["follower_import"], "properties": {"follower_import": _IMPORT}}]
}
_OUTCOME_ERROR = json_response("Not possible; message says why", OUTCOME)
PATHS = {
    "/api/line/connect": {
        "post": {
            "summary": "Connect the shop's LINE Official Account (checked against LINE before saving)",
            "requestBody": json_body(
                {
                    "type": "object",
                    "properties": {
                        "channel_secret": _STRING,
                        "access_token": _STRING,
                        "login_channel_id": _STRING,
                        "login_channel_secret": _STRING,
                    },
                }
            ),
            "responses": {"200": json_response("Connected", OUTCOME), "422": VALIDATION},
        }
    },
    "/api/line/test": {
        "post": {
            "summary": "Ask LINE to call the webhook once and report what happened",
            "responses": {
                "200": json_response("Webhook answered", OUTCOME),
                "404": NOT_FOUND,
                "422": json_response("LINE could not reach the webhook", OUTCOME),
            },
        }
    },
    "/api/line/disconnect": {
        "post": {
            "summary": "Forget the channel's secrets and stop sending (friends and links stay)",
            "responses": {"200": json_response("Done; ok is false when nothing was connected", OK)},
        }
    },
    "/api/line/texts": {
        "put": {
            "summary": "Greeting texts, the friends-only coupon code and English replies",
            "requestBody": json_body(
                {
                    "type": "object",
                    "properties": {
                        "greeting": _STRING,
                        "welcome_back": _STRING,
                        "coupon_code": _STRING,
                        "english": {"type": "boolean"},
                    },
                }
            ),
            "responses": {
                "200": json_response(
                    "Saved",
                    {
                        "allOf": [
                            OUTCOME,
                            {"type": "object", "required": ["preview"], "properties": {"preview": _STRING}},
                        ]
                    },
                ),
                "422": VALIDATION,
            },
        }
    },
    "/api/line/followers/import": {
        "get": {
            "summary": "The import of the LINE account's existing followers: state and counts",
            "responses": {"200": json_response("The import (null before the first)", _IMPORT_ANSWER)},
        },
        "post": {
            "summary": "Start importing the account's followers (a failed import resumes); the worker does it",
            "responses": {
                "200": json_response("Nothing started: the import as it stands", _IMPORT_ANSWER),
                "202": json_response("Started or under way", _IMPORT_ANSWER),
                "409": _OUTCOME_ERROR,
                "422": VALIDATION,
            },
        },
    },
    "/api/shopify/segments": {
        "get": {
            "summary": "The shop's Shopify customer segments (read from Shopify now)",
            "responses": {
                "200": json_response(
                    "Segments",
                    {
                        "allOf": [
                            OUTCOME,
                            {
                                "type": "object",
                                "required": ["segments"],
                                "properties": {
                                    "segments": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id", "name"],
                                            "properties": {"id": _STRING, "name": _STRING},
                                        },
                                    }
                                },
                            },
                        ]
                    },
                ),
                "502": _OUTCOME_ERROR,
            },
        }
    },
    "/api/shopify/segments/{segment_id}/count": {
        "parameters": [id_parameter("segment_id", "the number at the end of the segment's GID")],
        "get": {
            "summary": "A segment's members now, and how many are linked to a LINE friend who has not blocked",
            "responses": {
                "200": json_response(
                    "Counted",
                    {
                        "allOf": [
                            OUTCOME,
                            {
                                "type": "object",
                                "required": ["members", "linked"],
                                "properties": {"members": _COUNT, "linked": _COUNT},
                            },
                        ]
                    },
                ),
                "404": _OUTCOME_ERROR,
                "502": _OUTCOME_ERROR,
            },
        },
    },
}
