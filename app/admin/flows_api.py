"""Flows: settings, templates, preview and test sends (session token, scoped to its shop)."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, jsonify
from sqlmodel import select

from .. import db
from ..line import channels
from ..line.client import LineError
from ..models import LineFriend, Shop
from ..shopify.auth import embedded
from . import flows_editor as editor
from . import flows_preview as preview_data
from .flows_editor import FLOWS, LANGS, Checker
from .http import read_json
from .i18n import language
from .openapi import json_body, json_response

bp = Blueprint("flows_api", __name__, url_prefix="/api")


def _flow(flow: str) -> str:
    if flow not in FLOWS:
        abort(404)
    return flow


def _invalid(errors: dict, **extra):
    return jsonify(ok=False, errors=errors, message="", **extra), 422


@bp.get("/flows")
@embedded
def flows_list(shop: Shop):
    return jsonify(flows=[editor.describe(shop, flow) for flow in FLOWS])


@bp.get("/flows/<flow>")
@embedded
def flow_get(shop: Shop, flow: str):
    return jsonify(flow=editor.describe(shop, _flow(flow)))


@bp.put("/flows/<flow>")
@embedded
def flow_save(shop: Shop, flow: str):
    """The whole flow (settings and texts), saved together or not at all."""
    flow, body = _flow(flow), read_json()
    session = db.session(write=True)
    current = session.get(Shop, shop.id)
    settings, texts, errors = editor.check_flow(session, current, flow, body, language(shop.locale))
    if errors:
        session.rollback()
        return _invalid(errors)
    stored = editor.save(session, shop.id, flow, settings, texts)
    session.commit()
    return jsonify(ok=True, errors={}, message="", flow=editor.describe(stored, flow))


@bp.put("/flows/<flow>/enabled")
@embedded
def flow_switch(shop: Shop, flow: str):
    """The on/off switch, saved at once (the rest of an unsaved edit stays unsaved)."""
    flow, body = _flow(flow), read_json()
    if not isinstance(body.get("enabled"), bool):
        check = Checker(language(shop.locale))
        check.fail("enabled", "bool")
        return _invalid(check.errors)
    session = db.session(write=True)
    stored = editor.switch(session, shop.id, flow, body["enabled"])
    session.commit()
    return jsonify(ok=True, errors={}, message="", enabled=editor.describe(stored, flow)["settings"]["enabled"])


def _built(session, shop: Shop, flow: str, body: dict) -> tuple[list[dict], dict, str, str]:
    """The messages for the body's template (its unsaved text and settings), or errors."""
    check = Checker(language(shop.locale))
    key, lang = body.get("template_key"), body.get("lang")
    if key not in preview_data.template_keys(flow):
        check.fail("template_key", "template_key")
    if lang not in LANGS:
        check.fail("lang", "lang")
    step = body.get("step", 0)
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step < editor.MAX_STEPS:
        check.fail("step", "int_range", lo="0", hi=str(editor.MAX_STEPS - 1))
    if check.errors:
        return [], check.errors, key, lang
    text = editor.check_text(flow, body["text"], check, "text") if "text" in body else None
    config = editor.flow_settings(shop, flow)
    if isinstance(body.get("settings"), dict):
        proposed = Checker("ja")
        candidate = editor.check_settings(flow, body["settings"], proposed, config)
        config = config if proposed.errors else candidate
    if check.errors:
        return [], check.errors, key, lang
    view = preview_data.with_templates(shop, config, {key: {lang: text}} if text is not None else {})
    built = preview_data.build(
        view, flow=flow, template_key=key, lang=lang, data=preview_data.sample(session, shop), config=config, step=step
    )
    editor.check_limits(built, check, "text")
    return built, check.errors, key, lang


@bp.post("/flows/<flow>/preview")
@embedded
def flow_preview(shop: Shop, flow: str):
    """Exactly what LINE would show for this (unsaved) text, built by the flow's own code."""
    flow, body = _flow(flow), read_json()
    built, errors, _key, _lang = _built(db.session(), shop, flow, body)
    if errors:
        return _invalid(errors, messages=built)
    return jsonify(ok=True, errors={}, message="", messages=built)


