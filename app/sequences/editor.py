"""Checking and saving a sequence as the merchant edits it: every problem is named by its
field (`steps[1].delay.amount`, `steps[0].blocks[0].text`, …) as (catalog key, values), and
nothing is written unless there is none. Saving a running sequence changes only what its
runs have not reached (`advance.reschedule`); switching it off ends its runs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, select

from ..audiences import definition as audience_definition
from ..i18n import language
from ..models import RunStatus, Segment, Sequence, SequenceRun, SequenceStep, Shop, Trigger
from ..timeutil import utcnow
from . import advance, enroll, render
from .timing import CLOCK, FROM, MAX_AMOUNT

MAX_STEPS = 10
MAX_NAME = 100
MAX_CAP_WAIT_DAYS = 14
CONDITIONS = ("purchased", "clicked_previous", "unlinked")
MODES = ("only_if", "skip_if")
Errors = dict[str, tuple[str, dict]]


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _segment_errors(session: Session, shop: Shop, value, field: str, errors: Errors) -> int | None:
    seg_id = _int(value)
    segment = session.get(Segment, seg_id) if seg_id else None
    if segment is None or segment.shop_id != shop.id:
        errors[field] = ("sequences.err.segment", {})
        return None
    if audience_definition.is_shopify(segment.definition):
        errors[field] = ("sequences.err.segment_shopify", {})
        return None
    return seg_id


def _trigger(session: Session, shop: Shop, raw, errors: Errors) -> tuple[str, dict]:
    raw = raw if isinstance(raw, dict) else {}
    kind = raw.get("kind")
    if kind not in Trigger.ALL:
        errors["trigger.kind"] = ("sequences.err.trigger", {})
        return "", {}
    if kind == Trigger.NTH_PURCHASE:
        n = _int(raw.get("n"))
        if n is None or not 2 <= n <= 100:
            errors["trigger.n"] = ("sequences.err.nth", {"min": 2, "max": 100})
        return kind, {"n": n}
    if kind == Trigger.SEGMENT_ENTERED:
        return kind, {"segment_id": _segment_errors(session, shop, raw.get("segment_id"), "trigger.segment_id", errors)}
    if kind == Trigger.SOURCE:
        source = _int(raw.get("source_id"))
        if source is None or source < 1:
            errors["trigger.source_id"] = ("sequences.err.source", {})
        return kind, {"source_id": source}
    return kind, {}


def _delay(raw, field: str, errors: Errors) -> dict:
    raw = raw if isinstance(raw, dict) else {}
    unit, amount, origin, at = raw.get("unit"), _int(raw.get("amount")), raw.get("from", "previous"), raw.get("at")
    if at in ("", None):
        at = None
    if unit not in MAX_AMOUNT:
        errors[f"{field}.unit"] = ("sequences.err.delay_unit", {})
    elif amount is None or not 0 <= amount <= MAX_AMOUNT[unit]:
        errors[f"{field}.amount"] = ("sequences.err.delay_amount", {"max": MAX_AMOUNT[unit]})
    if origin not in FROM:
        errors[f"{field}.from"] = ("sequences.err.delay_from", {})
    if at is not None and (not isinstance(at, str) or not CLOCK.match(at) or unit != "days"):
        errors[f"{field}.at"] = ("sequences.err.delay_at", {})
    return {"delay_amount": amount, "delay_unit": unit, "delay_from": origin, "at_time": at}


def _condition(raw, field: str, position: int, errors: Errors) -> dict:
    if raw in (None, {}):
        return {"condition": None, "condition_mode": "only_if"}
    raw = raw if isinstance(raw, dict) else {}
    fact, mode = raw.get("fact"), raw.get("mode", "only_if")
    if fact not in CONDITIONS or mode not in MODES or (fact == "clicked_previous" and position == 1):
        errors[field] = ("sequences.err.condition", {})
    return {"condition": fact, "condition_mode": mode}


def _blocks(session, shop, raw, field: str, lang: str, errors: Errors) -> list:
    blocks = raw if isinstance(raw, list) else None
    if blocks and any(isinstance(b, dict) and b.get("type") == "coupon" and b.get("mode") == "unique" for b in blocks):
        errors[field] = ("sequences.err.unique_coupon", {})
        return blocks
    for key, problem in render.problems(session=session, shop=shop, blocks=blocks, lang=lang).items():
        errors[field + key.removeprefix("blocks")] = problem
    return blocks or []


def _steps(session: Session, shop: Shop, raw, errors: Errors) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        errors["steps"] = ("sequences.err.no_steps", {})
        return []
    if len(raw) > MAX_STEPS:
        errors["steps"] = ("sequences.err.too_many_steps", {"n": MAX_STEPS})
        return []
    lang = language(shop=shop)
    steps = []
    for i, item in enumerate(raw):
        item = item if isinstance(item, dict) else {}
        field = f"steps[{i}]"
        greeting = item.get("greeting") is True
        if greeting and i != 0:
            errors[f"{field}.greeting"] = ("sequences.err.greeting_first", {})
        values = {"position": i + 1, "greeting": greeting, **_delay(item.get("delay"), f"{field}.delay", errors)}
        values.update(_condition(item.get("condition"), f"{field}.condition", i + 1, errors))
        values["blocks"] = (
            [] if greeting else _blocks(session, shop, item.get("blocks"), f"{field}.blocks", lang, errors)
        )
        steps.append(values)
    return steps


def check(*, session: Session, shop: Shop, payload, current: Sequence | None = None) -> tuple[dict, list[dict], Errors]:
    """The sequence's fields, its steps and the problems (empty when it can be saved)."""
    errors: Errors = {}
    payload = payload if isinstance(payload, dict) else {}
    name = payload.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
        errors["name"] = ("sequences.err.name", {"n": MAX_NAME})
    else:
        clash = session.exec(
            select(Sequence.id).where(Sequence.shop_id == shop.id, Sequence.name == name.strip())
        ).first()
        if clash is not None and (current is None or clash != current.id):
            errors["name"] = ("sequences.err.name_taken", {})
    kind, params = _trigger(session, shop, payload.get("trigger"), errors)
    entry = payload.get("entry_segment_id")
    if entry is not None:
        entry = _segment_errors(session, shop, entry, "entry_segment_id", errors)
    wait = payload.get("cap_wait_days", 3)
    if _int(wait) is None or not 0 <= wait <= MAX_CAP_WAIT_DAYS:
        errors["cap_wait_days"] = ("sequences.err.cap_wait", {"max": MAX_CAP_WAIT_DAYS})
    flags = {}
    for flag, default in (("exit_on_purchase", True), ("reentry", False), ("enabled", False)):
        value = payload.get(flag, default)
        if not isinstance(value, bool):
            errors[flag] = ("sequences.err.flag", {})
        flags[flag] = value
    steps = _steps(session, shop, payload.get("steps"), errors)
    fields = {
        "name": name.strip() if isinstance(name, str) else "",
        "trigger": kind,
        "trigger_params": params,
        "entry_segment_id": entry,
        "cap_wait_days": wait,
        **flags,
    }
    return fields, steps, errors


