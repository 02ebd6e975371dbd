"""OpenAPI 3.0 path objects for Home's API (the dashboard, the checklist tick, the LINE plan),
assembled into /api/openapi.json by app.admin.openapi."""

from __future__ import annotations

_INT = {"type": "integer", "minimum": 0}
_RATE = {"type": "number", "minimum": 0, "nullable": True}
_COUNTS = {"type": "array", "items": _INT}


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": required or list(properties),
        "additionalProperties": False,
    }


_FLOW = _object(
    {
        "sent": _INT,
        "clicks": _INT,
        "ctr": _RATE,
        "orders": _INT,
        "revenue": _INT,
        "blocks_after_push": _INT,
        "block_rate": _RATE,
    }
)

DASHBOARD = _object(
    {
        "ok": {"type": "boolean", "enum": [True]},
        "period": {"type": "integer", "enum": [7, 30, 90]},
        "timezone": {"type": "string", "example": "Asia/Tokyo"},
        "start": {"type": "string", "format": "date-time"},
        "end": {"type": "string", "format": "date-time"},
        "days": {"type": "array", "items": {"type": "string", "format": "date"}},
        "friends": _object(
            {"current": _INT, "follows": _INT, "blocks": _INT, "net": {"type": "integer"}, "block_rate": _RATE}
        ),
        "linked": _object({"customers": _INT, "of_customers": _INT, "share": _RATE}),
        "messages": _object({"sent": _INT, "clicks": _INT, "ctr": _RATE}),
        "orders": _object({"count": _INT, "revenue": _INT, "currency": {"type": "string", "enum": ["JPY"]}}),
        "recovered_checkouts": _object({"count": _INT, "revenue": _INT}),
        "flows": {
            "type": "object",
            "additionalProperties": _FLOW,
            "description": "By flow (abandoned_checkout, repurchase, ...; 'other' when unknown).",
        },
        "series": _object(
            {
                "sent_by_flow": {
                    "type": "object",
                    "additionalProperties": _COUNTS,
                    "description": "Messages sent per local day, one array per flow, aligned with `days`.",
                },
                "revenue": _COUNTS,
                "follows": _COUNTS,
                "blocks": _COUNTS,
            }
        ),
        "quota": _object(
            {
                "used": _INT,
                "limit": {"type": "integer", "minimum": 0, "nullable": True},
                "source": {"type": "string", "enum": ["line", "dry_run", "counted"]},
                "dry_run": {"type": "boolean"},
                "plan": {"type": "string", "enum": ["communication", "light", "standard"]},
                "monthly_fee": _INT,
                "included": _INT,
                "extra_per_message": {"type": "integer", "minimum": 0, "nullable": True},
                "cost": _INT,
                "over": {"type": "boolean"},
            }
        ),
    }
)

_ERRORS = _object(
    {
        "ok": {"type": "boolean", "enum": [False]},
        "errors": {"type": "object", "additionalProperties": {"type": "string"}},
    }
)
_401 = {"description": "No valid session token."}
_415 = {"description": "The body is not JSON."}
_422 = {"description": "Invalid input; a message per field.", "content": {"application/json": {"schema": _ERRORS}}}
_SECURITY = [{"sessionToken": []}]


def _json_body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _ok(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


PATHS: dict = {
    "/api/dashboard": {
        "get": {
            "operationId": "getDashboard",
            "tags": ["dashboard"],
            "security": _SECURITY,
            "summary": "The Home dashboard's figures for the last 7, 30 or 90 days (days in the shop's time zone).",
            "parameters": [
                {
                    "name": "period",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "enum": [7, 30, 90], "default": 30},
                }
            ],
            "responses": {"200": _ok("The figures.", DASHBOARD), "401": _401, "422": _422},
        }
    },
    "/api/dashboard/checklist": {
        "put": {
            "operationId": "saveChecklist",
            "tags": ["dashboard"],
            "security": _SECURITY,
            "summary": "The merchant says whether the LINE link button is placed in the theme.",
            "requestBody": _json_body(_object({"link_button": {"type": "boolean"}})),
            "responses": {
                "200": _ok(
                    "Saved; each setup step and whether it is done.",
                    _object(
                        {
                            "ok": {"type": "boolean", "enum": [True]},
                            "checklist": _object(
                                {k: {"type": "boolean"} for k in ("store", "line", "catalog", "flows", "link")}
                            ),
                        }
                    ),
                ),
                "400": {"description": "The body is not a JSON object."},
                "401": _401,
                "415": _415,
                "422": _422,
            },
        }
    },
    "/api/dashboard/plan": {
        "put": {
            "operationId": "saveLinePlan",
            "tags": ["dashboard"],
            "security": _SECURITY,
            "summary": "The LINE Official Account plan that prices the month's messages.",
            "requestBody": _json_body(
                _object({"plan": {"type": "string", "enum": ["communication", "light", "standard"]}})
            ),
            "responses": {
                "200": _ok(
                    "Saved.",
                    _object(
                        {
                            "ok": {"type": "boolean", "enum": [True]},
                            "plan": _object(
                                {
                                    "plan": {"type": "string", "enum": ["communication", "light", "standard"]},
                                    "monthly_fee": _INT,
                                    "included": _INT,
                                    "extra_per_message": {"type": "integer", "minimum": 0, "nullable": True},
                                }
                            ),
                        }
                    ),
                ),
                "400": {"description": "The body is not a JSON object."},
                "401": _401,
                "415": _415,
                "422": _422,
            },
        }
    },
}
