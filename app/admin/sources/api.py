"""Admin JSON API for friend sources: list with figures, create, change, delete, and the QR
code as PNG or SVG at a print size. A wrong field answers 422 with the reason by the field
and saves nothing; a duplicate slug is one of those reasons."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, request
from sqlalchemy.exc import IntegrityError

from ... import db
from ...i18n import language, t
from ...models import FriendSource, Shop
from ...shopify.auth import embedded
from ...sources import links, service
from ...timeutil import utcnow
from ..home.dashboard import parse_period
from ..http import invalid, read_json
from . import queries

bp = Blueprint("sources_api", __name__, url_prefix="/api")


def _own(session, shop: Shop, source_id: int) -> FriendSource:
    row = session.get(FriendSource, source_id)
    if row is None or row.shop_id != shop.id:
        abort(404)
    return row


@bp.get("/sources")
@embedded
def list_sources(shop: Shop):
    period = parse_period(request.args.get("period"))
    if period is None:
        return invalid({"period": t("admin.sources.err.period", language(shop=shop))}, status=400)
    data = queries.page_data(session=db.session(), shop=shop, period=period, now=utcnow())
    return jsonify(
        period=period,
        login_ready=data["login_ready"],
        callback_url=data["callback_url"],
        sources=[{k: v for k, v in row.items() if not k.endswith("_text")} for row in data["sources"]],
    )


def _save(shop: Shop, source_id: int | None):
    body = read_json()
    session = db.session(write=True)
    source = _own(session, shop, source_id) if source_id is not None else None
    row, errors = service.save(body, session=session, shop=shop, source=source)
    if errors:
        session.rollback()
        return invalid(errors)
    try:
        session.commit()
    except IntegrityError:  # the same slug saved at the same moment by another request
        session.rollback()
        return invalid({"slug": t("sources.err.slug_taken", language(shop=shop))})
    return jsonify(ok=True, source=queries.source_json(shop, row)), 201 if source_id is None else 200


@bp.post("/sources")
@embedded
def create_source(shop: Shop):
    return _save(shop, None)


@bp.put("/sources/<int:source_id>")
@embedded
def update_source(shop: Shop, source_id: int):
    return _save(shop, source_id)


@bp.delete("/sources/<int:source_id>")
@embedded
def delete_source(shop: Shop, source_id: int):
    """The source and its visits go; its friends stay, without a source."""
    session = db.session(write=True)
    session.delete(_own(session, shop, source_id))
    session.commit()
    return jsonify(ok=True)


def _qr(shop: Shop, source_id: int, kind: str):
    size = request.args.get("size", "m")
    if size not in links.PRINT_SIZES_MM:
        return invalid({"size": t("admin.sources.err.size", language(shop=shop))}, status=400)
    source = _own(db.session(), shop, source_id)
    url = links.short_url(shop, source)
    body = links.png(url, size) if kind == "png" else links.svg(url, size)
    name = f"line-{source.slug}-{links.PRINT_SIZES_MM[size]}mm.{kind}"
    mimetype = "image/png" if kind == "png" else "image/svg+xml"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/sources/<int:source_id>/qr.png")
@embedded
def qr_png(shop: Shop, source_id: int):
    return _qr(shop, source_id, "png")


@bp.get("/sources/<int:source_id>/qr.svg")
@embedded
def qr_svg(shop: Shop, source_id: int):
    return _qr(shop, source_id, "svg")
