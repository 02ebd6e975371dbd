"""The friend sources page (流入経路): every source with its link, QR code and figures over
7, 30 or 90 days, the chart of new friends per day per source, and the editor."""

from __future__ import annotations

from flask import Blueprint, request
from sqlmodel import select

from ... import db
from ...models import Sequence, Shop
from ...shopify.auth import embedded
from ...timeutil import utcnow
from ..home.dashboard import DEFAULT_PERIOD, PERIODS, parse_period
from ..pages import render
from . import queries

bp = Blueprint("sources", __name__)


@bp.get("/sources", endpoint="page")
@embedded
def page(shop: Shop):
    period = parse_period(request.args.get("period")) or DEFAULT_PERIOD
    data = queries.page_data(session=db.session(), shop=shop, period=period, now=utcnow())
    for row in data["sources"]:
        row["qr"] = queries.qr_svg_inline(row["url"])
    sequences = db.session().exec(select(Sequence).where(Sequence.shop_id == shop.id).order_by(Sequence.name)).all()
    return render(
        shop,
        "admin/sources/page.html",
        area="sources",
        active="admin.sources.page",
        periods=PERIODS,
        sequences=sequences,
        **data,
    )
