"""The storefront's web pixel (extensions/browse-pixel), switched on in each shop.

A web pixel extension runs in a store only once the app has created its pixel there
(`webPixelCreate`) with the settings its extension declares: here `endpoint`, this app's
`/pixel/product-viewed`. The worker does it for every installed shop that granted
`write_pixels` whose pixel does not point at the current APP_URL yet (a changed URL is
updated with `webPixelUpdate`). A pixel that exists already (TAKEN: made before, the answer
lost) is found with the `webPixel` query and updated. Shopify is called with no
transaction open and the outcome written after, into `shop.settings["web_pixel"]`:
{"id", "endpoint"} once done, or {"error", "attempts", "next_at"} to try again later
(backing off, at most `MAX_ATTEMPTS`).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ..db import session_scope
from ..ext import settings
from ..models import Shop
from ..timeutil import parse_ts
from .client import ShopifyError, for_shop

log = logging.getLogger("tsunagu.shopify.pixel")
SCOPE = "write_pixels"
MAX_ATTEMPTS = 8
PER_RUN = 20
KEY = "web_pixel"  # in shop.settings

CREATE = """
mutation TsunaguWebPixelCreate($settings: JSON!) {
  webPixelCreate(webPixel: {settings: $settings}) {
    webPixel { id settings }
    userErrors { code field message }
  }
}
"""

UPDATE = """
mutation TsunaguWebPixelUpdate($id: ID!, $settings: JSON!) {
  webPixelUpdate(id: $id, webPixel: {settings: $settings}) {
    webPixel { id settings }
    userErrors { code field message }
  }
}
"""

FIND = """
query TsunaguWebPixel {
  webPixel { id settings }
}
"""


def endpoint() -> str:
    return f"{settings().app_url}/pixel/product-viewed"


def pixel_settings() -> str:
    """The pixel's settings as Shopify takes them: a JSON text matching the extension's fields."""
    return json.dumps({"endpoint": endpoint()})


def is_due(shop: Shop, now: datetime) -> bool:
    state = (shop.settings or {}).get(KEY) or {}
    if not shop.is_installed or SCOPE not in (shop.scopes or "").split(","):
        return False
    if state.get("id") and state.get("endpoint") == endpoint():
        return False
    if int(state.get("attempts") or 0) >= MAX_ATTEMPTS:
        return False
    next_at = parse_ts(state.get("next_at"))
    return next_at is None or next_at <= now


def activate_due(*, engine: Engine, now: datetime) -> dict[str, int]:
    """Create or update the pixel of each shop that needs it; failures wait and retry."""
    with Session(engine) as s:
        shops = [shop for shop in s.exec(select(Shop).where(Shop.uninstalled_at.is_(None))) if is_due(shop, now)]
        shops = shops[:PER_RUN]
        s.expunge_all()
    counts = {"activated": 0, "failed": 0}
    for shop in shops:
        try:
            state, failed = {"id": activate(shop), "endpoint": endpoint()}, False
        except Exception as exc:  # isolate: one shop's failure never stops the others
            attempts = int(((shop.settings or {}).get(KEY) or {}).get("attempts") or 0) + 1
            error = f"{type(exc).__name__}: {exc}"[:500]
            wait = timedelta(minutes=min(2**attempts, 360))
            state, failed = {"error": error, "attempts": attempts, "next_at": (now + wait).isoformat()}, True
            log.warning("web pixel not activated shop=%s error=%s", shop.id, error)
        _record(engine, shop.id, state)
        counts["failed" if failed else "activated"] += 1
    return {k: v for k, v in counts.items() if v}


def activate(shop: Shop) -> str:
    """Create the shop's pixel, or update the one it has; its id (raises ShopifyError)."""
    client = for_shop(shop)
    variables = {"settings": pixel_settings()}
    made = client.query(CREATE, variables).get("webPixelCreate") or {}
    problems = made.get("userErrors") or []
    if not problems:
        return (made.get("webPixel") or {}).get("id") or ""
    if not all(p.get("code") == "TAKEN" for p in problems):
        raise ShopifyError("; ".join(str(p.get("message")) for p in problems), code="user_errors", errors=problems)
    existing = (client.query(FIND).get("webPixel") or {}).get("id")
    if not existing:
        raise ShopifyError("web pixel taken but not found", code="not_found")
    changed = client.query(UPDATE, {"id": existing, **variables}).get("webPixelUpdate") or {}
    problems = changed.get("userErrors") or []
    if problems:
        raise ShopifyError("; ".join(str(p.get("message")) for p in problems), code="user_errors", errors=problems)
    return existing


def _record(engine: Engine, shop_id: int, state: dict) -> None:
    with session_scope(engine) as s:
        shop = s.get(Shop, shop_id)
        if shop is not None:
            shop.settings = {**(shop.settings or {}), KEY: state}
            s.add(shop)
