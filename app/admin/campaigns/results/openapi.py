"""OpenAPI 3.0 path objects for a campaign's results, assembled into /api/openapi.json."""

from __future__ import annotations

from ...schemas import id_parameter, json_response

_INT = {"type": "integer"}
_NULL_INT = {"type": "integer", "nullable": True}
_NUMBER = {"type": "number", "nullable": True}
_MONEY = {"type": "string", "description": "A decimal amount in the shop's currency"}
VARIANT = {
    "type": "object",
    "required": ["variant", "recipients", "messages", "opened", "clicked", "orders", "revenue", "blocks", "cost_yen"],
    "properties": {
        "variant": {"type": "integer", "description": "0, 1, … (the total row is -1)"},
        "recipients": _INT,
        "messages": {"type": "integer", "description": "What LINE counted (one per recipient reached)"},
        "opened": {**_NULL_INT, "description": "LINE's unique opens; null when withheld (< 20) or not read yet"},
        "clicked": {**_NULL_INT, "description": "LINE's unique clicks; null when withheld (< 20) or not read yet"},
        "opened_withheld": {"type": "boolean", "description": "LINE answered null: fewer than 20"},
        "clicked_withheld": {"type": "boolean"},
        "insight_known": {"type": "boolean"},
        "tracked_clicks": {**_NULL_INT, "description": "Clicks on tracked /r/ links; null: not tracked"},
        "ctr": _NUMBER,
        "orders": _INT,
        "revenue": _MONEY,
        "revenue_per_message": {**_MONEY, "nullable": True},
        "blocks": {"type": "integer", "description": "Recipients who blocked within 24 hours"},
        "cost_yen": _INT,
        "winner": {"type": "boolean"},
    },
}
DIFFERENCE = {
    "type": "object",
    "nullable": True,
    "required": ["estimate", "low", "high", "significant"],
    "properties": {
        "estimate": {"type": "number"},
        "low": {"type": "number", "description": "95% interval"},
        "high": {"type": "number"},
        "significant": {"type": "boolean", "description": "false: the interval contains 0"},
    },
}
GROUP = {
    "type": "object",
    "required": ["people", "converted", "revenue"],
    "properties": {
        "people": _INT,
        "converted": _INT,
        "revenue": _MONEY,
        "conversion": _NUMBER,
        "revenue_per_person": _NUMBER,
    },
}
RESULTS = {
    "type": "object",
    "required": ["campaign_id", "status", "window_days", "variants", "total", "holdout"],
    "properties": {
        "campaign_id": _INT,
        "status": {"type": "string"},
        "window_days": _INT,
        "variants": {"type": "array", "items": VARIANT},
        "total": VARIANT,
        "holdout": {
            "type": "object",
            "nullable": True,
            "properties": {
                "sent": GROUP,
                "holdout": GROUP,
                "conversion": DIFFERENCE,
                "revenue_per_person": DIFFERENCE,
            },
        },
        "insight_at": {"type": "string", "nullable": True, "description": "When LINE was last read (UTC)"},
    },
}

PATHS = {
    "/api/campaigns/{campaign_id}/results": {
        "get": {
            "summary": "A campaign's results per variant, and against its holdout",
            "parameters": [id_parameter("campaign_id", "A campaign of the token's shop")],
            "responses": {"200": json_response("The results", RESULTS)},
        }
    }
}
