"""POST /webhooks/shopify: verify → record → dispatch, answered well inside Shopify's 5 s.

Order matters: nothing is stored before the HMAC of the raw body checks out, and a
verified delivery is committed before its handler runs, so a crash loses nothing.
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from .. import db
from ..models import WebhookEvent
from ..timeutil import parse_ts
from .events import ensure_shop, process_event, record_event
from .sdk import request_input, shopify_app

log = logging.getLogger("tsunagu.webhooks")
bp = Blueprint("shopify_webhooks", __name__)

SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")


def _error(status: int, code: str):
    return jsonify(error=code), status


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    log.warning("webhook rejected: body over the size limit")
    return _error(413, "shopify.webhook.too-large")


@bp.post("/webhooks/shopify")
def receive():
    raw = request.get_data(cache=False)
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _error(400, "shopify.webhook.invalid-encoding")
    verified = shopify_app().verify_webhook_req(request_input(body))
    if not verified.ok:
        log.warning("webhook rejected: %s", verified.log.code)
        code = "missing-hmac" if verified.log.code == "missing_hmac_header" else "invalid-hmac"
        return _error(401, f"shopify.webhook.{code}")

    headers = request.headers
    topic = headers.get("X-Shopify-Topic", "").strip()
    webhook_id = headers.get("X-Shopify-Webhook-Id", "").strip()
    domain = headers.get("X-Shopify-Shop-Domain", "").strip().lower()
    if not topic or not webhook_id or len(webhook_id) > 128 or not SHOP_DOMAIN.match(domain):
        log.warning("webhook rejected: missing or malformed headers topic=%r", topic[:64])
        return _error(400, "shopify.webhook.missing-headers")

    session = db.session(write=True)
    shop_id = ensure_shop(session, domain)
    event_id = record_event(
        session=session, shop_id=shop_id, webhook_id=webhook_id, topic=topic[:64],
        api_version=headers.get("X-Shopify-API-Version", "")[:16],
        triggered_at=parse_ts(headers.get("X-Shopify-Triggered-At")), body=body,
    )
    session.commit()
    if event_id is None:
        return jsonify(status="duplicate"), 200
    event = session.get(WebhookEvent, event_id)
    status = process_event(session=session, event=event)
    session.commit()
    return jsonify(status=status), 200
