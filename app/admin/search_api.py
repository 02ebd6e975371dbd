"""Admin JSON API for product search: keyword rules, synonyms, catalog sync, the chat simulator."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify
from sqlmodel import select

from .. import db
from ..line import commands
from ..line.chat import Chat
from ..line.client import LineClient
from ..models import (
    CatalogSync,
    KeywordRule,
    LineEvent,
    LineFriend,
    Product,
    Shop,
    SynonymGroup,
)
from ..search.normalize import normalize
from ..shopify.auth import embedded
from ..sync.catalog import request_sync
from .http import read_json
from .i18n import language
from .openapi import id_parameter, json_body, json_response

bp = Blueprint("search_api", __name__, url_prefix="/api")

ANSWERS = ("products", "collection", "text")
MESSAGES = {
    "keywords": {
        "ja": "キーワードを1つ以上入力してください（100文字以内）。",
        "en": "Enter at least one keyword (100 characters max).",
    },
    "products": {
        "ja": "ストアにある商品のハンドルか ID を1〜10個入力してください。",
        "en": "Enter 1 to 10 handles or IDs of products in the store.",
    },
    "collection": {"ja": "コレクションのハンドルを入力してください。", "en": "Enter the collection handle."},
    "text": {
        "ja": "返信テキストを入力してください（5,000文字以内）。",
        "en": "Enter the reply text (5,000 characters max).",
    },
    "synonyms": {
        "ja": "各グループに2語以上（各50文字以内）を入力してください。",
        "en": "Each group needs two or more words (50 characters max each).",
    },
}


def _msg(key: str, shop: Shop) -> str:
    lang = language(shop.locale)
    return MESSAGES[key].get(lang) or MESSAGES[key]["ja"]  # the admin's catalogs replace this table


def _words(value) -> list[str]:
    items = value if isinstance(value, list) else str(value or "").replace("、", ",").split(",")
    return [str(w).strip() for w in items if str(w).strip()]


def _product_ids(session, shop: Shop, words: list[str]) -> list[int] | None:
    """Shopify product ids from ids or handles the merchant typed; None if any is unknown."""
    ids = []
    for word in words:
        numeric = word.isascii() and word.isdigit() and len(word) < 19  # "²" is a digit, not a number
        column = Product.shopify_id if numeric else Product.handle
        value = int(word) if numeric else word
        found = session.exec(
            select(Product.shopify_id).where(Product.shop_id == shop.id, column == value, Product.deleted_at.is_(None))
        ).first()
        if found is None:
            return None
        ids.append(found)
    return ids


def validate_rule(session, body: dict, shop: Shop) -> tuple[dict, dict[str, str]]:
    """A rule from the form, or the reasons it cannot be saved (nothing half-saves)."""
    errors, answer = {}, body.get("answer") if body.get("answer") in ANSWERS else "text"
    keywords = _words(body.get("keywords"))
    if not keywords or any(len(k) > 100 for k in keywords) or not all(normalize(k) for k in keywords):
        errors["keywords"] = _msg("keywords", shop)
    ids = _product_ids(session, shop, _words(body.get("product_ids"))) if answer == "products" else []
    if answer == "products" and (ids is None or not 1 <= len(ids) <= 10):
        errors["product_ids"] = _msg("products", shop)
    handle = str(body.get("collection_handle") or "").strip().strip("/").split("/")[-1][:255]
    if answer == "collection" and not handle:
        errors["collection_handle"] = _msg("collection", shop)
    text = str(body.get("text") or "").strip()
    if answer == "text" and not 1 <= len(text) <= 5000:
        errors["text"] = _msg("text", shop)
    rule = {
        "keywords": keywords[:20],
        "match": "exact" if body.get("match") == "exact" else "contains",
        "answer": answer,
        "product_ids": (ids or [])[:10],
        "collection_handle": handle or None,
        "collection_title": str(body.get("collection_title") or "").strip()[:255] or None,
        "text": text or None,
        "enabled": bool(body.get("enabled", True)),
    }
    return rule, errors


def _rule_json(rule: KeywordRule) -> dict:
    return rule.model_dump(mode="json", exclude={"shop_id"})


def _own_rule(session, shop: Shop, rule_id: int) -> KeywordRule:
    rule = session.get(KeywordRule, rule_id)
    if rule is None or rule.shop_id != shop.id:
        abort(404)
    return rule


@bp.get("/keyword-rules")
@embedded
def list_rules(shop: Shop):
    rules = (
        db.session()
        .exec(select(KeywordRule).where(KeywordRule.shop_id == shop.id).order_by(KeywordRule.position, KeywordRule.id))
        .all()
    )
    return jsonify(rules=[_rule_json(r) for r in rules])


@bp.post("/keyword-rules")
@embedded
def create_rule(shop: Shop):
    session = db.session(write=True)
    values, errors = validate_rule(session, read_json(), shop)
    if errors:
        return jsonify(ok=False, errors=errors, message=""), 422
    last = session.exec(
        select(KeywordRule.position).where(KeywordRule.shop_id == shop.id).order_by(KeywordRule.position.desc())
    ).first()
    rule = KeywordRule(shop_id=shop.id, position=(last or 0) + 1, **values)
    session.add(rule)
    session.commit()
    return jsonify(ok=True, rule=_rule_json(rule)), 201


@bp.put("/keyword-rules/<int:rule_id>")
@embedded
def update_rule(shop: Shop, rule_id: int):
    session = db.session(write=True)
    rule = _own_rule(session, shop, rule_id)
    values, errors = validate_rule(session, read_json(), shop)
    if errors:
        return jsonify(ok=False, errors=errors, message=""), 422
    for name, value in values.items():
        setattr(rule, name, value)
    session.add(rule)
    session.commit()
    return jsonify(ok=True, rule=_rule_json(rule))


@bp.delete("/keyword-rules/<int:rule_id>")
@embedded
def delete_rule(shop: Shop, rule_id: int):
    session = db.session(write=True)
    session.delete(_own_rule(session, shop, rule_id))
    session.commit()
    return jsonify(ok=True)


@bp.post("/keyword-rules/<int:rule_id>/move")
@embedded
def move_rule(shop: Shop, rule_id: int):
    """Up or down one place; positions are renumbered 1..n so they stay tidy."""
    direction = -1 if read_json().get("direction") == "up" else 1
    session = db.session(write=True)
    rules = list(
        session.exec(
            select(KeywordRule).where(KeywordRule.shop_id == shop.id).order_by(KeywordRule.position, KeywordRule.id)
        )
    )
    index = next((i for i, r in enumerate(rules) if r.id == rule_id), None)
    if index is None:
        abort(404)
    target = index + direction
    if 0 <= target < len(rules):
        rules[index], rules[target] = rules[target], rules[index]
    for position, rule in enumerate(rules, start=1):
        rule.position = position
        session.add(rule)
    session.commit()
    return jsonify(ok=True, order=[r.id for r in rules])


@bp.put("/synonyms")
@embedded
def save_synonyms(shop: Shop):
    """All groups at once, one group per line, words separated by commas."""
    raw = read_json().get("groups")
    lines = raw if isinstance(raw, list) else str(raw or "").splitlines()
    groups = [_words(line) for line in lines if _words(line)]
    if any(len(g) < 2 or any(len(w) > 50 for w in g) for g in groups) or len(groups) > 200:
        return jsonify(ok=False, errors={"groups": _msg("synonyms", shop)}, message=""), 422
    session = db.session(write=True)
    for old in session.exec(select(SynonymGroup).where(SynonymGroup.shop_id == shop.id)):
        session.delete(old)
    session.add_all(SynonymGroup(shop_id=shop.id, terms=g) for g in groups)
    session.commit()
    return jsonify(ok=True, groups=groups)


@bp.post("/catalog/sync")
@embedded
def sync_catalog(shop: Shop):
    session = db.session(write=True)
    sync = request_sync(session, session.get(Shop, shop.id), "manual")
    session.commit()
    return jsonify(ok=True, sync=sync.model_dump(mode="json", exclude={"shop_id"})), 202


@bp.get("/catalog/sync")
@embedded
def sync_status(shop: Shop):
    sync = (
        db.session()
        .exec(
            select(CatalogSync)
            .where(CatalogSync.shop_id == shop.id)
            .order_by(CatalogSync.started_at.desc(), CatalogSync.id.desc())
        )
        .first()
    )
    return jsonify(sync=sync.model_dump(mode="json", exclude={"shop_id"}) if sync else None)


@bp.post("/chat/simulate")
@embedded
def simulate(shop: Shop):
    """The reply the bot would send to this text — the same message objects — with no
    LINE call, no state change and nothing logged (the transaction is rolled back)."""
    body = read_json()
    text = str(body.get("text") or "")[:5000]
    session = db.session(write=True)
    shop = session.get(Shop, shop.id)
    friend = LineFriend(
        shop_id=shop.id,
        line_user_id="U" + "0" * 32,
        display_name="simulator",
        language="en" if body.get("lang") == "en" else "ja",
    )
    chat = Chat(
        session=session,
        shop=shop,
        channel=None,
        event={"type": "message"},
        friend=friend,
        row=LineEvent(shop_id=shop.id, channel_id=0, webhook_event_id="simulator", type="message"),
        client=LineClient(host="http://simulator.invalid", access_token="-", channel_key="simulator", dry_run=True),
        prefetched={"link_token": "simulator", "profile": None},
    )
    try:
        commands.handle_text(chat, text)
    finally:
        session.rollback()
    return jsonify(messages=chat.replies)


_STR = {"type": "string"}
_WORDS = {
    "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
    "description": "comma-separated (、 too) or a list",
}
_RULE = {
    "type": "object",
    "required": ["id", "keywords", "match", "answer", "product_ids", "enabled", "position"],
    "properties": {
        "id": {"type": "integer"},
        "position": {"type": "integer"},
        "keywords": {"type": "array", "items": _STR},
        "match": {"type": "string", "enum": ["exact", "contains"]},
        "answer": {"type": "string", "enum": list(ANSWERS)},
        "product_ids": {"type": "array", "items": {"type": "integer"}},
        "collection_handle": {"type": "string", "nullable": True},
        "collection_title": {"type": "string", "nullable": True},
        "text": {"type": "string", "nullable": True},
        "enabled": {"type": "boolean"},
    },
}
_RULE_INPUT = {
    "type": "object",
    "properties": {
        "keywords": _WORDS,
        "match": {"type": "string", "enum": ["exact", "contains"]},
        "answer": {"type": "string", "enum": list(ANSWERS)},
        "product_ids": _WORDS,
        "collection_handle": _STR,
        "collection_title": _STR,
        "text": _STR,
        "enabled": {"type": "boolean"},
    },
}
_SAVED_RULE = {"type": "object", "required": ["ok", "rule"], "properties": {"ok": {"type": "boolean"}, "rule": _RULE}}
_SYNC = {
    "type": "object",
    "required": ["id", "status", "trigger"],
    "properties": {
        "id": {"type": "integer"},
        "trigger": _STR,
        "status": {"type": "string", "enum": ["pending", "running", "importing", "completed", "failed"]},
        "total": {"type": "integer", "nullable": True},
        "done": {"type": "integer"},
    },
}
_RULE_ID = [id_parameter("rule_id")]
_INVALID = {"$ref": "#/components/responses/ValidationFailed"}
OPENAPI_PATHS = {
    "/api/keyword-rules": {
        "get": {
            "summary": "Keyword rules, in the order they are tried",
            "responses": {
                "200": json_response(
                    "Rules",
                    {
                        "type": "object",
                        "required": ["rules"],
                        "properties": {"rules": {"type": "array", "items": _RULE}},
                    },
                )
            },
        },
        "post": {
            "summary": "Add a rule at the end",
            "requestBody": json_body(_RULE_INPUT),
            "responses": {"201": json_response("Created", _SAVED_RULE), "422": _INVALID},
        },
    },
    "/api/keyword-rules/{rule_id}": {
        "parameters": _RULE_ID,
        "put": {
            "summary": "Replace a rule",
            "requestBody": json_body(_RULE_INPUT),
            "responses": {"200": json_response("Saved", _SAVED_RULE), "422": _INVALID},
        },
        "delete": {
            "summary": "Delete a rule",
            "responses": {"200": json_response("Deleted", {"$ref": "#/components/schemas/Ok"})},
        },
    },
    "/api/keyword-rules/{rule_id}/move": {
        "parameters": _RULE_ID,
        "post": {
            "summary": "Move a rule up or down one place",
            "requestBody": json_body(
                {"type": "object", "properties": {"direction": {"type": "string", "enum": ["up", "down"]}}}
            ),
            "responses": {
                "200": json_response(
                    "New order",
                    {
                        "type": "object",
                        "required": ["ok", "order"],
                        "properties": {
                            "ok": {"type": "boolean"},
                            "order": {"type": "array", "items": {"type": "integer"}},
                        },
                    },
                )
            },
        },
    },
    "/api/synonyms": {
        "put": {
            "summary": "Replace all synonym groups (one group per line or list item)",
            "requestBody": json_body(
                {"type": "object", "properties": {"groups": {"oneOf": [_STR, {"type": "array", "items": _WORDS}]}}}
            ),
            "responses": {
                "200": json_response(
                    "Saved",
                    {
                        "type": "object",
                        "required": ["ok", "groups"],
                        "properties": {
                            "ok": {"type": "boolean"},
                            "groups": {"type": "array", "items": {"type": "array", "items": _STR}},
                        },
                    },
                ),
                "422": _INVALID,
            },
        }
    },
    "/api/catalog/sync": {
        "post": {
            "summary": "Start a full catalog sync (or answer the one under way)",
            "responses": {
                "202": json_response(
                    "Requested",
                    {
                        "type": "object",
                        "required": ["ok", "sync"],
                        "properties": {"ok": {"type": "boolean"}, "sync": _SYNC},
                    },
                )
            },
        },
        "get": {
            "summary": "The latest catalog sync",
            "responses": {
                "200": json_response(
                    "Latest",
                    {"type": "object", "required": ["sync"], "properties": {"sync": {**_SYNC, "nullable": True}}},
                )
            },
        },
    },
    "/api/chat/simulate": {
        "post": {
            "summary": "The reply the bot would send to a text (nothing is sent, changed or logged)",
            "requestBody": json_body(
                {"type": "object", "properties": {"text": _STR, "lang": {"type": "string", "enum": ["ja", "en"]}}}
            ),
            "responses": {
                "200": json_response(
                    "LINE message objects",
                    {
                        "type": "object",
                        "required": ["messages"],
                        "properties": {"messages": {"type": "array", "items": {"type": "object"}}},
                    },
                )
            },
        }
    },
}
