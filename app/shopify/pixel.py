"""POST /pixel/product-viewed: the storefront's web pixel (extensions/browse-pixel) reports
that a logged-in customer looked at a product.

Nothing in the request is signed: a web pixel runs in the shopper's browser and anyone can
send the same body. So it is only a hint, taken for a known, installed shop and a customer
linked to a LINE friend, and the worst a forged event can do is add a view that the
reminder job bounds anyway (one reminder per customer a day, each product once in 30 days,
the marketing caps; `app/flows/browse_abandonment.py`). Before any lookup, each address and
each (shop, customer) has a budget per minute (429 past it). A body that is not the
expected JSON is 400 with the field named, and nothing stored. Every well-formed event is
answered 204 whether it was kept or not, so the answer never tells whether a customer is
linked. CORS: the pixel posts from the storefront's (or Shopify's sandbox) origin, so the
request's origin is allowed, without credentials; it guards nothing here, the checks above do.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import deque
from datetime import timedelta

from flask import Blueprint, Response, jsonify, request
from sqlmodel import select

from .. import db
from ..ext import cache
from ..flows import browse_abandonment
from ..models import Shop
from ..timeutil import parse_ts, utcnow
from .domains import myshopify_domain

log = logging.getLogger("tsunagu.pixel")
bp = Blueprint("pixel", __name__, url_prefix="/pixel")

PER_ADDRESS_PER_MINUTE = 120  # a shop's visitors behind one NAT still fit
PER_CUSTOMER_PER_MINUTE = 20  # a shopper opens a few pages a minute, not dozens
BODY_LIMIT = 4096  # an event is a few hundred bytes
SKEW = timedelta(minutes=10)  # a client clock may be off; a view is never in the future
_GID = re.compile(r"(?:gid://shopify/(?:Customer|Product|ProductVariant)/)?([0-9]{1,19})")
_MAX_ID = 2**63 - 1


class PixelBudget:
    """Events per key in the last minute (one per process: with N web processes a key
    gets N budgets, still a small constant; the reminder rules bound what it can cause)."""

    KEYS_KEPT = 100_000

    def __init__(self) -> None:
        self._seen: dict[tuple, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: tuple, limit: int, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._seen) > self.KEYS_KEPT:
                self._seen = {k: q for k, q in self._seen.items() if q and q[-1] > now - 60}
            times = self._seen.setdefault(key, deque())
            while times and times[0] <= now - 60:
                times.popleft()
            if len(times) >= limit:
                return False
            times.append(now)
            return True


class Invalid(ValueError):
    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


@bp.after_request
def _cors(response: Response) -> Response:
    origin = request.headers.get("Origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "86400"
        response.headers.add("Vary", "Origin")
    return response


@bp.route("/product-viewed", methods=["POST", "OPTIONS"])
def product_viewed():
    if request.method == "OPTIONS":  # the CORS preflight of a JSON post
        return "", 204
    budget = cache(PixelBudget)
    if not budget.allow(("address", request.remote_addr), PER_ADDRESS_PER_MINUTE):
        return _refused(429, "pixel.rate-limited", "address")
    try:
        event = parse(request.get_data(cache=False))
    except Invalid as exc:
        return _refused(400, "pixel.invalid", exc.field)
    if not budget.allow(("customer", event["shop"], event["customer"]), PER_CUSTOMER_PER_MINUTE):
        return _refused(429, "pixel.rate-limited", "customer_id")
    session = db.session(write=True)
    shop = session.exec(select(Shop).where(Shop.domain == event["shop"])).first()
    if shop is None or not shop.is_installed:
        return "", 204
    outcome = browse_abandonment.record_view(
        session=session,
        shop=shop,
        customer_shopify_id=event["customer"],
        product_shopify_id=event["product"],
        variant_shopify_id=event["variant"],
        viewed_at=event["viewed_at"],
    )
    session.commit()
    log.info("pixel product_viewed shop=%s outcome=%s", shop.id, outcome)
    return "", 204


def parse(raw: bytes) -> dict:
    """The event from the body (sent as text/plain or JSON), or `Invalid` naming the field."""
    if len(raw) > BODY_LIMIT:
        raise Invalid("body")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Invalid("body") from None
    if not isinstance(body, dict):
        raise Invalid("body")
    shop = myshopify_domain(body.get("shop"))
    if shop is None:
        raise Invalid("shop")
    now = utcnow()
    viewed_at = now
    if body.get("timestamp") is not None:
        stamp = parse_ts(body["timestamp"])
        if stamp is None:
            raise Invalid("timestamp")
        viewed_at = min(now, max(stamp, now - SKEW))  # the server's clock bounds the client's
    variant = body.get("variant_id")
    return {
        "shop": shop,
        "customer": _id(body.get("customer_id"), "customer_id"),
        "product": _id(body.get("product_id"), "product_id"),
        "variant": None if variant in (None, "") else _id(variant, "variant_id"),
        "viewed_at": viewed_at,
    }


def _id(value, field: str) -> int:
    """A Shopify id as a number or gid ("gid://shopify/Product/123" → 123)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise Invalid(field)
    match = _GID.fullmatch(str(value))
    number = int(match.group(1)) if match else 0
    if not 0 < number <= _MAX_ID:
        raise Invalid(field)
    return number


def _refused(status: int, error: str, field: str):
    return jsonify({"error": error, "field": field}), status
