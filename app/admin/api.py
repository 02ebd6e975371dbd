"""The admin's JSON API: session-token authenticated, always scoped to the token's shop."""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify
from sqlmodel import select

from .. import db
from ..ext import settings, vault
from ..line import connect, links
from ..line import texts as line_texts
from ..line.client import LineClient
from ..line.connect import Outcome
from ..models import Customer, LineChannel, LineFriend, Shop
from ..shopify.auth import embedded
from .http import read_json
from .i18n import language
from .openapi import MAX_ID, id_parameter, json_body, json_response

bp = Blueprint("admin_api", __name__, url_prefix="/api")

EDITABLE_TEXTS = ("greeting", "welcome_back")


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
    return _answer(connect.connect(session, shop=session.merge(shop), form=read_json(), lang=language(shop.locale)))


@bp.post("/line/test")
@embedded
def line_test(shop: Shop):
    session = db.session(write=True)
    channel = session.exec(select(LineChannel).where(LineChannel.shop_id == shop.id)).first()
    if channel is None or channel.disconnected_at is not None or shop.is_demo:
        abort(404)
    client = LineClient(
        host=settings().line_api_base,
        access_token=vault().decrypt(channel.access_token_enc) or "",
        channel_key=str(channel.id),
    )
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
    body, lang = read_json(), language(shop.locale)
    errors = {}
    saved = {}
    for key in EDITABLE_TEXTS:
        value = str(body.get(key) or "").strip()
        if len(value) > 2000:
            errors[key] = "2,000 文字以内で入力してください。" if lang == "ja" else "2,000 characters at most."
        elif not line_texts.well_formed(value):
            errors[key] = (
                "{ と } の対応が正しくありません（文字として使うときは {{ と }}）。"
                if lang == "ja"
                else "Unbalanced { or } (write {{ and }} for the characters themselves)."
            )
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
        custom[key] = (
            {**custom.get(key, {}), "ja": value}
            if value
            else {k: v for k, v in custom.get(key, {}).items() if k != "ja"}
        )
    current.update(line_texts=custom, line_coupon_code=coupon or None, line_english=bool(body.get("english", True)))
    stored.settings = current
    session.add(stored)
    session.commit()
    return jsonify(ok=True, errors={}, message="", preview=line_texts.text(stored, "greeting", "ja"))


def _customer_and_friend(session, shop: Shop, customer_id: int, friend_id: int | None):
    customer = session.get(Customer, customer_id)
    if customer is None or customer.shop_id != shop.id:
        abort(404)
    friend = (
        session.get(LineFriend, friend_id) if friend_id is not None else links.linked_friend(session, shop, customer)
    )
    if friend_id is not None and (friend is None or friend.shop_id != shop.id):
        abort(404)
    return customer, friend


@bp.post("/customers/<int:customer_id>/line-link")
@embedded
def link_customer(shop: Shop, customer_id: int):
    friend_id = read_json().get("friend_id")
    if not isinstance(friend_id, int):
        return jsonify(ok=False, errors={"friend_id": "required"}, message=""), 422
    session = db.session(write=True)
    customer, friend = _customer_and_friend(session, shop, customer_id, friend_id)
    action = links.link(session, shop=shop, friend=friend, customer=customer, method="merchant", actor=_staff())
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


_OUTCOME = {"$ref": "#/components/schemas/Outcome"}
_VALIDATION = {"$ref": "#/components/responses/ValidationFailed"}
_STRING = {"type": "string"}
OPENAPI_PATHS = {
    "/api/line/connect": {
        "post": {
            "summary": "Connect the shop's LINE Official Account (checked against LINE before saving)",
            "requestBody": json_body(
                {
                    "type": "object",
                    "properties": {
                        "channel_secret": _STRING,
                        "access_token": _STRING,
                        "login_channel_id": _STRING,
                        "login_channel_secret": _STRING,
                    },
                }
            ),
            "responses": {"200": json_response("Connected", _OUTCOME), "422": _VALIDATION},
        }
    },
    "/api/line/test": {
        "post": {
            "summary": "Ask LINE to call the webhook once and report what happened",
            "responses": {
                "200": json_response("Webhook answered", _OUTCOME),
                "404": {"$ref": "#/components/responses/NotFound"},
                "422": json_response("LINE could not reach the webhook", _OUTCOME),
            },
        }
    },
    "/api/line/disconnect": {
        "post": {
            "summary": "Forget the channel's secrets and stop sending (friends and links stay)",
            "responses": {
                "200": json_response(
                    "Done; ok is false when nothing was connected", {"$ref": "#/components/schemas/Ok"}
                )
            },
        }
    },
    "/api/line/texts": {
        "put": {
            "summary": "Greeting texts, the friends-only coupon code and English replies",
            "requestBody": json_body(
                {
                    "type": "object",
                    "properties": {
                        "greeting": _STRING,
                        "welcome_back": _STRING,
                        "coupon_code": _STRING,
                        "english": {"type": "boolean"},
                    },
                }
            ),
            "responses": {
                "200": json_response(
                    "Saved",
                    {
                        "allOf": [
                            _OUTCOME,
                            {"type": "object", "required": ["preview"], "properties": {"preview": _STRING}},
                        ]
                    },
                ),
                "422": _VALIDATION,
            },
        }
    },
    "/api/customers/{customer_id}/line-link": {
        "parameters": [id_parameter("customer_id")],
        "post": {
            "summary": "Link a LINE friend of this shop to the customer",
            "requestBody": json_body(
                {
                    "type": "object",
                    "required": ["friend_id"],
                    "properties": {"friend_id": {"type": "integer", "minimum": 0, "maximum": MAX_ID}},
                }
            ),
            "responses": {
                "200": json_response(
                    "Linked",
                    {
                        "type": "object",
                        "required": ["ok", "action"],
                        "properties": {
                            "ok": {"type": "boolean"},
                            "action": {"type": "string", "enum": ["link", "relink", "unchanged"]},
                            "friend_id": {"type": "integer"},
                            "customer_id": {"type": "integer"},
                        },
                    },
                ),
                "422": _VALIDATION,
            },
        },
        "delete": {
            "summary": "Remove the customer's LINE link, if any",
            "responses": {
                "200": json_response(
                    "Done",
                    {
                        "type": "object",
                        "required": ["ok", "unlinked"],
                        "properties": {"ok": {"type": "boolean"}, "unlinked": {"type": "boolean"}},
                    },
                )
            },
        },
    },
}
