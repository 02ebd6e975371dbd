"""POST /webhooks/shopify: verify → record → answer; the worker dispatches.

Order matters: nothing is stored before the HMAC of the raw body checks out, and a
verified delivery is committed before it is answered, so nothing is lost. Handlers run
in the worker (events.process_due_events) through the topic table in handlers.py.
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from .. import db
from ..ext import cache
from ..timeutil import parse_ts
from .domains import myshopify_domain
from .intake import HeldConnection, ShopIds, record_delivery
from .sdk import request_input, shopify_app

log = logging.getLogger("tsunagu.webhooks")
bp = Blueprint("shopify_webhooks", __name__)


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
    try:
        verified = shopify_app().verify_webhook_req(request_input(body, signed_body=True))
    except RecursionError:  # the package parses the body to redact its log: no body nests that deep
        return _error(400, "shopify.webhook.invalid-json")
    if not verified.ok:
        log.warning("webhook rejected: %s", verified.log.code)
        code = "missing-hmac" if verified.log.code == "missing_hmac_header" else "invalid-hmac"
        return _error(401, f"shopify.webhook.{code}")

    headers = request.headers
    topic = headers.get("X-Shopify-Topic", "").strip()
    webhook_id = headers.get("X-Shopify-Webhook-Id", "").strip()
    domain = myshopify_domain(headers.get("X-Shopify-Shop-Domain", "").strip())
    if not topic or not webhook_id or len(webhook_id) > 128 or domain is None:
        log.warning("webhook rejected: missing or malformed headers topic=%r", topic[:64])
        return _error(400, "shopify.webhook.missing-headers")

    created = record_delivery(
        engine=db.engine(),
        held=cache(HeldConnection),
        shop_ids=cache(ShopIds),
        domain=domain,
        webhook_id=webhook_id,
        topic=topic[:64],
        api_version=headers.get("X-Shopify-API-Version", "")[:16],
        triggered_at=parse_ts(headers.get("X-Shopify-Triggered-At")),
        body=body,
    )
    # Handlers run in the worker within a second or so; Shopify only needs to know it is safe.
    return jsonify(status="received" if created else "duplicate"), 200
