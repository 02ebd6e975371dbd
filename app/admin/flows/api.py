"""Flows: settings, templates, preview and test sends (session token, scoped to its shop)."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, jsonify

from ... import db
from ...flows.config import flow_settings
from ...flows.registry import Flow, automations, spec
from ...i18n import LANGUAGES, language
from ...line import channels
from ...line.client import LineError
from ...models import LineFriend, Shop
from ...shopify.auth import embedded
from ..http import invalid, read_json
from . import editor, preview, restock
from .checks import MAX_STEPS, Checker, check_settings

bp = Blueprint("flows_api", __name__, url_prefix="/api")


def _flow(flow: str) -> Flow:
    if flow not in set(automations()):
        abort(404)
    return Flow(flow)


@bp.get("/flows")
@embedded
def flows_list(shop: Shop):
    return jsonify(flows=[editor.describe(shop, flow) for flow in automations()])


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
    settings, texts, errors = editor.check_flow(
        session=session, shop=current, flow=flow, body=body, lang=language(shop=shop)
    )
    if errors:
        session.rollback()
        return invalid(errors)
    stored = editor.save(session=session, shop_id=shop.id, flow=flow, settings=settings, texts=texts)
    session.commit()
    return jsonify(ok=True, errors={}, message="", flow=editor.describe(stored, flow))


@bp.put("/flows/<flow>/enabled")
@embedded
def flow_switch(shop: Shop, flow: str):
    """The on/off switch, saved at once (the rest of an unsaved edit stays unsaved)."""
    flow, body = _flow(flow), read_json()
    if not isinstance(body.get("enabled"), bool):
        check = Checker(language(shop=shop))
        check.fail("enabled", "bool")
        return invalid(check.errors)
    session = db.session(write=True)
    stored = editor.switch(session=session, shop_id=shop.id, flow=flow, enabled=body["enabled"])
    session.commit()
    return jsonify(ok=True, errors={}, message="", enabled=editor.describe(stored, flow)["settings"]["enabled"])


def _built(*, session, shop: Shop, flow: str, body: dict) -> tuple[list[dict], dict, str, str]:
    """The messages for the body's template (its unsaved text and settings), or errors."""
    check = Checker(language(shop=shop))
    key, lang = body.get("template_key"), body.get("lang")
    if key not in spec(flow).templates:
        check.fail("template_key", "template_key")
    if lang not in LANGUAGES:
        check.fail("lang", "lang")
    step = body.get("step", 0)
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step < MAX_STEPS:
        check.fail("step", "int_range", lo="0", hi=str(MAX_STEPS - 1))
    if check.errors:
        return [], check.errors, key, lang
    text = editor.check_text(flow, body["text"], check, "text") if "text" in body else None
    config = flow_settings(shop, flow)
    if isinstance(body.get("settings"), dict):
        proposed = Checker(check.lang)  # unsaved settings that do not pass are previewed as saved
        candidate = check_settings(flow, body["settings"], proposed, config)
        config = config if proposed.errors else candidate
    if check.errors:
        return [], check.errors, key, lang
    view = preview.with_templates(shop, config, {key: {lang: text}} if text is not None else {})
    data = preview.sample(session=session, shop=shop, lang=lang)
    built = preview.build(view, flow=flow, template_key=key, lang=lang, data=data, config=config, step=step)
    editor.check_limits(built, check, "text")
    return built, check.errors, key, lang


@bp.post("/flows/<flow>/preview")
@embedded
def flow_preview(shop: Shop, flow: str):
    """Exactly what LINE would show for this (unsaved) text, built by the flow's own code."""
    flow, body = _flow(flow), read_json()
    built, errors, _key, _lang = _built(session=db.session(), shop=shop, flow=flow, body=body)
    if errors:
        return invalid(errors, messages=built)
    return jsonify(ok=True, errors={}, message="", messages=built)


@bp.post("/flows/<flow>/test")
@embedded
def flow_test(shop: Shop, flow: str):
    """Push the preview to one of the shop's LINE friends (captured, not sent, in a dry run)."""
    flow, body = _flow(flow), read_json()
    friend_id = body.get("friend_id")
    if isinstance(friend_id, bool) or not isinstance(friend_id, int):
        check = Checker(language(shop=shop))
        check.fail("friend_id", "friend")
        return invalid(check.errors)
    session = db.session()  # reads only: LINE is never waited on inside a write transaction
    friend = session.get(LineFriend, friend_id)
    if friend is None or friend.shop_id != shop.id:
        abort(404)
    built, errors, _key, _lang = _built(session=session, shop=shop, flow=flow, body=body)
    channel = channels.for_shop(session=session, shop=shop)
    if not errors and (channel is None or channel.disconnected_at is not None or friend.is_blocked):
        check = Checker(language(shop=shop))
        check.fail("friend_id", "blocked" if channel is not None and friend.is_blocked else "no_line")
        errors = check.errors
    if errors:
        return invalid(errors)
    captured: list = []
    try:
        client = channels.client_for(channel, shop=shop, captured=captured)
        client.push(friend.line_user_id, built, retry_key=str(uuid.uuid4()))
    except (LineError, channels.ChannelUnavailable) as exc:
        return jsonify(ok=False, errors={}, message=str(exc)), 502
    if captured:
        write = db.session(write=True)
        channels.store_captured(session=write, shop_id=shop.id, channel_id=channel.id, captured=captured)
        write.commit()
    return jsonify(ok=True, errors={}, message="", dry_run=client.dry_run, messages=built)


@bp.get("/back-in-stock")
@embedded
def back_in_stock(shop: Shop):
    """Requests waiting per variant and the last 30 days' results."""
    session = db.session()
    r = restock.results(session=session, shop=shop)
    return jsonify(
        waiting=[{**vars(w), "oldest": w.oldest.isoformat()} for w in restock.waiting(session=session, shop=shop)],
        results={**vars(r), "revenue": str(r.revenue), "currency": shop.currency},
    )
