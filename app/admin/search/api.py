"""Admin JSON API for product search: keyword rules, synonyms, catalog sync, the chat simulator."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify
from sqlmodel import select, update

from ... import db
from ...i18n import DEFAULT_LANGUAGE, LANGUAGES, language, t
from ...line import commands
from ...line.chat import Chat
from ...line.client import LineClient
from ...models import CatalogSync, KeywordRule, LineEvent, LineFriend, Shop, SynonymGroup
from ...models.shop import new_synonyms_stamp
from ...shopify.auth import embedded
from ...sync.catalog import request_sync
from ...sync.policies import request_policies
from ...timeutil import utcnow
from ..http import invalid, read_json
from .questions import questions_json, save_questions, validate_questions
from .rules import message, validate_rule, words

bp = Blueprint("search_api", __name__, url_prefix="/api")


def _rule_json(rule: KeywordRule) -> dict:
    return rule.model_dump(mode="json", exclude={"shop_id"})


def _own_rule(*, session, shop: Shop, rule_id: int) -> KeywordRule:
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
    values, errors = validate_rule(session=session, body=read_json(), shop=shop)
    if errors:
        return invalid(errors)
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
    rule = _own_rule(session=session, shop=shop, rule_id=rule_id)
    values, errors = validate_rule(session=session, body=read_json(), shop=shop)
    if errors:
        return invalid(errors)
    for name, value in values.items():
        setattr(rule, name, value)
    session.add(rule)
    session.commit()
    return jsonify(ok=True, rule=_rule_json(rule))


@bp.delete("/keyword-rules/<int:rule_id>")
@embedded
def delete_rule(shop: Shop, rule_id: int):
    session = db.session(write=True)
    session.delete(_own_rule(session=session, shop=shop, rule_id=rule_id))
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
    groups = [words(line) for line in lines if words(line)]
    if any(len(g) < 2 or any(len(w) > 50 for w in g) for g in groups) or len(groups) > 200:
        return invalid({"groups": message("synonyms", shop)})
    session = db.session(write=True)
    for old in session.exec(select(SynonymGroup).where(SynonymGroup.shop_id == shop.id)):
        session.delete(old)
    session.add_all(SynonymGroup(shop_id=shop.id, terms=g) for g in groups)
    # a new stamp: every process's search reads the new groups (search/synonyms.py)
    session.execute(update(Shop).where(Shop.id == shop.id).values(synonyms_stamp=new_synonyms_stamp()))
    session.commit()
    return jsonify(ok=True, groups=groups)


@bp.get("/store-questions")
@embedded
def list_questions(shop: Shop):
    return jsonify(questions=questions_json(session=db.session(), shop=shop))


@bp.put("/store-questions")
@embedded
def save_store_questions(shop: Shop):
    """The five store questions' keywords, fixed texts and switches, checked whole."""
    session = db.session(write=True)
    shop = session.get(Shop, shop.id)
    saved, errors = validate_questions(body=read_json(), shop=shop)
    if errors:
        return invalid(errors)
    save_questions(shop=shop, saved=saved)
    session.add(shop)
    session.commit()
    return jsonify(ok=True, questions=questions_json(session=session, shop=shop))


@bp.post("/shop-policies/refresh")
@embedded
def refresh_shop_policies(shop: Shop):
    """Have the worker read the shop's policies from Shopify again (within seconds)."""
    session = db.session(write=True)
    request_policies(shop=session.get(Shop, shop.id), now=utcnow())
    session.commit()
    return jsonify(ok=True, message=t("admin.search.questions.refreshed", language(shop=shop))), 202


@bp.post("/catalog/sync")
@embedded
def sync_catalog(shop: Shop):
    session = db.session(write=True)
    sync = request_sync(session=session, shop=session.get(Shop, shop.id), trigger="manual")
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
        language=body.get("lang") if body.get("lang") in LANGUAGES else DEFAULT_LANGUAGE,  # the shopper's LINE
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
