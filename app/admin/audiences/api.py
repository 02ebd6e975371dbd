"""Admin JSON API for audiences: the editor's live count, and saved segments (list, create,
replace, delete, recount). Definitions are checked whole; a wrong field answers 422 with
the reason by its path ("groups.0.conditions.1.days")."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify

from ... import db
from ...audiences import service
from ...audiences.definition import is_shopify, validate
from ...models import Segment, Shop
from ...shopify.auth import embedded
from ...timeutil import utcnow
from ..http import invalid, read_json
from .queries import save_segment, segment_json, segments

bp = Blueprint("audiences_api", __name__, url_prefix="/api")


def _own(*, session, shop: Shop, segment_id: int) -> Segment:
    segment = service.segment_of(session=session, shop=shop, segment_id=segment_id)
    if segment is None:
        abort(404)
    return segment


@bp.post("/audiences/count")
@embedded
def live_count(shop: Shop):
    """How many reachable friends a definition reaches now, linked and unlinked apart."""
    session = db.session()
    definition, errors = validate(read_json().get("definition"), session=session, shop=shop)
    if errors:
        return invalid(errors)
    size = service.count(session=session, shop=shop, definition=definition)
    return jsonify(ok=True, linked=size.linked, unlinked=size.unlinked, total=size.total)


@bp.get("/segments")
@embedded
def list_segments(shop: Shop):
    return jsonify(segments=[segment_json(s) for s in segments(session=db.session(), shop=shop)])


@bp.post("/segments")
@embedded
def create_segment(shop: Shop):
    body = read_json()
    segment, errors = save_segment(read=db.session(), write=db.session(write=True), shop=shop, body=body)
    if errors:
        return invalid(errors)
    return jsonify(ok=True, segment=segment_json(segment)), 201


@bp.get("/segments/<int:segment_id>")
@embedded
def get_segment(shop: Shop, segment_id: int):
    return jsonify(segment=segment_json(_own(session=db.session(), shop=shop, segment_id=segment_id)))


@bp.put("/segments/<int:segment_id>")
@embedded
def replace_segment(shop: Shop, segment_id: int):
    body = read_json()
    _own(session=db.session(), shop=shop, segment_id=segment_id)
    saved, errors = save_segment(
        read=db.session(), write=db.session(write=True), shop=shop, body=body, segment_id=segment_id
    )
    if errors:
        return invalid(errors)
    return jsonify(ok=True, segment=segment_json(saved))


@bp.delete("/segments/<int:segment_id>")
@embedded
def delete_segment(shop: Shop, segment_id: int):
    session = db.session(write=True)
    session.delete(_own(session=session, shop=shop, segment_id=segment_id))
    session.commit()
    return jsonify(ok=True)


@bp.post("/segments/<int:segment_id>/count")
@embedded
def recount_segment(shop: Shop, segment_id: int):
    """Count a saved segment now and keep the figure (the list refreshes its sizes so)."""
    read = db.session()
    definition = _own(session=read, shop=shop, segment_id=segment_id).definition
    if is_shopify(definition):  # its members are in Shopify: the Shopify segments module counts them
        return jsonify(ok=True, segment=segment_json(_own(session=read, shop=shop, segment_id=segment_id)))
    size = service.count(session=read, shop=shop, definition=definition)
    write = db.session(write=True)
    segment = _own(session=write, shop=shop, segment_id=segment_id)
    segment.size_linked, segment.size_unlinked, segment.counted_at = size.linked, size.unlinked, utcnow()
    write.add(segment)
    write.commit()
    return jsonify(ok=True, segment=segment_json(segment))
