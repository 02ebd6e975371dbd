"""Privacy: the customer data requests and erasures Shopify sent, each export as JSON (only
within the verified shop), how long personal data is kept, and deliveries refused because
their signed body named another shop."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort
from sqlmodel import select

from ... import db
from ...ext import settings
from ...models import ComplianceRequest, Shop
from ...privacy.deliveries import refused
from ...privacy.periods import retention_summary
from ...shopify.auth import embedded
from ..pages import render

bp = Blueprint("privacy", __name__)


@bp.get("/privacy", endpoint="page")
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
    return render(
        shop,
        "admin/privacy/privacy.html",
        area="privacy",
        active="admin.privacy.page",
        requests=requests,
        retention=retention_summary(shop=shop, settings=settings()),
        refused=refused(session=db.session(), shop=shop),
    )


@bp.get("/privacy/requests/<int:request_id>.json")
@embedded
def export(shop: Shop, request_id: int):
    req = db.session().get(ComplianceRequest, request_id)
    # Scoped to the verified shop: another shop's id is simply not found.
    if req is None or req.shop_id != shop.id or req.export is None:
        abort(404)
    body = json.dumps(req.export, ensure_ascii=False, indent=2)
    filename = f"data-request-{req.customer_shopify_id or req.id}.json"
    return Response(
        body, mimetype="application/json", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
