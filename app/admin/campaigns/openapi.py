"""OpenAPI 3.0 path objects for Campaigns (配信), assembled into /api/openapi.json."""

from __future__ import annotations

from ..schemas import VALIDATION, id_parameter, json_body, json_response

_ID = [id_parameter("campaign_id", "A campaign of the token's shop")]
_INT = {"type": "integer"}
_MESSAGE = {"type": "object", "description": "A LINE message object (text, image, flex, sticker, template)"}
_VARIANT = {
    "type": "object",
    "required": ["name", "messages"],
    "properties": {"name": {"type": "string"}, "messages": {"type": "array", "items": _MESSAGE}},
}
# A/B test and holdout (app/campaigns/variants.py checks them; split.py applies them).
TEST = {
    "variants": {
        "type": "array",
        "items": _VARIANT,
        "description": "2 to 4 variants, or none (the campaign's messages are then the only one)",
    },
    "test_share": {"type": "integer", "description": "Percent of the audience in the test, 1-100 (100: no winner)"},
    "holdout_share": {"type": "integer", "description": "Percent of the audience sent nothing, 0-50"},
    "winner_metric": {"type": "string", "enum": ["clicks", "revenue"], "description": "Per recipient"},
    "winner_after_hours": {"type": "integer", "description": "Hours after the test send, 1-720"},
}
CAMPAIGN = {
    "type": "object",
    "required": ["id", "name", "status", "messages", "recipients", "chunks_total", "chunks_done", "sent"],
    "properties": {
        "id": _INT,
        "name": {"type": "string"},
        "status": {
            "type": "string",
            "enum": ["draft", "scheduled", "planning", "sending", "testing", "paused", "done", "cancelled", "failed"],
        },
        "audience": {"type": "object"},
        "messages": {"type": "array", "items": _MESSAGE},
        "scheduled_at": {"type": "string", "nullable": True, "description": "UTC, ISO 8601"},
        "scheduled_local": {"type": "string"},
        "exempt_from_cap": {"type": "boolean"},
        "transport": {"type": "string", "nullable": True, "enum": ["multicast", "push", "broadcast", None]},
        "recipients": _INT,
        "excluded": {"type": "object", "additionalProperties": _INT},
        "chunks_total": _INT,
        "chunks_done": _INT,
        "sent": _INT,
        "reason": {"type": "string", "nullable": True},
        "reason_text": {"type": "string"},
        "forecast": {"type": "object"},
        **TEST,
        "winner": {"type": "integer", "nullable": True, "description": "The winning variant, once chosen"},
    },
}
DRAFT = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "messages": {"type": "array", "items": _MESSAGE, "description": "1 to 5 LINE message objects"},
        "audience": {
            "type": "object",
            "description": (
                '{"kind": "all"}, {"kind": "segment", "segment_id": saved segment id} '
                'or {"kind": "friends", "ids": [friend ids]}'
            ),
        },
        "scheduled_at": {"type": "string", "description": "The shop's local time (ISO 8601; an offset wins)"},
        "exempt_from_cap": {"type": "boolean"},
        **TEST,
    },
}
FORECAST = {
    "type": "object",
    "required": ["recipients", "messages", "transport", "cost_yen", "api_calls", "fits", "could_reach", "notes"],
    "properties": {
        "audience": _INT,
        "excluded": {"type": "object", "additionalProperties": _INT},
        "recipients": _INT,
        "messages": _INT,
        "transport": {"type": "string", "enum": ["multicast", "push", "broadcast"]},
        "transport_reason": {"type": "string"},
        "plan": {"type": "string"},
        "quota_limit": {"type": "integer", "nullable": True},
        "quota_used": {"type": "integer", "nullable": True},
        "room": {"type": "integer", "nullable": True},
        "cost_yen": _INT,
        "api_calls": _INT,
        "duration_s": {"type": "number"},
        "starts_at": {"type": "string"},
        "quiet_hours": {"type": "boolean"},
        "fits": {"type": "boolean"},
        "could_reach": _INT,
        "held_out": {"type": "integer", "description": "The holdout: sent nothing, not counted, not charged"},
        "tested": {"type": "integer", "description": "Recipients of the test (all when there is no winner phase)"},
        "rest": {"type": "integer", "description": "Recipients of the winner, once chosen"},
        "notes": {"type": "array", "items": {"type": "string"}},
    },
}
CONFIRM = {
    "type": "object",
    "required": ["recipients", "messages", "cost_yen"],
    "properties": {"recipients": _INT, "messages": _INT, "cost_yen": _INT},
}
REFUSED = json_response(
    "Refused: the state does not allow it, the forecast changed or it exceeds the quota",
    {"$ref": "#/components/schemas/Outcome"},
)
SAVED = {
    "type": "object",
    "required": ["ok", "errors", "message", "campaign"],
    "properties": {
        "ok": {"type": "boolean"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"}},
        "message": {"type": "string"},
        "campaign": CAMPAIGN,
    },
}


def _confirming(summary: str) -> dict:
    return {
        "post": {
            "summary": summary,
            "parameters": _ID,
            "requestBody": json_body(
                {
                    "type": "object",
                    "properties": {
                        "confirm": CONFIRM,
                        "scheduled_at": {"type": "string", "description": "The shop's local time"},
                    },
                }
            ),
            "responses": {"200": json_response("Scheduled", SAVED), "409": REFUSED, "422": VALIDATION},
        }
    }


def _transition(summary: str) -> dict:
    return {
        "post": {
            "summary": summary,
            "parameters": _ID,
            "responses": {"200": json_response("Done", SAVED), "409": REFUSED},
        }
    }


PATHS = {
    "/api/campaigns": {
        "get": {
            "summary": "The shop's campaigns, newest first (at most 100)",
            "responses": {
                "200": json_response(
                    "Campaigns",
                    {
                        "type": "object",
                        "required": ["campaigns"],
                        "properties": {"campaigns": {"type": "array", "items": CAMPAIGN}},
                    },
                )
            },
        },
        "post": {
            "summary": "Create a draft (checked field by field)",
            "requestBody": json_body(DRAFT),
            "responses": {"201": json_response("Created", SAVED), "422": VALIDATION},
        },
    },
    "/api/campaigns/{campaign_id}": {
        "get": {
            "summary": "One campaign",
            "parameters": _ID,
            "responses": {
                "200": json_response(
                    "The campaign", {"type": "object", "required": ["campaign"], "properties": {"campaign": CAMPAIGN}}
                )
            },
        },
        "put": {
            "summary": "Change a draft (only drafts change)",
            "parameters": _ID,
            "requestBody": json_body(DRAFT),
            "responses": {"200": json_response("Saved", SAVED), "409": REFUSED, "422": VALIDATION},
        },
    },
    "/api/campaigns/{campaign_id}/forecast": {
        "post": {
            "summary": "Recipients, transport, messages, quota, cost, calls and duration, before sending",
            "parameters": _ID,
            "responses": {
                "200": json_response(
                    "The forecast and the figures to echo back when confirming",
                    {
                        "type": "object",
                        "required": ["forecast", "confirm"],
                        "properties": {"forecast": FORECAST, "confirm": CONFIRM},
                    },
                )
            },
        }
    },
    "/api/campaigns/{campaign_id}/send": _confirming(
        "Confirm the forecast's figures and send now (or at scheduled_at)"
    ),
    "/api/campaigns/{campaign_id}/schedule": _confirming("Confirm the forecast's figures and send at scheduled_at"),
    "/api/campaigns/{campaign_id}/cancel": _transition("Cancel (before or during sending)"),
    "/api/campaigns/{campaign_id}/pause": _transition("Pause sending"),
    "/api/campaigns/{campaign_id}/resume": _transition("Resume sending"),
    "/api/campaigns/{campaign_id}/progress": {
        "get": {
            "summary": "Chunks done of the total, recipients reached",
            "parameters": _ID,
            "responses": {
                "200": json_response(
                    "Progress",
                    {
                        "type": "object",
                        "required": ["progress"],
                        "properties": {
                            "progress": {
                                "type": "object",
                                "required": ["status", "chunks_total", "chunks_done", "percent", "sent"],
                                "properties": {
                                    "status": {"type": "string"},
                                    "chunks_total": _INT,
                                    "chunks_done": _INT,
                                    "percent": {"type": "number"},
                                    "recipients": _INT,
                                    "sent": _INT,
                                    "chunks": {"type": "object", "additionalProperties": _INT},
                                    "reason": {"type": "string", "nullable": True},
                                },
                            }
                        },
                    },
                )
            },
        }
    },
}
