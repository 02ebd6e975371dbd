"""OpenAPI 3.0 path objects for Settings → LINE (connect, test, disconnect, texts),
assembled into /api/openapi.json by app.admin.openapi."""

from __future__ import annotations

from ..schemas import NOT_FOUND, OK, OUTCOME, VALIDATION, json_body, json_response

_STRING = {"type": "string"}
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
}
