"""Admin JSON API for sequences: list, create, read (with the example timeline and per-step
results), change, switch on/off, delete, the timeline of unsaved steps, and taking a friend
out by hand. A wrong field answers 422 with the reason by its path ("steps[1].delay.amount")
and nothing is saved. Previews and test sends use the composer's endpoints
(/api/campaigns/preview, /api/campaigns/test) with a step's blocks."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, abort, jsonify

from ... import db
from ...i18n import language, t
from ...models import LineFriend, Sequence, Shop
from ...sequences import editor, enroll
from ...sequences.timing import CLOCK, FROM, MAX_AMOUNT
from ...shopify.auth import embedded
from ...timeutil import utcnow
from ..http import invalid, read_json
from . import queries

bp = Blueprint("sequences_api", __name__, url_prefix="/api")


def _own(session, shop: Shop, sequence_id: int) -> Sequence:
    row = session.get(Sequence, sequence_id)
    if row is None or row.shop_id != shop.id:
        abort(404)
    return row


def _refused(shop: Shop, errors: editor.Errors):
    lang = language(shop=shop)
    return invalid({f: t(key, lang, **values) for f, (key, values) in errors.items()})


@bp.get("/sequences")
@embedded
def list_sequences(shop: Shop):
    return jsonify(sequences=queries.sequences_of(session=db.session(), shop=shop))


@bp.post("/sequences")
@embedded
def create_sequence(shop: Shop):
    session = db.session(write=True)
    sequence, errors = editor.save(session=session, shop=shop, payload=read_json())
    if errors:
        session.rollback()
        return _refused(shop, errors)
    session.commit()
    return jsonify(ok=True, **queries.one(session=session, shop=shop, sequence=sequence, now=utcnow())), 201


@bp.get("/sequences/<int:sequence_id>")
@embedded
def get_sequence(shop: Shop, sequence_id: int):
    session = db.session()
    return jsonify(queries.one(session=session, shop=shop, sequence=_own(session, shop, sequence_id), now=utcnow()))


@bp.put("/sequences/<int:sequence_id>")
@embedded
def update_sequence(shop: Shop, sequence_id: int):
    body = read_json()
    session = db.session(write=True)
    current = _own(session, shop, sequence_id)
    sequence, errors = editor.save(session=session, shop=shop, payload=body, current=current)
    if errors:
        session.rollback()
        return _refused(shop, errors)
    session.commit()
    return jsonify(ok=True, **queries.one(session=session, shop=shop, sequence=sequence, now=utcnow()))


@bp.post("/sequences/<int:sequence_id>/switch")
@embedded
def switch_sequence(shop: Shop, sequence_id: int):
    """{"enabled": true|false}: off ends the runs still going (their waiting steps cancelled)."""
    body = read_json()
    session = db.session(write=True)
    sequence = _own(session, shop, sequence_id)
    if not isinstance(body.get("enabled"), bool):
        session.rollback()
        return invalid({"enabled": t("sequences.err.flag", language(shop=shop))})
    ended = 0
    if sequence.enabled and not body["enabled"]:
        ended = editor.switch_off(session=session, shop=shop, sequence=sequence)
    sequence.enabled = body["enabled"]
    session.add(sequence)
    session.commit()
    return jsonify(ok=True, enabled=sequence.enabled, ended=ended)


@bp.delete("/sequences/<int:sequence_id>")
@embedded
def delete_sequence(shop: Shop, sequence_id: int):
    session = db.session(write=True)
    sequence = _own(session, shop, sequence_id)
    editor.switch_off(session=session, shop=shop, sequence=sequence)  # waiting steps cancelled first
    session.delete(sequence)
    session.commit()
    return jsonify(ok=True)


@bp.post("/sequences/<int:sequence_id>/remove")
@embedded
def remove_friend(shop: Shop, sequence_id: int):
    """{"friend_id": …}: take one friend out of the sequence by hand."""
    body = read_json()
    session = db.session(write=True)
    sequence = _own(session, shop, sequence_id)
    friend = session.get(LineFriend, body.get("friend_id")) if isinstance(body.get("friend_id"), int) else None
    if friend is None or friend.shop_id != shop.id:
        session.rollback()
        return invalid({"friend_id": t("admin.sequences.err.friend", language(shop=shop))})
    ended = enroll.exit_runs(session=session, shop=shop, friend_id=friend.id, reason="removed", sequence_id=sequence.id)
    session.commit()
    return jsonify(ok=True, ended=ended)


def _step_shape(raw) -> SimpleNamespace | None:
    delay = raw.get("delay") if isinstance(raw, dict) and isinstance(raw.get("delay"), dict) else {}
    unit, amount, at = delay.get("unit"), delay.get("amount"), delay.get("at") or None
    if unit not in MAX_AMOUNT or not isinstance(amount, int) or isinstance(amount, bool):
        return None
    if not 0 <= amount <= MAX_AMOUNT[unit] or (at is not None and (not isinstance(at, str) or not CLOCK.match(at))):
        return None
    origin = delay.get("from") if delay.get("from") in FROM else "previous"
    return SimpleNamespace(
        delay_amount=amount, delay_unit=unit, delay_from=origin, at_time=at if unit == "days" else None
    )


@bp.post("/sequences/timeline")
@embedded
def example_timeline(shop: Shop):
    """{"steps": [...]}: each step's date for a friend entering now (null where a delay is invalid)."""
    steps = read_json().get("steps")
    shapes = [_step_shape(s) for s in steps] if isinstance(steps, list) else []
    valid = []
    for shape in shapes:
        if shape is None:
            break
        valid.append(shape)
    dates = queries.example_dates(shop=shop, steps=valid, now=utcnow())
    return jsonify(dates=dates + [None] * (len(shapes) - len(valid)))