@bp.post("/flows/<flow>/test")
@embedded
def flow_test(shop: Shop, flow: str):
    """Push the preview to one of the shop's LINE friends (captured, not sent, in a dry run)."""
    flow, body = _flow(flow), read_json()
    friend_id = body.get("friend_id")
    if isinstance(friend_id, bool) or not isinstance(friend_id, int):
        check = Checker(language(shop.locale))
        check.fail("friend_id", "friend")
        return _invalid(check.errors)
    session = db.session(write=True)
    friend = session.get(LineFriend, friend_id)
    if friend is None or friend.shop_id != shop.id:
        abort(404)
    built, errors, _key, _lang = _built(session, shop, flow, body)
    channel = channels.for_shop(session, shop)
    if not errors and (channel is None or channel.disconnected_at is not None or friend.is_blocked):
        check = Checker(language(shop.locale))
        check.fail("friend_id", "blocked" if channel is not None and friend.is_blocked else "no_line")
        errors = check.errors
    if errors:
        return _invalid(errors)
    try:
        client = channels.client_for(channel, shop=shop, session=session)
        client.push(friend.line_user_id, built, retry_key=str(uuid.uuid4()))
    except (LineError, channels.ChannelUnavailable) as exc:
        session.rollback()
        return jsonify(ok=False, errors={}, message=str(exc)), 502
    session.commit()
    return jsonify(ok=True, errors={}, message="", dry_run=client.dry_run, messages=built)


def friends_for_test(session, shop: Shop, limit: int = 100) -> list[LineFriend]:
    """Who a test can go to: the shop's friends who have not blocked it, newest first."""
    return list(
        session.exec(
            select(LineFriend)
            .where(LineFriend.shop_id == shop.id, LineFriend.is_blocked.is_(False))
            .order_by(LineFriend.id.desc())
            .limit(limit)
        )
    )


# -- the contract (assembled into /api/openapi.json) -----------------------------------------
_STR, _INT, _BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
_DAYS = {"type": "object", "additionalProperties": _INT}
_DISCOUNT = {
    "type": "object",
    "nullable": True,
    "required": ["type", "value", "expires_days"],
    "properties": {
        "type": {"type": "string", "enum": ["percentage", "fixed_amount"]},
        "value": {"type": "number", "description": "percentage 1–90, or an amount in the shop's currency"},
        "expires_days": {"type": "integer", "minimum": 1, "maximum": 30},
    },
}
_STEP = {
    "type": "object",
    "required": ["delay_min", "discount"],
    "properties": {
        "delay_min": {"type": "integer", "minimum": 1, "maximum": editor.DELAY_MIN[1]},
        "discount": _DISCOUNT,
    },
}
_SETTINGS = {
    "type": "object",
    "required": ["enabled"],
    "description": "Keys depend on the flow.",
    "properties": {
        "enabled": _BOOL,
        "steps": {"type": "array", "minItems": 1, "maxItems": editor.MAX_STEPS, "items": _STEP},
        "min_total": {"type": "number", "minimum": 0},
        "skip_if_ordered_within_h": {"type": "integer", "minimum": 0, "maximum": 720},
        "statuses": {"type": "object", "additionalProperties": _BOOL},
        "delay_days": {"type": "integer", "minimum": 1, "maximum": 90},
        "review_url": {"type": "string", "description": "empty, or an https:// URL"},
        "cycles": {"type": "object", "properties": {"products": _DAYS, "types": _DAYS, "tags": _DAYS}},
    },
}
_CYCLE_ROWS = {
    "oneOf": [_DAYS, {"type": "array", "items": {"type": "object", "properties": {"name": _STR, "days": _INT}}}]
}
_SETTINGS_INPUT = {
    **_SETTINGS,
    "required": [],
    "properties": {
        **_SETTINGS["properties"],
        "cycles": {
            "type": "object",
            "properties": {"products": _CYCLE_ROWS, "types": _CYCLE_ROWS, "tags": _CYCLE_ROWS},
        },
    },
}
_LANG_TEXTS = {"type": "object", "required": list(LANGS), "properties": {lang: _STR for lang in LANGS}}
_TEXTS = {
    "type": "object",
    "additionalProperties": _LANG_TEXTS,
    "description": "template key (the flow, or shipping_update:<status>) -> texts by language",
}
_FLOW = {
    "type": "object",
    "required": ["flow", "marketing", "settings", "templates", "defaults", "variables"],
    "properties": {
        "flow": {"type": "string", "enum": list(FLOWS)},
        "marketing": _BOOL,
        "settings": _SETTINGS,
        "templates": _TEXTS,
        "defaults": _TEXTS,
        "variables": {"type": "array", "items": _STR, "description": "usable as {name}"},
    },
}
_ERRORS = {
    "type": "object",
    "additionalProperties": _STR,
    "description": "field (settings path like steps.0.delay_min, or templates.<key>.<lang>) -> message",
}
_MESSAGE = {
    "type": "object",
    "required": ["type"],
    "properties": {"type": _STR},
    "description": "A LINE message object (text or flex) as the Messaging API takes it",
}


