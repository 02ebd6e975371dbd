"""Sequence fixtures: a sequence saved through the editor's own checks, the worker's
advancing job at a chosen time, and the shop without quiet hours (the tests' wall clock
may fall in them)."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from app import ext
from app.models import Notification, SequenceRun
from app.sequences import editor
from app.sequences.advance import advance_due
from tests.helpers import fresh, rows

NO_QUIET = {"quiet_start": "00:00", "quiet_end": "00:00"}
_names = itertools.count(1)


def text_step(text: str, amount: int = 0, unit: str = "minutes", origin: str = "previous", at=None, **more) -> dict:
    return {
        "delay": {"amount": amount, "unit": unit, "from": origin, "at": at},
        "blocks": [{"type": "text", "text": text}],
        **more,
    }


@pytest.fixture
def quiet_free(db, shop):
    shop.settings = {**(shop.settings or {}), "policies": NO_QUIET}
    db.add(shop)
    db.commit()
    return shop


@pytest.fixture
def sequence(db, app, shop):
    """`make(kind, steps, **fields)`: an enabled sequence saved through editor.save."""

    def make(kind: str = "friend_added", steps: list | None = None, *, params: dict | None = None, **fields):
        payload = {
            "name": f"シーケンス{next(_names)}",
            "trigger": {"kind": kind, **(params or {})},
            "enabled": True,
            "steps": steps or [text_step("ようこそ！")],
            **fields,
        }
        with app.app_context():
            db.commit()
            made, errors = editor.save(session=db, shop=shop, payload=payload)
            assert errors == {}, errors
            db.commit()
        return made

    return make


@pytest.fixture
def advance(app):
    """Run the sequences job at `now` (aware datetime or ISO text)."""

    def run(now) -> dict:
        if isinstance(now, str):
            now = datetime.fromisoformat(now)
        with app.app_context():
            return advance_due(engine=ext.engine(app), now=now)

    return run


def runs(db, *where) -> list[SequenceRun]:
    fresh(db)
    return sorted(rows(db, SequenceRun, *where), key=lambda r: r.id)


def steps_sent(db) -> list[Notification]:
    fresh(db)
    return sorted(rows(db, Notification, Notification.flow == "sequence"), key=lambda n: (n.dedupe_key,))
