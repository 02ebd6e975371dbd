"""Customers and messages: the admin JSON API (session token, scoped to its shop).

Linking by hand stays in api.py (POST/DELETE /api/customers/<id>/line-link); the pages
call it. Another shop's id, or one that does not exist, is the same 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from werkzeug.exceptions import HTTPException

from .. import db
from ..models import Shop
from ..shopify.auth import embedded
from . import messages_queries as mq
from . import people_queries as pq
from .http import read_json
from .i18n import language, translate
from .people_openapi import OPENAPI_PATHS  # noqa: F401 (the spec of this module, assembled elsewhere)

bp = Blueprint("people_api", __name__, url_prefix="/api")
MAX_QUERY = 100
MAX_ID = 2**63  # a bigint: a larger id is not a row, not a database error


@bp.errorhandler(HTTPException)
def _json_error(exc: HTTPException):
    """JSON only, errors too: the pages' scripts and API clients read the same shape."""
    return jsonify(ok=False, errors={}, message=exc.name), exc.code


def _invalid(errors: dict[str, str]):
    return jsonify(ok=False, errors=errors, message=""), 422


def _cursor_id(value: str, lang: str) -> tuple[int | None, dict[str, str]]:
    if not value:
        return None, {}
    if not value.isdigit() or len(value) > 18:
        return None, {"cursor": translate("msg.bad_cursor", lang)}
    return int(value), {}


@bp.get("/customers")
@embedded
def customers(shop: Shop):
    lang = language(shop.locale)
    q = request.args.get("q", "").strip()
    cursor, errors = _cursor_id(request.args.get("cursor", "").strip(), lang)
    if len(q) > MAX_QUERY:
        errors["q"] = translate("msg.bad_query", lang)
    if errors:
        return _invalid(errors)
    page = pq.search_customers(session=db.session(), shop=shop, q=q, cursor=cursor)
    return jsonify(customers=page.rows, next_cursor=page.next_cursor)


@bp.get("/customers/<int(signed=True):customer_id>")
@embedded
def customer(shop: Shop, customer_id: int):
    if not 0 < customer_id < MAX_ID:
        abort(404)
    found = pq.customer_detail(session=db.session(), shop=shop, customer_id=customer_id, lang=language(shop.locale))
    if found is None:
        abort(404)
    return jsonify(customer=found)


@bp.get("/line-friends")
@embedded
def line_friends(shop: Shop):
    q = request.args.get("q", "").strip()
    if len(q) > MAX_QUERY:
        return _invalid({"q": translate("msg.bad_query", language(shop.locale))})
    return jsonify(friends=pq.unlinked_friends(session=db.session(), shop=shop, q=q))


@bp.get("/messages")
@embedded
def messages(shop: Shop):
    lang = language(shop.locale)
    filters, errors = mq.parse_filters(request.args, lang)
    if errors:
        return _invalid(errors)
    page = mq.messages_page(session=db.session(), shop=shop, filters=filters, lang=lang)
    return jsonify(messages=page.rows, next_cursor=page.next_cursor)


def _change_message(shop: Shop, notification_id: str, change, refusal: str):
    read_json()  # JSON bodies only: a cross-site form cannot post one
    session = db.session(write=True)
    row = mq.find_message(session, shop, notification_id)
    if row is None:
        abort(404)
    lang = language(shop.locale)
    if not change(session, shop, row):
        session.rollback()
        return jsonify(ok=False, errors={"status": translate(refusal, lang)}, message=translate(refusal, lang)), 409
    session.commit()
    session.refresh(row)
    [answer] = mq.message_rows(session=session, shop=shop, rows=[row], lang=lang)
    return jsonify(ok=True, message=answer)


@bp.post("/messages/<notification_id>/cancel")
@embedded
def cancel_message(shop: Shop, notification_id: str):
    return _change_message(shop, notification_id, mq.cancel_message, "msg.not_cancellable")


@bp.post("/messages/<notification_id>/retry")
@embedded
def retry_message(shop: Shop, notification_id: str):
    return _change_message(shop, notification_id, mq.retry_message, "msg.not_retryable")


@bp.post("/webhook-events/<int(signed=True):event_id>/retry")
@embedded
def retry_webhook_event(shop: Shop, event_id: int):
    read_json()
    if not 0 < event_id < MAX_ID:
        abort(404)
    session = db.session(write=True)
    event = mq.retry_webhook(session, shop, event_id)
    if event is None:
        abort(404)
    if event is False:
        text = translate("msg.webhook_not_failed", language(shop.locale))
        return jsonify(ok=False, errors={"status": text}, message=text), 409
    session.commit()
    return jsonify(ok=True, event=mq.webhook_json(shop, event))
