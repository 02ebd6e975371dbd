"""OpenAPI 3.0 path objects for the Customers and Messages API (people/api.py),
assembled into /api/openapi.json by app.admin.openapi.

Schemas are inline (no components, but for linking by hand) so the dict can be merged into
any document as is. They describe exactly what the views return: tests check a response
against them.
"""

from __future__ import annotations

from ...flows.registry import flows
from ...models import NotificationStatus as St
from ..schemas import MAX_ID, VALIDATION, id_parameter, json_body, json_response

STATUSES = [St.SCHEDULED, St.SENDING, St.SENT, St.FAILED, St.CANCELLED, St.SKIPPED]


def _obj(properties: dict, nullable: bool = False) -> dict:
    schema = {"type": "object", "required": sorted(properties), "properties": properties}
    return {**schema, "nullable": True} if nullable else schema


STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
NSTR = {"type": "string", "nullable": True}
STAMP = {"type": "string", "format": "date-time"}
NSTAMP = {**STAMP, "nullable": True}
ID = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}

ERROR = _obj({"ok": BOOL, "errors": {"type": "object", "additionalProperties": STR}, "message": STR})
LINE_LINK = _obj(
    {"friend_id": INT, "display_name": STR, "blocked": BOOL, "opted_out": BOOL, "link_method": NSTR}, nullable=True
)
CUSTOMER_PROPS = {
    "id": INT,
    "name": STR,
    "email": STR,
    "phone": STR,
    "orders_count": INT,
    "line": LINE_LINK,
    "last_sent_at": NSTAMP,
    "last_sent_label": STR,
    "attributed_orders": INT,
}
MESSAGE = _obj(
    {
        "id": {"type": "string", "format": "uuid"},
        "flow": STR,
        "flow_label": STR,
        "step": INT,
        "status": {"type": "string", "enum": STATUSES},
        "status_label": STR,
        "reason": NSTR,
        "reason_label": STR,
        "error": NSTR,
        "attempts": INT,
        "marketing": BOOL,
        "created_at": STAMP,
        "due_at": STAMP,
        "sent_at": NSTAMP,
        "created_label": STR,
        "when_label": STR,
        "friend_name": STR,
        "customer_id": {**INT, "nullable": True},
        "customer_name": STR,
        "can_cancel": BOOL,
        "can_retry": BOOL,
    }
)
ORDER = _obj(
    {
        "order_id": INT,
        "name": STR,
        "total": STR,
        "ordered_label": STR,
        "flow": NSTR,
        "flow_label": STR,
        "kind": STR,
        "kind_label": STR,
    }
)
FRIEND = _obj({"id": INT, "display_name": STR, "blocked": BOOL, "followed_label": STR})
WEBHOOK = _obj(
    {
        "id": INT,
        "topic": STR,
        "status": STR,
        "attempts": INT,
        "error": NSTR,
        "received_label": STR,
        "next_attempt_at": NSTAMP,
    }
)
PAGE_CURSOR = {
    "type": "string",
    "nullable": True,
    "description": "Pass as `cursor` for the next page; null on the last.",
}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    described = {
        400: "Body is not a JSON object",
        401: "Missing or invalid session token",
        404: "No such row in this shop",
        409: "Not in a state that allows this",
        415: "Body is not JSON",
        422: "Invalid input: an error per field",
    }
    return {
        str(code): (_json(ERROR, described[code]) if code != 401 else {"description": described[401]}) for code in codes
    }


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _path(name: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema}


