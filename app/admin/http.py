"""What every admin JSON endpoint shares: reading the body, refusing input, and errors as
JSON in the merchant's language (a page's script shows them as they come)."""

from __future__ import annotations

from flask import abort, g, jsonify, request
from werkzeug.exceptions import HTTPException

from ..i18n import has, language, t


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


def invalid(errors: dict[str, str], *, status: int = 422, message: str | None = "", **extra):
    """Nothing was saved: a message per field. `message=None` leaves the key out, for the
    endpoints whose published schema has none."""
    body = {"ok": False, "errors": errors, **({} if message is None else {"message": message}), **extra}
    return jsonify(body), status


def api_error(error: HTTPException):
    """JSON errors under /api/ (a client parses every answer); HTML pages keep Flask's own.
    The message is the merchant's language when the request got as far as its shop."""
    if not request.path.startswith("/api/"):
        return error
    lang = language(shop=g.get("shop"))
    key = f"admin.http.{error.code}"
    message = t(key, lang) if has(key) else t("admin.http.other", lang, code=error.code)
    response = jsonify(ok=False, errors={}, message=message)
    response.status_code = error.code or 500
    for name, value in error.get_response().headers.items():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value  # e.g. Allow on 405
    return response
