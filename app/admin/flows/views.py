"""The Flows page: each flow's switch and 30-day outcomes, the quota notice, the editor
(one tab per flow), back-in-stock requests and results, and repurchase cycles suggested from the store's orders."""

from __future__ import annotations

from flask import Blueprint

from ... import db
from ...flows.registry import automations
from ...formatting import money
from ...models import Shop
from ...shopify.auth import embedded
from ..pages import render
from . import editor, queries, restock

bp = Blueprint("flows", __name__)


@bp.get("/flows", endpoint="page")
@embedded
def flows_page(shop: Shop):
    session = db.session()
    return render(
        shop,
        "admin/flows/flows.html",
        area="flows",
        active="admin.flows.page",
        flows=queries.flows_overview(session=session, shop=shop),
        held=queries.quota_held(session=session, shop=shop),
        suggestions=queries.cycle_suggestions(session=session, shop=shop),
        editor=[editor.describe(shop, flow) for flow in automations()],
        friends=queries.friends_for_test(session=session, shop=shop),
        restock_waiting=restock.waiting(session=session, shop=shop),
        restock_results=restock.results(session=session, shop=shop),
        money=lambda amount: money(amount, shop.currency),
    )
