"""The admin JSON API's contract: an OpenAPI 3.0 document at GET /api/openapi.json.

Each API module describes its own endpoints in a module-level dict, next to the code:

    OPENAPI_PATHS = {"/api/keyword-rules/{rule_id}": {"put": {...operation...}}}

Paths use OpenAPI's `{name}` for Flask's `<int:name>`. Operations may refer to the shared
components below (`#/components/schemas/Outcome`, `#/components/responses/NotFound`, ...).
The assembler fills in what every operation has in common, so a module need not repeat it:
the bearer session token (unless the operation says `security: []`), its 401, a 404 where
the path has an id, and 400/415 where the operation reads a JSON body. A module without
OPENAPI_PATHS is skipped; tests/admin/test_openapi.py fails when an /api/* route has no path.

Errors from /api/* answer JSON ({ok: false, errors: {}, message}) instead of Flask's HTML
page, so a client can always parse what it gets back.
"""

from __future__ import annotations

import copy
import importlib
import re

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import HTTPException

bp = Blueprint("admin_openapi", __name__, url_prefix="/api")

MODULES = ("api", "search_api", "people_api", "flows_api", "dashboard_api")
METHODS = ("get", "put", "post", "delete", "patch")
ID_PARAMETER = re.compile(r"{(\w+)}")
RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request"
MAX_ID = 2**63 - 1  # ids are BIGINT on PostgreSQL


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Outcome"}}},
    }


COMPONENTS = {
    "securitySchemes": {
        "sessionToken": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Shopify App Bridge session token (id_token): HS256 with the app's secret, "
            "aud = the app's client id, dest = the shop. In demo mode loopback "
            "requests get the demo shop without one.",
        },
    },
    "schemas": {
        "Outcome": {
            "type": "object",
            "required": ["ok", "errors", "message"],
            "properties": {
                "ok": {"type": "boolean"},
                "errors": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "field name -> message, in the shop's language",
                },
                "message": {"type": "string"},
            },
        },
        "Ok": {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}},
    },
    "headers": {
        "RetryInvalidSession": {
            "description": "1: App Bridge fetches a fresh session token and retries the request once.",
            "schema": {"type": "string", "enum": ["1"]},
        },
    },
    "responses": {
        "Unauthorized": {
            "description": "No valid session token (missing, expired, forged, another app's). "
            "Shopify's answer, passed through as the shopifyapp package builds it.",
            "headers": {RETRY_HEADER: {"$ref": "#/components/headers/RetryInvalidSession"}},
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        "BadRequest": _error_response("The JSON body is not an object."),
        "NotFound": _error_response("No such row in the token's shop (another shop's rows look the same)."),
        "UnsupportedMediaType": _error_response("The body is not application/json."),
        "ValidationFailed": _error_response("Nothing was saved: errors per field."),
    },
}


def id_parameter(name: str, description: str = "") -> dict:
    """A path id as Flask's <int:...> accepts it."""
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    }


def json_body(schema: dict, *, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def json_response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def _complete(path: str, operation: dict) -> dict:
    """Add what every operation of this API has in common, unless it says otherwise."""
    operation = copy.deepcopy(operation)
    responses = operation.setdefault("responses", {})
    if operation.get("security") != []:
        responses.setdefault("401", _ref("Unauthorized"))
    if ID_PARAMETER.search(path):
        responses.setdefault("404", _ref("NotFound"))
    if "requestBody" in operation:
        responses.setdefault("400", _ref("BadRequest"))
        responses.setdefault("415", _ref("UnsupportedMediaType"))
    return operation


def collect_paths() -> dict[str, dict]:
    """Every module's OPENAPI_PATHS, merged; modules without one are skipped."""
    paths: dict[str, dict] = {"/api/openapi.json": OPENAPI_SELF}
    for name in MODULES:
        module = importlib.import_module(f"{__package__}.{name}")
        for path, item in (getattr(module, "OPENAPI_PATHS", None) or {}).items():
            merged = paths.setdefault(path, {})
            for method, operation in item.items():
                merged[method] = _complete(path, operation) if method in METHODS else copy.deepcopy(operation)
    return paths


def document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Tsunagu admin API",
            "version": "1",
            "description": "The embedded admin's JSON API. Every call is scoped to the shop of its "
            "session token; another shop's rows answer 404.",
        },
        "servers": [{"url": "/"}],
        "security": [{"sessionToken": []}],
        "paths": dict(sorted(collect_paths().items())),
        "components": copy.deepcopy(COMPONENTS),
    }


OPENAPI_SELF = {
    "get": {
        "summary": "This document",
        "description": "Public: the contract is the same for every shop and holds no shop data.",
        "security": [],
        "responses": {
            "200": json_response("OpenAPI 3.0 document", {"type": "object", "required": ["openapi", "paths"]})
        },
    }
}


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())


@bp.app_errorhandler(HTTPException)
def api_error(error: HTTPException):
    """JSON errors under /api/ (a client parses every answer); HTML pages keep Flask's own."""
    if not request.path.startswith("/api/"):
        return error
    response = jsonify(ok=False, errors={}, message=error.description or error.name)
    response.status_code = error.code or 500
    for name, value in error.get_response().headers.items():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value  # e.g. Allow on 405
    return response