JSON_BODY = {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
Q = {"type": "string", "maxLength": 100}


def _action(summary: str, param: dict, answer: dict) -> dict:
    return {
        "post": {
            "summary": summary,
            "parameters": [param],
            "requestBody": JSON_BODY,
            "responses": {"200": _json(answer, "Done"), **_errors(400, 401, 404, 409, 415)},
        }
    }


PATHS: dict[str, dict] = {
    "/api/customers": {
        "get": {
            "summary": "Search customers (newest first, 50 a page)",
            "parameters": [
                _query("q", Q, "Name, email, phone or LINE display name; matches the beginning"),
                _query("cursor", {"type": "string", "pattern": "^[0-9]{1,18}$"}, "next_cursor of the page before"),
            ],
            "responses": {
                "200": _json(
                    _obj({"customers": {"type": "array", "items": _obj(CUSTOMER_PROPS)}, "next_cursor": PAGE_CURSOR}),
                    "A page of customers",
                ),
                **_errors(401, 422),
            },
        }
    },
    "/api/customers/{customer_id}": {
        "get": {
            "summary": "One customer: link, last 20 messages, orders credited to LINE",
            "parameters": [_path("customer_id", ID)],
            "responses": {
                "200": _json(
                    _obj(
                        {
                            "customer": _obj(
                                {
                                    **CUSTOMER_PROPS,
                                    "messages": {"type": "array", "items": MESSAGE},
                                    "orders": {"type": "array", "items": ORDER},
                                }
                            )
                        }
                    ),
                    "The customer",
                ),
                **_errors(401, 404),
            },
        }
    },
    "/api/line-friends": {
        "get": {
            "summary": "LINE friends not linked to a customer (for the link picker, 20 at most)",
            "parameters": [_query("q", Q, "Display name; matches the beginning")],
            "responses": {
                "200": _json(_obj({"friends": {"type": "array", "items": FRIEND}}), "Unlinked friends"),
                **_errors(401, 422),
            },
        }
    },
    "/api/messages": {
        "get": {
            "summary": "The message log, newest first, 50 a page",
            "parameters": [
                _query("flow", {"type": "string", "enum": [str(flow) for flow in flows()]}, "Only this flow"),
                _query("status", {"type": "string", "enum": STATUSES}, "Only this status"),
                _query("from", {"type": "string", "format": "date"}, "Created on or after (shop's time zone)"),
                _query("to", {"type": "string", "format": "date"}, "Created on or before (shop's time zone)"),
                _query("cursor", STR, "next_cursor of the page before"),
            ],
            "responses": {
                "200": _json(
                    _obj({"messages": {"type": "array", "items": MESSAGE}, "next_cursor": PAGE_CURSOR}),
                    "A page of messages",
                ),
                **_errors(401, 422),
            },
        }
    },
    "/api/messages/{notification_id}/cancel": _action(
        "Cancel a scheduled message",
        _path("notification_id", {"type": "string", "format": "uuid"}),
        _obj({"ok": BOOL, "message": MESSAGE}),
    ),
    "/api/messages/{notification_id}/retry": _action(
        "Send a failed message again now (same retry key)",
        _path("notification_id", {"type": "string", "format": "uuid"}),
        _obj({"ok": BOOL, "message": MESSAGE}),
    ),
    "/api/webhook-events/{event_id}/retry": _action(
        "Run a failed Shopify webhook again now", _path("event_id", ID), _obj({"ok": BOOL, "event": WEBHOOK})
    ),
    "/api/customers/{customer_id}/line-link": {
        "parameters": [id_parameter("customer_id")],
        "post": {
            "summary": "Link a LINE friend of this shop to the customer",
            "requestBody": json_body(
                {
                    "type": "object",
                    "required": ["friend_id"],
                    "properties": {"friend_id": {"type": "integer", "minimum": 0, "maximum": MAX_ID}},
                }
            ),
            "responses": {
                "200": json_response(
                    "Linked",
                    {
                        "type": "object",
                        "required": ["ok", "action"],
                        "properties": {
                            "ok": {"type": "boolean"},
                            "action": {"type": "string", "enum": ["link", "relink", "unchanged"]},
                            "friend_id": {"type": "integer"},
                            "customer_id": {"type": "integer"},
                        },
                    },
                ),
                "422": VALIDATION,
            },
        },
        "delete": {
            "summary": "Remove the customer's LINE link, if any",
            "responses": {
                "200": json_response(
                    "Done",
                    {
                        "type": "object",
                        "required": ["ok", "unlinked"],
                        "properties": {"ok": {"type": "boolean"}, "unlinked": {"type": "boolean"}},
                    },
                )
            },
        },
    },
}
