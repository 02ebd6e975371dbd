"""Shopify Flow's requests to the app: the "Send LINE message" action (its runtime and
its custom validation) and the trigger lifecycle callback.

Each is verified before anything is read: `shopifyapp.verify_flow_action_req` checks the
base64 HMAC-SHA256 of the raw body (client secret, the old one during a rotation) in
`X-Shopify-Hmac-Sha256`; bad or missing → 401 and nothing stored. The shop is the body's
`shopify_domain` (a signed fact). The action run is decided and put in the outbox in one
short write transaction after reading what decides it (`flows/shopify_flow.py`): the
answer goes back well within Flow's limit, SQLite's write lock is held only for the
writes, and LINE is never called from here.

Answers: 200 `{"status": "scheduled"}` (or the first answer again for a repeated
`action_run_id`); 4xx with `{"error", "message"}` for what retrying cannot fix (Flow shows
the message in the run and does not retry); 5xx is left to errors Flow should retry.
"""

from __future__ import annotations

import json
import logging

from flask import Blueprint, jsonify, request
from sqlmodel import Session, select

from .. import db
from ..flows import shopify_flow
from ..i18n import language, t
from ..models import Shop
from ..shopify_flow import triggers as flow_triggers
from ..timeutil import utcnow
from .domains import myshopify_domain
from .sdk import request_input, shopify_app

log = logging.getLogger("tsunagu.shopify.flow")
bp = Blueprint("shopify_flow_action", __name__)
ACTION_HANDLE = "send-line-message"
RUNTIME_PATH = "/flow/actions/send-line-message"


def _error(status: int, code: str, lang: str = "ja"):
    message = t(f"shopify.flow.refused.{code}", lang) if code in _REFUSALS else code
    return jsonify(error=f"shopify.flow.{code}", message=message), status


_REFUSALS = {
    "unknown_shop",
    "disabled",
    "no_line_channel",
    "no_customer",
    "unknown_customer",
    "unlinked",
    "blocked",
    "opted_out",
    "unknown_template",
    "too_many_messages",
    "invalid",
}


def _verified_body() -> tuple[dict | None, tuple | None]:
    """The parsed body of a verified request, or the error to answer."""
    raw = request.get_data(cache=False)
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, _error(400, "invalid-encoding")
    verified = shopify_app().verify_flow_action_req(request_input(body, signed_body=True))
    if not verified.ok:
        log.warning("Shopify Flow request rejected: %s path=%s", verified.log.code, request.path)
        return None, _error(401, "invalid-hmac")
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return None, _error(400, "invalid-json")
    if not isinstance(parsed, dict):
        return None, _error(400, "invalid-json")
    return parsed, None


def _shop(session: Session, parsed: dict) -> Shop | None:
    domain = myshopify_domain(str(parsed.get("shopify_domain") or "").strip())
    if domain is None:
        return None
    shop = session.exec(select(Shop).where(Shop.domain == domain)).first()
    return shop if shop is not None and shop.is_installed else None


@bp.post(RUNTIME_PATH)
def run_action():
    parsed, failed = _verified_body()
    if failed:
        return failed
    run_id = str(parsed.get("action_run_id") or "").strip()
    if not run_id or len(run_id) > 128:
        return _error(400, "missing-action-run-id")
    reads = db.session()  # deciding only reads; the outcome is written in a short transaction
    shop = _shop(reads, parsed)
    if shop is None:
        return _error(404, "unknown_shop")
    lang = language(shop=shop)
    try:
        customer, message, template, marketing = shopify_flow.parse_properties(parsed.get("properties"))
    except shopify_flow.Invalid as bad:
        code = bad.code if bad.code in _REFUSALS else "invalid"
        return _error(422, code, lang)
    run = shopify_flow.ActionRun(
        action_run_id=run_id,
        handle=str(parsed.get("handle") or ACTION_HANDLE),
        customer_id=customer,
        message=message,
        template=template,
        marketing=marketing,
    )
    answer = shopify_flow.run_action(reads=reads, shop=shop, run=run, now=utcnow())
    if answer.status >= 400:  # the merchant sees why in Flow; the log says it once more
        log.info("Shopify Flow action refused shop=%s run=%s outcome=%s", shop.id, run_id[:40], answer.outcome)
        return _error(answer.status, answer.outcome, lang)
    return jsonify(status=answer.outcome), 200


@bp.post(f"{RUNTIME_PATH}/validate")
def validate_action():
    """Flow's custom validation, asked when the merchant saves the action: field errors as
    `{"errors": [{"id": <field key>, "message": …}]}`, an empty list when all is well. The
    fields are read from `properties`, or per step from `steps[].properties` (each error
    then names its `step_reference`)."""
    parsed, failed = _verified_body()
    if failed:
        return failed
    with db.session_scope() as session:
        shop = _shop(session, parsed)
        lang = language(shop=shop) if shop else "ja"
        steps = parsed.get("steps")
        if isinstance(steps, list):  # one action's fields per step, named by its step_reference
            errors = [
                {**error, "step_reference": step.get("step_reference")}
                for step in steps
                if isinstance(step, dict)
                for error in _field_errors(session, shop, step.get("properties"), lang)
            ]
        else:
            errors = _field_errors(session, shop, parsed.get("properties"), lang)
    return jsonify(errors=errors), 200


def _field_errors(session: Session, shop: Shop | None, properties, lang: str) -> list[dict]:
    try:
        _customer, _message, template, _marketing = shopify_flow.parse_properties(properties)
    except shopify_flow.Invalid as bad:
        key = "message_too_long" if bad.code == "too_long" else bad.field
        if bad.field == "template" or bad.code == "unknown_template":
            key = "template"
        return [{"id": bad.field, "message": t(f"shopify.flow.invalid.{key}", lang)}]
    if (
        template
        and shop is not None
        and shopify_flow.saved_template(session=session, shop=shop, template=template) is None
    ):
        return [{"id": "template", "message": t("shopify.flow.refused.unknown_template", lang)}]
    return []


@bp.post("/flow/triggers/lifecycle")
def trigger_lifecycle():
    """Flow says whether a shop has an enabled workflow starting with one of our triggers;
    only those triggers are sent to that shop. Answered 200 quickly (a merchant cannot
    enable the workflow otherwise); a stale callback (older timestamp) changes nothing."""
    parsed, failed = _verified_body()
    if failed:
        return failed
    handle = flow_triggers.handle_for(str(parsed.get("flow_trigger_definition_id") or ""))
    enabled = parsed.get("has_enabled_flow")
    if not handle or len(handle) > 64 or not isinstance(enabled, bool):
        return _error(400, "invalid-lifecycle")
    with db.session_scope() as session:
        shop = _shop(session, parsed)
        if shop is None:
            return _error(404, "unknown_shop")
        changed = flow_triggers.set_enabled(
            session=session, shop=shop, handle=handle, enabled=enabled, at=str(parsed.get("timestamp") or "")
        )
    return jsonify(status="changed" if changed else "unchanged"), 200
