"""The admin JSON API's contract: an OpenAPI 3.0 document at GET /api/openapi.json.

Each area describes its own endpoints in its `openapi.py` (`PATHS`), next to the code;
this module assembles them. The assembler fills in what every operation has in common,
so an area need not repeat it: the bearer session token (unless the operation says
`security: []`), its 401, a 404 where the path has an id, 400/415 where the operation
reads a JSON body, and the cross-site 403 of every operation that changes something.
tests/admin/test_openapi.py fails when an /api/* route has no path.

Errors from /api/* answer JSON ({ok: false, errors: {}, message}) instead of Flask's HTML
page (http.api_error), so a client can always parse what it gets back.
"""

from __future__ import annotations

import copy
import re

from flask import Blueprint, jsonify

from .audiences.openapi import PATHS as AUDIENCES
from .campaigns.openapi import PATHS as CAMPAIGNS
from .campaigns.results.openapi import PATHS as CAMPAIGN_RESULTS
from .flows.openapi import PATHS as FLOWS
from .home.openapi import PATHS as HOME
from .people.openapi import PATHS as PEOPLE
from .richmenus.openapi import PATHS as RICH_MENUS
from .schemas import json_response
from .search.openapi import PATHS as SEARCH
from .sequences.openapi import PATHS as SEQUENCES
from .settings.openapi import PATHS as SETTINGS
from .sources.openapi import PATHS as SOURCES

bp = Blueprint("openapi", __name__, url_prefix="/api")

FRAGMENTS = (
    SETTINGS,
    SEARCH,
    PEOPLE,
    FLOWS,
    HOME,
    AUDIENCES,
    CAMPAIGNS,
    RICH_MENUS,
    CAMPAIGN_RESULTS,
    SEQUENCES,
    SOURCES,
)
METHODS = ("get", "put", "post", "delete", "patch")
STATE_CHANGING = ("put", "post", "delete", "patch")
ID_PARAMETER = re.compile(r"{(\w+)}")
RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request"


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
            "requests get its one shop without a token.",
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
        "CrossSite": _error_response(
            "Refused before anything ran: a call that changes something carries neither the session "
            "token, nor a JSON body, nor proof that the app's own page sent it (Sec-Fetch-Site: "
            "same-origin, or an Origin equal to the app's). `reason` says so in English."
        ),
    },
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def _complete(path: str, method: str, operation: dict) -> dict:
    """Add what every operation of this API has in common, unless it says otherwise."""
    operation = copy.deepcopy(operation)
    responses = operation.setdefault("responses", {})
    if method in STATE_CHANGING:
        responses.setdefault("403", _ref("CrossSite"))
    if operation.get("security") != []:
        responses.setdefault("401", _ref("Unauthorized"))
    if ID_PARAMETER.search(path):
        responses.setdefault("404", _ref("NotFound"))
    if "requestBody" in operation:
        responses.setdefault("400", _ref("BadRequest"))
        responses.setdefault("415", _ref("UnsupportedMediaType"))
    return operation


def collect_paths() -> dict[str, dict]:
    """Every area's PATHS, merged."""
    paths: dict[str, dict] = {"/api/openapi.json": OPENAPI_SELF}
    for fragment in FRAGMENTS:
        for path, item in fragment.items():
            merged = paths.setdefault(path, {})
            for method, operation in item.items():
                merged[method] = _complete(path, method, operation) if method in METHODS else copy.deepcopy(operation)
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
