"""Bad input is refused by its field and nothing is half-saved; the welcome sequence ships
off, in the shop's language, with the greeting as day 0 (not sent again)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.models import Notification, Sequence, SequenceStep, Trigger
from app.sequences import editor, enroll, welcome
from tests.helpers import count, rows
from tests.plugins.sequences import runs, steps_sent, text_step


def good() -> dict:
    return {"name": "テスト", "trigger": {"kind": "friend_added"}, "steps": [text_step("こんにちは", 1, "days")]}


CASES = [
    ("no trigger", lambda p: p.pop("trigger"), "trigger.kind", "sequences.err.trigger"),
    ("unknown trigger", lambda p: p.update(trigger={"kind": "birthday"}), "trigger.kind", "sequences.err.trigger"),
    ("nth without n", lambda p: p.update(trigger={"kind": "nth_purchase"}), "trigger.n", "sequences.err.nth"),
    ("empty name", lambda p: p.update(name="  "), "name", "sequences.err.name"),
    ("no steps", lambda p: p.update(steps=[]), "steps", "sequences.err.no_steps"),
    ("11 steps", lambda p: p.update(steps=[text_step("x")] * 11), "steps", "sequences.err.too_many_steps"),
    ("empty step", lambda p: p["steps"][0].update(blocks=[]), "steps[0].blocks", "campaigns.err.no_messages"),
    (
        "empty text",
        lambda p: p["steps"][0].update(blocks=[{"type": "text", "text": " "}]),
        "steps[0].blocks[0].text",
        "campaigns.err.empty_text",
    ),
    (
        "too long",
        lambda p: p["steps"][0].update(blocks=[{"type": "text", "text": "あ" * 5001}]),
        "steps[0].blocks[0].text",
        "campaigns.err.text_too_long",
    ),
    (
        "91 days",
        lambda p: p["steps"][0]["delay"].update(amount=91),
        "steps[0].delay.amount",
        "sequences.err.delay_amount",
    ),
    (
        "negative",
        lambda p: p["steps"][0]["delay"].update(amount=-1),
        "steps[0].delay.amount",
        "sequences.err.delay_amount",
    ),
    (
        "not a number",
        lambda p: p["steps"][0]["delay"].update(amount="1"),
        "steps[0].delay.amount",
        "sequences.err.delay_amount",
    ),
    ("weeks", lambda p: p["steps"][0]["delay"].update(unit="weeks"), "steps[0].delay.unit", "sequences.err.delay_unit"),
    ("25:00", lambda p: p["steps"][0]["delay"].update(at="25:00"), "steps[0].delay.at", "sequences.err.delay_at"),
    (
        "a time with hours",
        lambda p: p["steps"][0]["delay"].update(unit="hours", at="10:00"),
        "steps[0].delay.at",
        "sequences.err.delay_at",
    ),
    (
        "clicked previous on the first step",
        lambda p: p["steps"][0].update(condition={"fact": "clicked_previous", "mode": "only_if"}),
        "steps[0].condition",
        "sequences.err.condition",
    ),
    ("cap wait", lambda p: p.update(cap_wait_days=30), "cap_wait_days", "sequences.err.cap_wait"),
    (
        "unique coupon",
        lambda p: p["steps"][0].update(blocks=[{"type": "coupon", "mode": "unique", "discount_id": "1"}]),
        "steps[0].blocks",
        "sequences.err.unique_coupon",
    ),
]


@pytest.mark.parametrize("name,change,field,key", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_by_field_and_nothing_is_saved(db, app, shop, name, change, field, key):
    payload = good()
    change(payload)
    with app.app_context():
        made, errors = editor.save(session=db, shop=shop, payload=payload)
        db.commit()
    assert made is None and errors[field][0] == key, errors
    assert count(db, Sequence) == 0 and count(db, SequenceStep) == 0


def test_a_refused_edit_leaves_the_saved_sequence_as_it_was(db, app, shop, sequence):
    made = sequence("friend_added", [text_step("元の文", 1, "days")])
    payload = {**editor.as_json(made, []), "name": "新しい名前", "steps": [text_step("新しい文", 999, "days")]}
    with app.app_context():
        db.commit()
        _, errors = editor.save(session=db, shop=shop, payload=payload, current=db.get(Sequence, made.id))
        db.rollback()
    assert "steps[0].delay.amount" in errors
    db.expire_all()
    assert db.get(Sequence, made.id).name == made.name
    assert [s.blocks[0]["text"] for s in rows(db, SequenceStep)] == ["元の文"]


def test_a_taken_name_is_refused(db, app, shop, sequence):
    made = sequence("friend_added")
    with app.app_context():
        _, errors = editor.save(session=db, shop=shop, payload={**good(), "name": made.name})
    assert errors["name"][0] == "sequences.err.name_taken"


def test_the_welcome_sequence_ships_off_and_its_day_0_is_the_greeting(db, app, shop, linked_friends, advance):
    with app.app_context():
        made = welcome.ensure(session=db, shop=shop)
        again = welcome.ensure(session=db, shop=shop)
        db.commit()
    assert again.id == made.id and not made.enabled and made.trigger == Trigger.FRIEND_ADDED
    steps = sorted(rows(db, SequenceStep), key=lambda s: s.position)
    assert [s.greeting for s in steps] == [True, False, False]
    assert [(s.delay_amount, s.at_time) for s in steps[1:]] == [(1, "10:00"), (3, "10:00")]
    assert "キーワード" in steps[1].blocks[0]["text"] and "連携" in steps[1].blocks[0]["text"]
    made.enabled = True
    db.add(made)
    db.commit()
    (friend,) = linked_friends(1)
    t0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo
    with app.app_context():
        enroll.on_event(Trigger.FRIEND_ADDED, session=db, shop=shop, friend=friend, now=t0)
        db.commit()
    assert advance(t0) == {"greeting": 1}  # nothing sent: the follow's greeting was day 0
    assert count(db, Notification) == 0
    assert advance(datetime(2026, 12, 2, 1, 0, tzinfo=UTC)) == {"scheduled": 1}  # day 1, 10:00 Tokyo
    assert advance(datetime(2026, 12, 4, 1, 0, tzinfo=UTC) - timedelta(seconds=1)) == {}
    assert advance(datetime(2026, 12, 4, 1, 0, tzinfo=UTC)) == {"scheduled": 1}  # day 3, 10:00 Tokyo
    assert [n.step for n in steps_sent(db)] == [2, 3]
    assert runs(db)[0].status == "done"


def test_the_welcome_sequence_in_english(db, app, shop):
    shop.locale = "en"
    db.add(shop)
    db.commit()
    with app.app_context():
        made = welcome.ensure(session=db, shop=shop)
        db.commit()
    assert made.name == "Welcome (new friends)"
    steps = sorted(rows(db, SequenceStep), key=lambda s: s.position)
    assert "keyword" in steps[1].blocks[0]["text"]
    assert steps[2].blocks[0]["label"] == "See best sellers"
