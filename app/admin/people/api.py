"""Customers and messages: the admin JSON API (session token, scoped to its shop). All of
/api/customers lives here: search, one customer, and linking a LINE friend by hand.
Another shop's id, or one that does not exist, is the same 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, request

from ... import db
from ...i18n import language, t
from ...line import customer_links
from ...models import Customer, LineFriend, Shop
from ...shopify.auth import embedded
from ..http import invalid, read_json
from ..schemas import MAX_ID  # a bigint: a larger id is not a row, not a database error
from . import customers as cq
from . import messages as mq
from .detail import customer_detail

bp = Blueprint("people_api", __name__, url_prefix="/api")
MAX_QUERY = 100


def _cursor_id(value: str, lang: str) -> tuple[int | None, dict[str, str]]:
    if not value:
        return None, {}
    if not value.isdigit() or len(value) > 18:
        return None, {"cursor": t("admin.people.msg.bad_cursor", lang)}
    return int(value), {}


@bp.get("/customers")
@embedded
def customers(shop: Shop):
    lang = language(shop=shop)
    q = request.args.get("q", "").strip()
    cursor, errors = _cursor_id(request.args.get("cursor", "").strip(), lang)
    if len(q) > MAX_QUERY:
        errors["q"] = t("admin.people.msg.bad_query", lang)
    if errors:
        return invalid(errors)
    page = cq.search_customers(session=db.session(), shop=shop, q=q, cursor=cursor)
    return jsonify(customers=page.rows, next_cursor=page.next_cursor)


@bp.get("/customers/<int(signed=True):customer_id>")
@embedded
def customer(shop: Shop, customer_id: int):
    if not 0 < customer_id <= MAX_ID:
        abort(404)
    found = customer_detail(session=db.session(), shop=shop, customer_id=customer_id, lang=language(shop=shop))
    if found is None:
        abort(404)
    return jsonify(customer=found)


def _staff() -> str:
    return f"staff:{g.get('staff_user_id') or 'local'}"


def _customer_and_friend(*, session, shop: Shop, customer_id: int, friend_id: int | None):
    customer = session.get(Customer, customer_id)
    if customer is None or customer.shop_id != shop.id:
        abort(404)
    friend = (
        session.get(LineFriend, friend_id)
        if friend_id is not None
        else customer_links.linked_friend(session=session, shop=shop, customer=customer)
    )
    if friend_id is not None and (friend is None or friend.shop_id != shop.id):
        abort(404)
    return customer, friend


@bp.post("/customers/<int:customer_id>/line-link")
@embedded
def link_customer(shop: Shop, customer_id: int):
    friend_id = read_json().get("friend_id")
    if not isinstance(friend_id, int):
        return invalid({"friend_id": t("admin.people.msg.bad_friend", language(shop=shop))})
    session = db.session(write=True)
    customer, friend = _customer_and_friend(session=session, shop=shop, customer_id=customer_id, friend_id=friend_id)
    action = customer_links.link(
        session=session, shop=shop, friend=friend, customer=customer, method="merchant", actor=_staff()
    )
    session.commit()
    return jsonify(ok=True, action=action, friend_id=friend.id, customer_id=customer.id)


@bp.delete("/customers/<int:customer_id>/line-link")
@embedded
def unlink_customer(shop: Shop, customer_id: int):
    session = db.session(write=True)
    customer, friend = _customer_and_friend(session=session, shop=shop, customer_id=customer_id, friend_id=None)
    changed = friend is not None and customer_links.unlink(
        session=session, shop=shop, friend=friend, method="merchant", actor=_staff()
    )
    session.commit()
    return jsonify(ok=True, unlinked=bool(changed))


@bp.get("/line-friends")
@embedded
def line_friends(shop: Shop):
    q = request.args.get("q", "").strip()
    if len(q) > MAX_QUERY:
        return invalid({"q": t("admin.people.msg.bad_query", language(shop=shop))})
    return jsonify(friends=cq.unlinked_friends(session=db.session(), shop=shop, q=q))


@bp.get("/messages")
@embedded
def messages(shop: Shop):
    lang = language(shop=shop)
    filters, errors = mq.parse_filters(request.args, lang)
    if errors:
        return invalid(errors)
    page = mq.messages_page(session=db.session(), shop=shop, filters=filters, lang=lang)
    return jsonify(messages=page.rows, next_cursor=page.next_cursor)


def _change_message(shop: Shop, notification_id: str, change, refusal: str):
    read_json()  # JSON bodies only: a cross-site form cannot post one
    session = db.session(write=True)
    row = mq.find_message(session=session, shop=shop, text_id=notification_id)
    if row is None:
        abort(404)
    lang = language(shop=shop)
    if not change(session=session, shop=shop, row=row):
        session.rollback()
        text = t(f"admin.people.msg.{refusal}", lang)
        return invalid({"status": text}, status=409, message=text)
    session.commit()
    session.refresh(row)
    [answer] = mq.message_rows(session=session, shop=shop, rows=[row], lang=lang)
    return jsonify(ok=True, message=answer)


@bp.post("/messages/<notification_id>/cancel")
@embedded
def cancel_message(shop: Shop, notification_id: str):
    return _change_message(shop, notification_id, mq.cancel_message, "not_cancellable")


@bp.post("/messages/<notification_id>/retry")
@embedded
def retry_message(shop: Shop, notification_id: str):
    return _change_message(shop, notification_id, mq.retry_message, "not_retryable")


@bp.post("/webhook-events/<int(signed=True):event_id>/retry")
@embedded
def retry_webhook_event(shop: Shop, event_id: int):
    read_json()
    if not 0 < event_id <= MAX_ID:
        abort(404)
    session = db.session(write=True)
    event = mq.retry_webhook(session=session, shop=shop, event_id=event_id)
    if event is None:
        abort(404)
    if event is False:
        text = t("admin.people.msg.webhook_not_failed", language(shop=shop))
        return invalid({"status": text}, status=409, message=text)
    session.commit()
    return jsonify(ok=True, event=mq.webhook_json(shop, event))
