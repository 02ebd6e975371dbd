"""A campaign's results page (配信結果): per-variant figures, the holdout comparison with
its interval sentence, and where the campaign stands in Shopify's marketing reports."""

from __future__ import annotations

from flask import Blueprint, abort

from .... import db
from ....i18n import language
from ....models import Shop
from ....shopify.auth import embedded
from ...pages import render
from . import queries

bp = Blueprint("campaign_results", __name__)


@bp.get("/campaigns/<int:campaign_id>/results", endpoint="page")
@embedded
def results_page(shop: Shop, campaign_id: int):
    session = db.session()
    campaign = queries.owned(session, shop, campaign_id)
    if campaign is None:
        abort(404)
    view = queries.page(session=session, shop=shop, campaign=campaign, lang=language(shop=shop))
    return render(shop, "admin/campaigns/results.html", area="campaigns.results", active="admin.campaigns.page", **view)