def save(
    *, session: Session, shop: Shop, payload, current: Sequence | None = None, now: datetime | None = None
) -> tuple[Sequence | None, Errors]:
    """Create or change a sequence; (sequence, {}) or (None, errors) with nothing written."""
    fields, steps, errors = check(session=session, shop=shop, payload=payload, current=current)
    if errors:
        return None, errors
    sequence = current or Sequence(shop_id=shop.id)
    was_on = current is not None and current.enabled
    for name, value in fields.items():
        setattr(sequence, name, value)
    sequence.updated_at = utcnow()
    session.add(sequence)
    session.flush()
    session.execute(delete(SequenceStep).where(SequenceStep.sequence_id == sequence.id))
    session.flush()
    session.add_all(SequenceStep(shop_id=shop.id, sequence_id=sequence.id, **step) for step in steps)
    session.flush()
    if current is not None:
        if was_on and not sequence.enabled:
            switch_off(session=session, shop=shop, sequence=sequence, now=now)
        else:
            advance.reschedule(session=session, sequence=sequence, shop=shop)
    return sequence, {}


def switch_off(*, session: Session, shop: Shop, sequence: Sequence, now: datetime | None = None) -> int:
    """Off: no one enters, and the friends still in it leave (their waiting steps cancelled)."""
    runs = session.exec(
        select(SequenceRun).where(SequenceRun.sequence_id == sequence.id, SequenceRun.status == RunStatus.ACTIVE)
    ).all()
    for run in runs:
        enroll.end(session=session, shop=shop, run=run, reason="sequence_off", now=now)
    return len(runs)


def as_json(sequence: Sequence, steps: list[SequenceStep]) -> dict:
    """What the editor loads (the shape `check` reads back)."""
    trigger = {"kind": sequence.trigger, **(sequence.trigger_params or {})}
    return {
        "id": sequence.id,
        "name": sequence.name,
        "trigger": trigger,
        "entry_segment_id": sequence.entry_segment_id,
        "exit_on_purchase": sequence.exit_on_purchase,
        "reentry": sequence.reentry,
        "enabled": sequence.enabled,
        "cap_wait_days": sequence.cap_wait_days,
        "preset": sequence.preset,
        "steps": [
            {
                "greeting": s.greeting,
                "delay": {"amount": s.delay_amount, "unit": s.delay_unit, "from": s.delay_from, "at": s.at_time},
                "blocks": s.blocks,
                "condition": {"fact": s.condition, "mode": s.condition_mode} if s.condition else None,
            }
            for s in steps
        ],
    }
