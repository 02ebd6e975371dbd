"""What every admin JSON endpoint shares: proof that a call changing something comes from the
app's own pages, reading the body, refusing input, and errors as JSON in the merchant's
language (a page's script shows them as they come)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import abort, g, jsonify, request
from werkzeug.exceptions import HTTPException

from ..ext import settings
from ..i18n import has, language, t

log = logging.getLogger("tsunagu.admin")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Sec-Fetch-Site values of a request the app's own page (or the merchant, typing) made.
OWN_SITE = frozenset({"same-origin", "none"})
CROSS_SITE_REASON = (
    "cross-site request refused: a call that changes something must send JSON, "
    "the session token, or come from the app's own pages"
)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _from_own_page() -> bool:
    """What a page of another site cannot produce without a CORS approval this app never
    gives: a session token, a JSON body, or the browser's word that the caller is this
    origin (Sec-Fetch-Site when the browser sends it, else Origin)."""
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return True
    if request.is_json:
        return True
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site.strip().lower() in OWN_SITE
    origin = (request.headers.get("Origin") or "").strip().lower()
    return bool(origin) and origin in (_origin(request.host_url), _origin(settings().app_url))


def refuse_cross_site():
    """Before every request (so an /api route added later is covered without a decorator):
    a POST/PUT/PATCH/DELETE under /api/ with no proof that it comes from the app's own pages
    is answered 403 before any view runs. Where no session token is asked for (the loopback
    store), this is all that stands between another site's form and the shop's settings."""
    if request.method not in STATE_CHANGING or not request.path.startswith("/api/"):
        return None
    if request.routing_exception is not None or _from_own_page():  # a 404 or 405 changes nothing
        return None
    log.warning("cross-site %s %s refused", request.method, request.path[:200])
    message = t("admin.http.cross_site", language(shop=None))
    return jsonify(ok=False, errors={}, message=message, reason=CROSS_SITE_REASON), 403


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
