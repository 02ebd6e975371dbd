"""The admin's JSON API: session-token authenticated, always scoped to the token's shop."""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, request
from sqlmodel import select

from .. import db
from ..ext import settings, vault
from ..line import connect, links
from ..line import texts as line_texts
from ..line.client import LineClient
from ..line.connect import Outcome
from ..models import Customer, LineChannel, LineFriend, Shop
from ..shopify.auth import embedded
from .i18n import language

bp = Blueprint("admin_api", __name__, url_prefix="/api")

EDITABLE_TEXTS = ("greeting", "welcome_back")


def _json() -> dict:
    """JSON bodies only: a cross-site form post cannot send one without CORS approval."""
    if not request.is_json:
        abort(415)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400)
    return body


def _staff() -> str:
    return f"staff:{g.get('staff_user_id') or 'demo'}"


def _answer(outcome: Outcome):
    return jsonify(ok=outcome.ok, errors=outcome.errors, message=outcome.message), 200 if outcome.ok else 422


@bp.post("/line/connect")
@embedded
def line_connect(shop: Shop):
    if shop.is_demo:
        return jsonify(ok=False, errors={}, message="デモストアでは LINE に接続できません。"), 422
    session = db.session(write=True)
    return _answer(connect.connect(session, shop=session.merge(shop), form=_json(), lang=language(shop.locale)))


@bp.post("/line/test")
@embedded
def line_test(shop: Shop):
    session = db.session(write=True)
    channel = session.exec(select(LineChannel).where(LineChannel.shop_id == shop.id)).first()
    if channel is None or channel.disconnected_at is not None or shop.is_demo:
        abort(404)
    client = LineClient(host=settings().line_api_base, access_token=vault().decrypt(channel.access_token_enc) or "",
                        channel_key=str(channel.id))
    outcome = connect.test_webhook(session, channel=channel, client=client, lang=language(shop.locale))
    session.commit()
    return _answer(outcome)


@bp.post("/line/disconnect")
@embedded
def line_disconnect(shop: Shop):
    return jsonify(ok=connect.disconnect(db.session(write=True), shop=shop))


@bp.put("/line/texts")
@embedded
def line_texts_save(shop: Shop):
    """Greeting texts, a friends-only coupon code, and whether English speakers get English."""
    body, lang = _json(), language(shop.locale)
    errors = {}
    saved = {}
    for key in EDITABLE_TEXTS:
        value = str(body.get(key) or "").strip()
        if len(value) > 2000:
            errors[key] = "2,000 文字以内で入力してください。" if lang == "ja" else "2,000 characters at most."
        saved[key] = value
    coupon = str(body.get("coupon_code") or "").strip()
    if len(coupon) > 50:
        errors["coupon_code"] = "50 文字以内で入力してください。" if lang == "ja" else "50 characters at most."
    if errors:  # nothing half-saves
        return jsonify(ok=False, errors=errors, message=""), 422
    session = db.session(write=True)
    stored = session.get(Shop, shop.id)
    current = dict(stored.settings or {})
    custom = dict(current.get("line_texts") or {})
    for key, value in saved.items():
        custom[key] = {**custom.get(key, {}), "ja": value} if value else {k: v for k, v in custom.get(key, {}).items() if k != "ja"}
    current.update(line_texts=custom, line_coupon_code=coupon or None, line_english=bool(body.get("english", True)))
    stored.settings = current
    session.add(stored)
    session.commit()
    return jsonify(ok=True, errors={}, message="", preview=line_texts.text(stored, "greeting", "ja"))


def _customer_and_friend(session, shop: Shop, customer_id: int, friend_id: int | None):
    customer = session.get(Customer, customer_id)
    if customer is None or customer.shop_id != shop.id:
        abort(404)
    friend = session.get(LineFriend, friend_id) if friend_id is not None else links.linked_friend(session, shop, customer)
    if friend_id is not None and (friend is None or friend.shop_id != shop.id):
        abort(404)
    return customer, friend


@bp.post("/customers/<int:customer_id>/line-link")
@embedded
def link_customer(shop: Shop, customer_id: int):
    friend_id = _json().get("friend_id")
    if not isinstance(friend_id, int):
        return jsonify(ok=False, errors={"friend_id": "required"}, message=""), 422
    session = db.session(write=True)
    customer, friend = _customer_and_friend(session, shop, customer_id, friend_id)
    action = links.link(session, shop=shop, friend=friend, customer=customer, method="merchant",
                        actor=_staff())
    session.commit()
    return jsonify(ok=True, action=action, friend_id=friend.id, customer_id=customer.id)


@bp.delete("/customers/<int:customer_id>/line-link")
@embedded
def unlink_customer(shop: Shop, customer_id: int):
    session = db.session(write=True)
    customer, friend = _customer_and_friend(session, shop, customer_id, None)
    changed = friend is not None and links.unlink(session, shop=shop, friend=friend, method="merchant", actor=_staff())
    session.commit()
    return jsonify(ok=True, unlinked=bool(changed))