def _outcome(**more) -> dict:
    return {
        "type": "object",
        "required": ["ok", "errors", "message", *more],
        "properties": {"ok": _BOOL, "errors": _ERRORS, "message": _STR, **more},
    }


_INVALID = {
    "description": "Nothing was saved or sent: errors per field",
    "content": {"application/json": {"schema": _outcome()}},
}
_FLOW_PARAM = [
    {
        "name": "flow",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": list(FLOWS)},
        "description": "unknown flows answer 404",
    }
]
_PREVIEW_INPUT = {
    "type": "object",
    "required": ["template_key", "lang"],
    "properties": {
        "template_key": _STR,
        "lang": {"type": "string", "enum": list(LANGS)},
        "text": {"type": "string", "description": "the unsaved text; the saved one when absent"},
        "step": {
            "type": "integer",
            "minimum": 0,
            "maximum": editor.MAX_STEPS - 1,
            "description": "reminder step (its discount) for abandoned checkout / cart",
        },
        "settings": _SETTINGS_INPUT,
    },
}
_MESSAGES = {"type": "array", "items": _MESSAGE}

OPENAPI_PATHS = {
    "/api/flows": {
        "get": {
            "summary": "Every flow: settings, texts (current and default), variables",
            "responses": {
                "200": json_response(
                    "Flows",
                    {
                        "type": "object",
                        "required": ["flows"],
                        "properties": {"flows": {"type": "array", "items": _FLOW}},
                    },
                )
            },
        }
    },
    "/api/flows/{flow}": {
        "parameters": _FLOW_PARAM,
        "get": {
            "summary": "One flow",
            "responses": {
                "200": json_response("Flow", {"type": "object", "required": ["flow"], "properties": {"flow": _FLOW}})
            },
        },
        "put": {
            "summary": "Save a flow's settings and texts together (nothing half-saves)",
            "requestBody": json_body(
                {"type": "object", "properties": {"settings": _SETTINGS_INPUT, "templates": _TEXTS}}
            ),
            "responses": {"200": json_response("Saved", _outcome(flow=_FLOW)), "422": _INVALID},
        },
    },
    "/api/flows/{flow}/enabled": {
        "parameters": _FLOW_PARAM,
        "put": {
            "summary": "Switch a flow on or off at once",
            "requestBody": json_body({"type": "object", "required": ["enabled"], "properties": {"enabled": _BOOL}}),
            "responses": {"200": json_response("Switched", _outcome(enabled=_BOOL)), "422": _INVALID},
        },
    },
    "/api/flows/{flow}/preview": {
        "parameters": _FLOW_PARAM,
        "post": {
            "summary": "The LINE messages the flow would send with this text (sample data)",
            "requestBody": json_body(_PREVIEW_INPUT),
            "responses": {
                "200": json_response("Messages", _outcome(messages=_MESSAGES)),
                "422": {
                    "description": "The text cannot be sent: errors per field (messages when they could be built)",
                    "content": {"application/json": {"schema": _outcome()}},
                },
            },
        },
    },
    "/api/flows/{flow}/test": {
        "parameters": _FLOW_PARAM,
        "post": {
            "summary": "Push the preview to one of the shop's LINE friends (captured in a dry run)",
            "requestBody": json_body(
                {
                    **_PREVIEW_INPUT,
                    "required": ["friend_id", "template_key", "lang"],
                    "properties": {
                        **_PREVIEW_INPUT["properties"],
                        "friend_id": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
                    },
                }
            ),
            "responses": {
                "200": json_response("Pushed (or captured)", _outcome(dry_run=_BOOL, messages=_MESSAGES)),
                "422": _INVALID,
                "502": {
                    "description": "LINE refused or did not answer",
                    "content": {"application/json": {"schema": _outcome()}},
                },
            },
        },
    },
}
