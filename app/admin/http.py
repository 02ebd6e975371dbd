"""What every admin JSON endpoint shares: reading the body."""

from __future__ import annotations

from flask import abort, request


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def read_json() -> dict:
    """JSON objects only (a cross-site form post cannot send one without CORS approval):
    415 for another content type, 400 for anything but an object or for text no database
    can store (NUL characters)."""
    if not request.is_json:
        abort(415)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or _has_nul(body):
        abort(400)
    return body
