"""Admin JSON API for rich menus: list, create (one menu or a 2–3 tab set), read (with its
image for the preview), a live preview of a drawing, delete, publish and unpublish, and the
rules of who sees which menu. A wrong field answers 422 with the reason by its path
("tabs[1].areas[0].action.uri"); a publish LINE refused answers 502 with LINE's answer."""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta

from flask import Blueprint, abort, jsonify, request

from ... import db
from ...ext import engine
from ...i18n import language
from ...models import RichMenu, RichMenuRule, Shop
from ...richmenus import publish as publishing
from ...richmenus.assign import local_period
from ...richmenus.draw import draw
from ...richmenus.results import results as menu_results_for
from ...richmenus.service import save_menus, save_rule
from ...richmenus.tab_sets import reorder_rules, tab_set_from
from ...richmenus.validate import SIZES, Problem, check_areas, check_drawing, explain
from ...shopify.auth import embedded
from ...timeutil import utcnow
from ..http import invalid, read_json
from .queries import menu_json, menus_of, rule_json, rules_of

bp = Blueprint("richmenus_api", __name__, url_prefix="/api")


def _own(session, shop: Shop, model, row_id: int):
    row = session.get(model, row_id)
    if row is None or row.shop_id != shop.id:
        abort(404)
    return row


def _refused(shop: Shop, problems: list[Problem]):
    return invalid(explain(problems, language(shop=shop)))


def _spec(raw) -> dict:
    """One menu from the editor's JSON; an uploaded image comes base64-encoded."""
    if not isinstance(raw, dict):
        return {}
    spec = {k: raw[k] for k in ("name", "size", "chat_bar_text", "areas", "alias_id", "drawing") if k in raw}
    spec["is_default"] = raw.get("is_default") is True
    if isinstance(raw.get("image_base64"), str):
        try:
            spec["image"] = base64.b64decode(raw["image_base64"], validate=True)
        except (binascii.Error, ValueError):
            spec["image"] = b"not an image"
    return spec


@bp.get("/rich-menus")
@embedded
def list_menus(shop: Shop):
    session = db.session()
    return jsonify(
        menus=[menu_json(m) for m in menus_of(session=session, shop=shop)],
        rules=[rule_json(r, timezone=shop.timezone) for r in rules_of(session=session, shop=shop)],
    )


@bp.post("/rich-menus")
@embedded
def create_menus(shop: Shop):
    """{"menus": [menu, ...], "tab_set": "name"} for a tab set, or one menu's fields."""
    body = read_json()
    raw = body.get("menus") if isinstance(body.get("menus"), list) else [body]
    tab_set = body.get("tab_set") if isinstance(body.get("tab_set"), str) and len(raw) > 1 else None
    session = db.session(write=True)
    menus, problems = save_menus(
        session=session, shop=shop, specs=[_spec(r) for r in raw], tab_set=tab_set[:64] if tab_set else None
    )
    if problems:
        session.rollback()
        return _refused(shop, problems)
    session.commit()
    return jsonify(ok=True, menus=[menu_json(m) for m in menus]), 201


@bp.post("/rich-menus/preview")
@embedded
def preview(shop: Shop):
    """The image the app would draw for these areas and this drawing (nothing saved)."""
    spec = _spec(read_json())
    size = spec.get("size") if isinstance(spec.get("size"), str) and spec.get("size") in SIZES else "large"
    width, height = SIZES[size]
    areas = spec.get("areas")
    problems = check_drawing(spec.get("drawing") or {})
    problems += [p for p in check_areas(areas, width=width, height=height, aliases=set()) if ".action" not in p.field]
    if problems:
        return _refused(shop, problems)
    drawn = draw(size=size, areas=areas, drawing=spec.get("drawing") or {})
    encoded = base64.b64encode(drawn.data).decode()
    return jsonify(
        ok=True, image=f"data:{drawn.content_type};base64,{encoded}", bytes=len(drawn.data), font_ok=drawn.font_ok
    )


@bp.get("/rich-menus/<int:menu_id>")
@embedded
def get_menu(shop: Shop, menu_id: int):
    return jsonify(menu=menu_json(_own(db.session(), shop, RichMenu, menu_id), image=True))


@bp.get("/rich-menus/<int:menu_id>/results")
@embedded
def menu_results(shop: Shop, menu_id: int):
    """Taps, credited orders and revenue, and accounts linked, per button and in total,
    over the last `days` days (1–365, default 30)."""
    days = request.args.get("days", default=30, type=int)
    days = min(max(days or 30, 1), 365)
    session = db.session()
    menu = _own(session, shop, RichMenu, menu_id)
    end = utcnow()
    start = end - timedelta(days=days)
    found = menu_results_for(session, shop, menu, start, end)
    return jsonify(menu_id=menu.id, days=days, start=start.isoformat(), end=end.isoformat(), **found)


