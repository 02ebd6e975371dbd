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
from .api import _json
from .i18n import language

bp = Blueprint("search_api", __name__, url_prefix="/api")

ANSWERS = ("products", "collection", "text")
MESSAGES = {
    "keywords": {"ja": "キーワードを1つ以上入力してください（100文字以内）。", "en": "Enter at least one keyword (100 characters max)."},
    "products": {"ja": "ストアにある商品のハンドルか ID を1〜10個入力してください。",
                 "en": "Enter 1 to 10 handles or IDs of products in the store."},
    "collection": {"ja": "コレクションのハンドルを入力してください。", "en": "Enter the collection handle."},
    "text": {"ja": "返信テキストを入力してください（5,000文字以内）。", "en": "Enter the reply text (5,000 characters max)."},
    "synonyms": {"ja": "各グループに2語以上（各50文字以内）を入力してください。",
                 "en": "Each group needs two or more words (50 characters max each)."},
}


def _msg(key: str, shop: Shop) -> str:
    lang = language(shop.locale)
    return MESSAGES[key].get(lang, MESSAGES[key]["ja"])


def _words(value) -> list[str]:
    items = value if isinstance(value, list) else str(value or "").replace("、", ",").split(",")
    return [str(w).strip() for w in items if str(w).strip()]


def _product_ids(session, shop: Shop, words: list[str]) -> list[int] | None:
    """Shopify product ids from ids or handles the merchant typed; None if any is unknown."""
    ids = []
    for word in words:
        column = Product.shopify_id if word.isdigit() else Product.handle
        value = int(word) if word.isdigit() else word
        found = session.exec(select(Product.shopify_id).where(Product.shop_id == shop.id, column == value,
                                                              Product.deleted_at.is_(None))).first()
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
    rule = {"keywords": keywords[:20], "match": "exact" if body.get("match") == "exact" else "contains",
            "answer": answer, "product_ids": (ids or [])[:10], "collection_handle": handle or None,
            "collection_title": str(body.get("collection_title") or "").strip()[:255] or None,
            "text": text or None, "enabled": bool(body.get("enabled", True))}
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
    rules = db.session().exec(select(KeywordRule).where(KeywordRule.shop_id == shop.id)
                              .order_by(KeywordRule.position, KeywordRule.id)).all()
    return jsonify(rules=[_rule_json(r) for r in rules])


@bp.post("/keyword-rules")
@embedded
def create_rule(shop: Shop):
    session = db.session(write=True)
    values, errors = validate_rule(session, _json(), shop)
    if errors:
        return jsonify(ok=False, errors=errors, message=""), 422
    last = session.exec(select(KeywordRule.position).where(KeywordRule.shop_id == shop.id)
                        .order_by(KeywordRule.position.desc())).first()
    rule = KeywordRule(shop_id=shop.id, position=(last or 0) + 1, **values)
    session.add(rule)
    session.commit()
    return jsonify(ok=True, rule=_rule_json(rule)), 201


@bp.put("/keyword-rules/<int:rule_id>")
@embedded
def update_rule(shop: Shop, rule_id: int):
    session = db.session(write=True)
    rule = _own_rule(session, shop, rule_id)
    values, errors = validate_rule(session, _json(), shop)
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
    direction = -1 if _json().get("direction") == "up" else 1
    session = db.session(write=True)
    rules = list(session.exec(select(KeywordRule).where(KeywordRule.shop_id == shop.id)
                              .order_by(KeywordRule.position, KeywordRule.id)))
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
    raw = _json().get("groups")
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
    sync = db.session().exec(select(CatalogSync).where(CatalogSync.shop_id == shop.id)
                             .order_by(CatalogSync.started_at.desc(), CatalogSync.id.desc())).first()
    return jsonify(sync=sync.model_dump(mode="json", exclude={"shop_id"}) if sync else None)


@bp.post("/chat/simulate")
@embedded
def simulate(shop: Shop):
    """The reply the bot would send to this text — the same message objects — with no
    LINE call, no state change and nothing logged (the transaction is rolled back)."""
    body = _json()
    text = str(body.get("text") or "")[:5000]
    session = db.session(write=True)
    shop = session.get(Shop, shop.id)
    friend = LineFriend(shop_id=shop.id, line_user_id="U" + "0" * 32, display_name="simulator",
                        language="en" if body.get("lang") == "en" else "ja")
    chat = Chat(session=session, shop=shop, channel=None, event={"type": "message"}, friend=friend,
                row=LineEvent(shop_id=shop.id, channel_id=0, webhook_event_id="simulator", type="message"),
                client=LineClient(host="http://simulator.invalid", access_token="-", channel_key="simulator",
                                  dry_run=True),
                prefetched={"link_token": "simulator", "profile": None})
    try:
        commands.handle_text(chat, text)
    finally:
        session.rollback()
    return jsonify(messages=chat.replies)
