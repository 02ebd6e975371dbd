"""Settings → LINE as JSON (session token, scoped to its shop): connect the LINE Official
Account, test its webhook, disconnect, and the greeting texts, coupon code and English
replies."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify

from ... import db
from ...ext import settings
from ...i18n import language, t
from ...line import connect
from ...line import texts as line_texts
from ...line.connect import Outcome
from ...models import Shop
from ...shopify.auth import embedded
from ..http import invalid, read_json

bp = Blueprint("settings_api", __name__, url_prefix="/api")

EDITABLE_TEXTS = ("greeting", "welcome_back")
MAX_TEXT, MAX_COUPON = 2000, 50


def _answer(outcome: Outcome):
    return jsonify(ok=outcome.ok, errors=outcome.errors, message=outcome.message), 200 if outcome.ok else 422


@bp.post("/line/connect")
@embedded
def line_connect(shop: Shop):
    lang = language(shop=shop)
    if settings().demo_mode:  # the demo's LINE is a dry run: a real channel has no place there
        return invalid({}, message=t("admin.settings.err.demo_mode", lang))
    form = read_json()
    return _answer(connect.connect(session=db.session(write=True), shop=shop, form=form, lang=lang))


@bp.post("/line/test")
@embedded
def line_test(shop: Shop):
    outcome = None
    if not settings().demo_mode:
        outcome = connect.retest(session=db.session(write=True), shop=shop, lang=language(shop=shop))
    if outcome is None:
        abort(404)
    return _answer(outcome)


@bp.post("/line/disconnect")
@embedded
def line_disconnect(shop: Shop):
    return jsonify(ok=connect.disconnect(session=db.session(write=True), shop=shop))


def _text_errors(body: dict, lang: str) -> tuple[dict[str, str], dict[str, str]]:
    """(texts, errors) for the editable greeting texts."""
    errors, saved = {}, {}
    for key in EDITABLE_TEXTS:
        value = str(body.get(key) or "").strip()
        if len(value) > MAX_TEXT:
            errors[key] = t("admin.settings.err.too_long", lang, n=f"{MAX_TEXT:,}")
        elif not line_texts.well_formed(value):
            errors[key] = t("admin.settings.err.braces", lang)
        saved[key] = value
    return saved, errors


@bp.put("/line/texts")
@embedded
def line_texts_save(shop: Shop):
    """Greeting texts, a friends-only coupon code, and whether English speakers get English."""
    body, lang = read_json(), language(shop=shop)
    saved, errors = _text_errors(body, lang)
    coupon = str(body.get("coupon_code") or "").strip()
    if len(coupon) > MAX_COUPON:
        errors["coupon_code"] = t("admin.settings.err.too_long", lang, n=f"{MAX_COUPON:,}")
    if errors:  # nothing half-saves
        return invalid(errors)
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
