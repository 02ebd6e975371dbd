"""Dashboard figures as JSON (session token, scoped to its shop), the merchant's
"I placed the link button" tick, and the LINE plan used to price the month's messages."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from .. import db
from ..models import Shop
from ..shopify.auth import embedded
from ..timeutil import utcnow
from . import dashboard, queries
from .http import read_json
from .i18n import language

bp = Blueprint("dashboard_api", __name__, url_prefix="/api")


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def figures_json(f: dashboard.Figures, usage: dashboard.Usage) -> dict:
    flows = {
        name: {
            "sent": x.sent,
            "clicks": x.clicks,
            "ctr": _rate(x.ctr),
            "orders": x.orders,
            "revenue": int(x.revenue),
            "blocks_after_push": x.blocks,
            "block_rate": _rate(x.block_rate),
        }
        for name, x in f.flows.items()
    }
    return {
        "period": f.period,
        "timezone": f.window.tz,
        "start": f.window.start.isoformat(),
        "end": f.window.end.isoformat(),
        "days": [d.isoformat() for d in f.window.days],
        "friends": {
            "current": f.friends,
            "follows": f.follows,
            "blocks": f.blocks,
            "net": f.net,
            "block_rate": _rate(f.block_rate),
        },
        "linked": {"customers": f.linked, "of_customers": f.customers, "share": _rate(f.linked_share)},
        "messages": {"sent": f.sent, "clicks": f.clicks, "ctr": _rate(f.ctr)},
        "orders": {"count": f.orders, "revenue": int(f.revenue), "currency": "JPY"},
        "recovered_checkouts": {"count": f.recovered, "revenue": int(f.recovered_revenue)},
        "flows": flows,
        "series": {
            "sent_by_flow": f.sent_by_day,
            "revenue": [int(v) for v in f.revenue_by_day],
            "follows": f.follows_by_day,
            "blocks": f.blocks_by_day,
        },
        "quota": {
            "used": usage.used,
            "limit": usage.limit,
            "source": usage.source,
            "dry_run": usage.dry_run,
            "plan": usage.plan["plan"],
            "monthly_fee": usage.plan["monthly_fee"],
            "included": usage.plan["included"],
            "extra_per_message": usage.plan["extra_per_message"],
            "cost": usage.cost,
            "over": usage.over,
        },
    }


def _invalid(field: str, ja: str, en: str, shop: Shop):
    return jsonify(ok=False, errors={field: ja if language(shop.locale) == "ja" else en}), 422


@bp.get("/dashboard")
@embedded
def dashboard_figures(shop: Shop):
    period = dashboard.parse_period(request.args.get("period"))
    if period is None:
        return _invalid("period", "期間は 7・30・90 日から選んでください。", "Period must be 7, 30 or 90 days.", shop)
    session, now = db.session(), utcnow()
    figures = dashboard.figures(session=session, shop=shop, period=period, now=now)
    usage = dashboard.usage(session=session, shop=shop, now=now, read_quota=dashboard.read_line_quota(session, shop))
    return jsonify(ok=True, **figures_json(figures, usage))


def _save_setting(shop: Shop, key: str, value) -> Shop:
    session = db.session(write=True)
    row = session.get(Shop, shop.id)
    row.settings = {**(row.settings or {}), key: value}  # a new dict: the JSON column sees the change
    session.add(row)
    session.commit()
    return row


@bp.put("/dashboard/checklist")
@embedded
def checklist_save(shop: Shop):
    body = read_json()
    if not isinstance(body.get("link_button"), bool):
        return _invalid("link_button", "はい／いいえで指定してください。", "Must be true or false.", shop)
    saved = {**((shop.settings or {}).get("checklist") or {}), "link_button": body["link_button"]}
    row = _save_setting(shop, "checklist", saved)
    items = queries.setup_checklist(session=db.session(), shop=row)
    return jsonify(ok=True, checklist={item.key.removeprefix("check."): item.done for item in items})


@bp.put("/dashboard/plan")
@embedded
def plan_save(shop: Shop):
    body = read_json()
    if body.get("plan") not in dashboard.PLANS:
        return _invalid("plan", "プランを選んでください。", "Choose a plan.", shop)
    row = _save_setting(shop, "line_plan", {"plan": body["plan"], **dashboard.PLANS[body["plan"]]})
    return jsonify(ok=True, plan=dashboard.line_plan(row))


from .dashboard_openapi import OPENAPI_PATHS  # noqa: E402,F401  (kept beside the routes it describes)
