"""The sequences page (ステップ配信): the list with a switch per sequence, and the editor
(trigger, steps on a timeline with real dates for a friend entering now, each step's
messages in the composer's block editor with a LINE preview drawn by the composer's own
compiler, a test send, per-step results)."""

from __future__ import annotations

from flask import Blueprint, abort

from ... import db
from ...i18n import language, t
from ...models import Sequence, Shop, Trigger
from ...sequences import welcome
from ...sequences.editor import CONDITIONS, MAX_STEPS
from ...sequences.timing import MAX_AMOUNT
from ...shopify.auth import embedded
from ...timeutil import utcnow
from ..blocks import editor_data
from ..pages import render
from . import queries

bp = Blueprint("sequences", __name__)


@bp.get("/sequences", endpoint="page")
@embedded
def page(shop: Shop):
    session = db.session()
    if not welcome.exists(session=session, shop=shop):  # the shipped one, off, the first time
        writing = db.session(write=True)
        welcome.ensure(session=writing, shop=shop)
        writing.commit()
        session.rollback()  # end the read begun before it, so the list sees it
    return render(
        shop,
        "admin/sequences/list.html",
        area="sequences",
        active="admin.sequences.page",
        sequences=queries.sequences_of(session=session, shop=shop),
        trigger_names={k: t(f"admin.sequences.js.trigger.{k}", language(shop=shop)) for k in Trigger.ALL},
    )


def _editor(shop: Shop, sequence: Sequence | None):
    session = db.session()
    data = {
        "current": None,
        "dates": [],
        "results": None,
        "triggers": list(Trigger.ALL),
        "conditions": list(CONDITIONS),
        "units": list(MAX_AMOUNT),
        "max_steps": MAX_STEPS,
        "segments": queries.segments(session=session, shop=shop),
        "sources": queries.sources(session=session, shop=shop),
    }
    if sequence is not None:
        data.update(queries.one(session=session, shop=shop, sequence=sequence, now=utcnow()))
    steps = data["current"]["steps"] if data["current"] else []
    data.update(editor_data(session=session, shop=shop, block_lists=[s["blocks"] for s in steps]))
    return render(
        shop,
        "admin/sequences/editor.html",
        area="sequences",
        active="admin.sequences.page",
        components=("blocks",),
        sequence=sequence,
        data=data,
    )


@bp.get("/sequences/new", endpoint="new")
@embedded
def new(shop: Shop):
    return _editor(shop, None)


@bp.get("/sequences/<int:sequence_id>", endpoint="edit")
@embedded
def edit(shop: Shop, sequence_id: int):
    sequence = db.session().get(Sequence, sequence_id)
    if sequence is None or sequence.shop_id != shop.id:
        abort(404)
    return _editor(shop, sequence)
