"""Embedded admin pages. Routes stay thin: they read through `queries` and render."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, render_template, request
from sqlmodel import select

from .. import db
from ..ext import settings
from ..formatting import local_time
from ..models import ComplianceRequest, Shop
from ..shopify.auth import embedded
from ..timeutil import utcnow
from . import dashboard, dashboard_page, flows_queries, queries
from .i18n import language, translate

bp = Blueprint("admin", __name__)


@bp.app_template_filter("localtime")
def localtime(value, shop: Shop) -> str:
    return local_time(value, shop.timezone)


NAV = [
    ("admin.home", "nav.home"),
    ("admin.flows", "nav.flows"),
    ("admin.customers", "nav.customers"),
    ("admin.messages", "nav.messages"),
    ("admin.keywords", "nav.keywords"),
    ("admin.simulator", "nav.simulator"),
    ("admin.settings_page", "nav.settings"),
    ("admin.privacy", "nav.privacy"),
]


def _render(shop: Shop, template: str, active: str, **context) -> str:
    lang = language(shop.locale)
    return render_template(
        template,
        shop=shop,
        lang=lang,
        t=lambda key, **values: translate(key, lang, **values),
        nav=NAV,
        active=active,
        api_key=settings().shopify_api_key,
        demo=settings().demo_mode,
        **context,
    )


@bp.get("/")
@embedded
def home(shop: Shop):
    session, now = db.session(), utcnow()
    period = dashboard.parse_period(request.args.get("period")) or dashboard.DEFAULT_PERIOD
    figures = dashboard.figures(session=session, shop=shop, period=period, now=now)
    usage = dashboard.usage(session=session, shop=shop, now=now, read_quota=dashboard.read_line_quota(session, shop))
    lang = language(shop.locale)
    return _render(
        shop,
        "admin/home.html",
        "admin.home",
        checklist=queries.setup_checklist(session=session, shop=shop),
        failed_events=queries.failed_webhooks(session=session, shop=shop),
        held=flows_queries.quota_held(session=session, shop=shop),
        plans=dashboard.PLANS,
        **dashboard_page.page(figures, usage, lambda key, **values: translate(key, lang, **values)),
    )


def coming_soon(endpoint: str, area: str):
    @embedded
    def view(shop: Shop):
        return _render(shop, "admin/coming_soon.html", f"admin.{endpoint}", area=area)

    view.__name__ = endpoint
    return view


@bp.get("/flows")
@embedded
def flows(shop: Shop):
    # The editor's modules, imported where the editor is served.
    from . import flows_api, flows_editor

    session = db.session()
    return _render(
        shop,
        "admin/flows.html",
        "admin.flows",
        flows=flows_queries.flows_overview(session=session, shop=shop),
        held=flows_queries.quota_held(session=session, shop=shop),
        suggestions=flows_queries.cycle_suggestions(session=session, shop=shop),
        editor=[flows_editor.describe(shop, flow) for flow in flows_editor.FLOWS],
        friends=flows_api.friends_for_test(session, shop),
    )


@bp.get("/keywords")
@embedded
def keywords(shop: Shop):
    session = db.session()
    return _render(
        shop, "admin/keywords.html", "admin.keywords", search=queries.search_page(session=session, shop=shop)
    )


@bp.get("/simulator")
@embedded
def simulator(shop: Shop):
    return _render(shop, "admin/simulator.html", "admin.simulator")


@bp.get("/settings")
@embedded
def settings_page(shop: Shop):
    session = db.session()
    return _render(
        shop, "admin/settings.html", "admin.settings_page", line=queries.line_settings(session=session, shop=shop)
    )


@bp.get("/privacy")
@embedded
def privacy(shop: Shop):
    requests = (
        db.session()
        .exec(
            select(ComplianceRequest)
            .where(ComplianceRequest.shop_id == shop.id)
            .order_by(ComplianceRequest.created_at.desc())
            .limit(200)
        )
        .all()
    )
    return _render(shop, "admin/privacy.html", "admin.privacy", requests=requests)


@bp.get("/privacy/requests/<int:request_id>.json")
@embedded
def privacy_export(shop: Shop, request_id: int):
    req = db.session().get(ComplianceRequest, request_id)
    # Scoped to the verified shop: another shop's id is simply not found.
    if req is None or req.shop_id != shop.id or req.export is None:
        abort(404)
    body = json.dumps(req.export, ensure_ascii=False, indent=2)
    filename = f"data-request-{req.customer_shopify_id or req.id}.json"
    return Response(
        body, mimetype="application/json", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


from . import people_pages  # noqa: E402,F401 (registers its pages on bp)
