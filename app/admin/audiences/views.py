"""Audience pages: the saved segments with their sizes, and the editor (AND/OR groups of
conditions with a live count of the friends reached, linked and unlinked apart)."""

from __future__ import annotations

from flask import Blueprint, abort

from ... import db
from ...audiences.service import segment_of
from ...models import Shop
from ...shopify.auth import embedded
from ..pages import render
from . import queries

bp = Blueprint("audiences", __name__)


@bp.get("/audiences", endpoint="page")
@embedded
def segments_page(shop: Shop):
    rows = queries.segments(session=db.session(), shop=shop)
    return render(shop, "admin/audiences/segments.html", area="audiences", active="admin.audiences.page", rows=rows)


@bp.get("/audiences/new", endpoint="new")
@bp.get("/audiences/<int:segment_id>", endpoint="edit")
@embedded
def editor(shop: Shop, segment_id: int | None = None):
    session = db.session()
    segment = None
    if segment_id is not None:
        segment = segment_of(session=session, shop=shop, segment_id=segment_id)
        if segment is None:
            abort(404)
    return render(
        shop,
        "admin/audiences/editor.html",
        area="audiences",
        active="admin.audiences.page",
        segment=queries.segment_json(segment) if segment else None,
        choices=queries.editor_choices(session=session, shop=shop),
    )