@bp.delete("/rich-menus/<int:menu_id>")
@embedded
def delete_menu(shop: Shop, menu_id: int):
    """A draft only: a live menu is unpublished first (friends would lose it otherwise)."""
    session = db.session(write=True)
    menu = _own(session, shop, RichMenu, menu_id)
    if menu.line_rich_menu_id:
        return invalid({"menu": explain([Problem("menu", "live")], language(shop=shop))["menu"]}, status=409)
    session.delete(menu)
    session.commit()
    return jsonify(ok=True)


@bp.post("/rich-menus/<int:menu_id>/publish")
@embedded
def publish_menu(shop: Shop, menu_id: int):
    _own(db.session(), shop, RichMenu, menu_id)
    db.close_session()  # LINE is called next: no transaction of ours may stay open
    outcome = publishing.publish(engine=engine(), shop_id=shop.id, menu_id=menu_id)
    return _answer(shop, menu_id, outcome)


@bp.post("/rich-menus/<int:menu_id>/unpublish")
@embedded
def unpublish_menu(shop: Shop, menu_id: int):
    _own(db.session(), shop, RichMenu, menu_id)
    db.close_session()
    outcome = publishing.unpublish(engine=engine(), shop_id=shop.id, menu_id=menu_id)
    return _answer(shop, menu_id, outcome)


def _answer(shop: Shop, menu_id: int, outcome):
    if outcome.problems:
        return _refused(shop, outcome.problems)
    menu = menu_json(_own(db.session(), shop, RichMenu, menu_id))
    if not outcome.ok:
        return invalid({}, status=502, message=menu["publish_error"] or outcome.line_answer, menu=menu)
    return jsonify(ok=True, menu=menu)


@bp.post("/rich-menus/rules")
@embedded
def create_rule(shop: Shop):
    body = read_json()
    spec = {k: body.get(k) for k in ("menu_id", "kind", "segment_id", "priority", "starts_at", "ends_at")}
    if not all(
        v is None or isinstance(v, int) and not isinstance(v, bool)
        for v in (spec["menu_id"], spec["segment_id"], spec["priority"])
    ):
        return _refused(shop, [Problem("menu_id", "menu")])
    if not all(v is None or isinstance(v, str) for v in (spec["kind"], spec["starts_at"], spec["ends_at"])):
        return _refused(shop, [Problem("kind", "rule_kind")])
    unreadable = [Problem(k, "rule_time") for k in ("starts_at", "ends_at") if not _readable(spec[k], shop)]
    if unreadable:
        return _refused(shop, unreadable)
    session = db.session(write=True)
    rule, problems = save_rule(session=session, shop=shop, spec=spec)
    if problems:
        session.rollback()
        return _refused(shop, problems)
    session.commit()
    return jsonify(ok=True, rule=rule_json(rule, timezone=shop.timezone)), 201


def _readable(value: str | None, shop: Shop) -> bool:
    """A period bound the merchant typed is an ISO date-time (local to the shop), or empty."""
    try:
        local_period(value, None, shop.timezone)
    except ValueError:
        return False
    return True


@bp.post("/rich-menus/rules/order")
@embedded
def order_rules(shop: Shop):
    """{"rule_ids": [...]}: every rule of the shop, top (first to match) to bottom."""
    session = db.session(write=True)
    problems = reorder_rules(session=session, shop=shop, rule_ids=read_json().get("rule_ids"))
    if problems:
        session.rollback()
        return _refused(shop, problems)
    session.commit()
    return jsonify(ok=True, rules=[rule_json(r, timezone=shop.timezone) for r in rules_of(session=session, shop=shop)])


@bp.post("/rich-menus/tab-sets")
@embedded
def create_tab_set(shop: Shop):
    """{"name": ..., "tabs": [{"menu_id", "alias_id", "label"}, ...]}: a 2–3 tab set made
    from drawn menus (copies; the menus themselves stay)."""
    body = read_json()
    session = db.session(write=True)
    menus, problems = tab_set_from(session=session, shop=shop, name=body.get("name"), tabs=body.get("tabs"))
    if problems:
        session.rollback()
        return _refused(shop, problems)
    session.commit()
    return jsonify(ok=True, menus=[menu_json(m) for m in menus]), 201


@bp.delete("/rich-menus/rules/<int:menu_rule_id>")
@embedded
def delete_rule(shop: Shop, menu_rule_id: int):
    session = db.session(write=True)
    session.delete(_own(session, shop, RichMenuRule, menu_rule_id))
    session.commit()
    return jsonify(ok=True)
