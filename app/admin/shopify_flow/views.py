"""The Shopify Flow page (under 自動配信): the "Send LINE message" action, the triggers the
app offers and whether the shop's workflows use them, and ready-made workflows to build."""

from __future__ import annotations

from flask import Blueprint

from ... import db
from ...models import Shop
from ...shopify.auth import embedded
from ...timeutil import utcnow
from ..pages import render
from . import queries

bp = Blueprint("shopify_flow_admin", __name__)


@bp.get("/shopify-flow", endpoint="page")
@embedded
def shopify_flow_page(shop: Shop):
    session, now = db.session(), utcnow()
    store = shop.domain.removesuffix(".myshopify.com")
    return render(
        shop,
        "admin/shopify_flow/page.html",
        area="shopify_flow_admin",  # no scripts: no admin.<area>.js.* texts
        active="admin.flows.page",
        triggers=queries.trigger_use(session=session, shop=shop, now=now),
        outcomes=queries.action_outcomes(session=session, shop=shop, now=now),
        recipes=queries.RECIPES,
        flow_url=f"https://admin.shopify.com/store/{store}/apps/flow",
    )
