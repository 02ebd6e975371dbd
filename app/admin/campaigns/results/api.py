"""A campaign's results as JSON (session token, scoped to its shop): the figures per
variant and in total, LINE's withheld figures as null with a flag, the holdout comparison
with its 95% intervals. The same numbers as the page, unformatted."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify

from .... import db
from ....campaigns.results import as_json, campaign_results
from ....models import Shop
from ....shopify.auth import embedded
from . import queries

bp = Blueprint("campaign_results_api", __name__, url_prefix="/api")


@bp.get("/campaigns/<int:campaign_id>/results")
@embedded
def campaign_results_json(shop: Shop, campaign_id: int):
    session = db.session()
    campaign = queries.owned(session, shop, campaign_id)
    if campaign is None:
        abort(404)
    found = campaign_results(session=session, shop=shop, campaign=campaign)
    return jsonify(status=campaign.status, **as_json(found))
