"""Dashboard figures as JSON (session token, scoped to its shop), the merchant's
"I placed the link button" tick, and the LINE plan used to price the month's messages."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from ... import db
from ...i18n import language, t
from ...models import Shop
from ...shopify.auth import embedded
from ...timeutil import utcnow
from ..http import invalid, read_json
from . import dashboard
from .checklist import setup_checklist

bp = Blueprint("home_api", __name__, url_prefix="/api")


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


def _invalid(field: str, shop: Shop):
    # This API's published errors are {ok, errors} only: no message.
    return invalid({field: t(f"admin.home.err.{field}", language(shop=shop))}, message=None)


@bp.get("/dashboard")
@embedded
def dashboard_figures(shop: Shop):
    period = dashboard.parse_period(request.args.get("period"))
    if period is None:
        return _invalid("period", shop)
    session, now = db.session(), utcnow()
    figures = dashboard.figures(session=session, shop=shop, period=period, now=now)
    quota = dashboard.read_line_quota(session=session, shop=shop)
    usage = dashboard.usage(session=session, shop=shop, now=now, read_quota=quota)
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
        return _invalid("link_button", shop)
    saved = {**((shop.settings or {}).get("checklist") or {}), "link_button": body["link_button"]}
    row = _save_setting(shop, "checklist", saved)
    items = setup_checklist(session=db.session(), shop=row)
    return jsonify(ok=True, checklist={item.key.removeprefix("check."): item.done for item in items})


@bp.put("/dashboard/plan")
@embedded
def plan_save(shop: Shop):
    body = read_json()
    if body.get("plan") not in dashboard.PLANS:
        return _invalid("plan", shop)
    row = _save_setting(shop, "line_plan", {"plan": body["plan"], **dashboard.PLANS[body["plan"]]})
    return jsonify(ok=True, plan=dashboard.line_plan(row))
