"""Home: the setup checklist, the dashboard for a period, failed webhooks, the quota notice."""

from __future__ import annotations

from flask import Blueprint, request

from ... import db
from ...i18n import language
from ...models import Shop
from ...shopify.auth import embedded
from ...timeutil import utcnow
from ..flows.queries import quota_held
from ..pages import render
from ..people.messages import failed_webhooks
from . import dashboard, page
from .checklist import setup_checklist

bp = Blueprint("home", __name__)


@bp.get("/", endpoint="page")
@embedded
def home(shop: Shop):
    session, now = db.session(), utcnow()
    period = dashboard.parse_period(request.args.get("period")) or dashboard.DEFAULT_PERIOD
    figures = dashboard.figures(session=session, shop=shop, period=period, now=now)
    quota = dashboard.read_line_quota(session=session, shop=shop)
    usage = dashboard.usage(session=session, shop=shop, now=now, read_quota=quota)
    return render(
        shop,
        "admin/home/home.html",
        area="home",
        active="admin.home.page",
        checklist=setup_checklist(session=session, shop=shop),
        failed_events=failed_webhooks(session=session, shop=shop),
        held=quota_held(session=session, shop=shop),
        plans=dashboard.PLANS,
        **page.page(figures, usage, language(shop=shop)),
    )
