"""Building blocks of the areas' OpenAPI fragments (assembled by openapi.py).

Each area describes its endpoints in `openapi.py` as `PATHS = {"/api/…": {"get": {…}}}`,
paths in OpenAPI's `{name}` for Flask's `<int:name>`. Operations may refer to the shared
components (`OUTCOME`, `VALIDATION`, `NOT_FOUND` below, defined in openapi.COMPONENTS).
"""

from __future__ import annotations

MAX_ID = 2**63 - 1  # ids are BIGINT on PostgreSQL

OUTCOME = {"$ref": "#/components/schemas/Outcome"}
OK = {"$ref": "#/components/schemas/Ok"}
VALIDATION = {"$ref": "#/components/responses/ValidationFailed"}
NOT_FOUND = {"$ref": "#/components/responses/NotFound"}


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
