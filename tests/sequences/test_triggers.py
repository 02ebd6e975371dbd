"""Each trigger starts the sequences it names (and only those), through the real code paths:
the chat's follow webhook, an account link, orders/create, the segment check and the
friend-source door (`enroll.on_event`); the first step then goes through the outbox to LINE."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from app import ext
from app.line import customer_links
from app.models import Customer, LineFriend, Segment, SequenceRun, Trigger
from app.models import NotificationStatus as St
from app.models import RunStatus as Run
from app.sequences import enroll
from app.sequences.segments import check_segments
from app.timeutil import utcnow
from tests.fakes.line import new_user_id
from tests.fakes.line_events import unfollow_event
from tests.plugins.line import friend_of
from tests.plugins.sequences import runs, steps_sent, text_step

LINKED = {"match": "all", "groups": [{"match": "all", "conditions": [{"field": "linked", "value": True}]}]}


def test_a_new_friend_enters_and_gets_the_first_step_once(
    db, app, chat, fake_line, user, sequence, advance, dispatch, quiet_free
):
    added = sequence("friend_added", [text_step("ようこそ！ステップ1")])
    readded = sequence("friend_readded", [text_step("おかえりなさい")])
    assert chat(fake_line.follow_event(user)).status_code == 200
    friend = friend_of(db, user)
    (run,) = runs(db)
    assert (run.sequence_id, run.friend_id, run.status, run.next_position) == (added.id, friend.id, Run.ACTIVE, 1)
    now = utcnow() + timedelta(seconds=1)
    assert advance(now) == {"scheduled": 1}
    assert advance(now) == {}  # nothing is due any more: the run is done
    dispatch(now)
    assert "ようこそ！ステップ1" in fake_line.texts_to(user)
    (note,) = steps_sent(db)
    assert note.status == St.SENT and note.dedupe_key == f"seq:{added.id}:{run.id}:1"
    assert runs(db)[0].status == Run.DONE
    assert readded.id not in {r.sequence_id for r in runs(db)}


def test_a_friend_who_unblocks_us_enters_the_readded_sequence_only(db, chat, fake_line, user, sequence, quiet_free):
    chat(fake_line.follow_event(user))
    added = sequence("friend_added")
    readded = sequence("friend_readded")
    chat(unfollow_event(user))
    chat(fake_line.follow_event(user, unblocked=True))
    assert [r.sequence_id for r in runs(db)] == [readded.id]
    assert added.id not in [r.sequence_id for r in runs(db)]


def test_linking_an_account_starts_the_linked_sequence(db, app, shop, channel, sequence, quiet_free):
    linked = sequence("account_linked")
    friend = LineFriend(shop_id=shop.id, channel_id=channel.id, line_user_id=new_user_id(), followed_at=utcnow())
    customer = Customer(shop_id=shop.id, shopify_id=42)
    db.add_all([friend, customer])
    db.commit()
    assert runs(db) == []
    with app.app_context():
        customer_links.link(session=db, shop=shop, friend=friend, customer=customer, method="chat", actor="test")
        db.commit()
    assert [(r.sequence_id, r.friend_id) for r in runs(db)] == [(linked.id, friend.id)]


def test_first_and_nth_purchase(db, friend, sequence, send_webhook, payload_copy, quiet_free):
    first = sequence("first_purchase")
    second = sequence("nth_purchase", params={"n": 2})
    third = sequence("nth_purchase", params={"n": 3})
    send_webhook("orders/create", payload_copy("orders_create"))
    assert [r.sequence_id for r in runs(db)] == [first.id]
    send_webhook("orders/create", {**payload_copy("orders_create"), "id": 4_000_000_002, "name": "#1002"})
    assert sorted(r.sequence_id for r in runs(db)) == sorted([first.id, second.id])
    assert third.id not in {r.sequence_id for r in runs(db)}


def test_entering_a_segment_is_noticed_by_the_scheduled_check(db, app, shop, linked_friends, channel, sequence):
    segment = Segment(shop_id=shop.id, name="連携済み", definition=LINKED)
    db.add(segment)
    db.commit()
    entered = sequence("segment_entered", params={"segment_id": segment.id})
    already = linked_friends(2)
    unlinked = LineFriend(shop_id=shop.id, channel_id=channel.id, line_user_id=new_user_id(), followed_at=utcnow())
    db.add(unlinked)
    db.commit()
    with app.app_context():
        check_segments(engine=ext.engine(app), now=utcnow())  # the first check only records who is in
        assert runs(db) == []
        customer = Customer(shop_id=shop.id, shopify_id=777)
        db.add(customer)
        db.flush()
        unlinked.customer_id = customer.id
        db.add(unlinked)
        db.commit()
        assert check_segments(engine=ext.engine(app), now=utcnow()) == {"entered": 1}
        assert check_segments(engine=ext.engine(app), now=utcnow()) == {}  # no one new
    assert [(r.sequence_id, r.friend_id) for r in runs(db)] == [(entered.id, unlinked.id)]
    assert {f.id for f in already}.isdisjoint(r.friend_id for r in runs(db))


def test_a_friend_source_starts_the_sequence_of_that_source_only(db, app, shop, linked_friends, sequence):
    mine = sequence("source", params={"source_id": 5})
    other = sequence("source", params={"source_id": 6})
    (friend,) = linked_friends(1)
    with app.app_context():
        started = enroll.on_event(Trigger.SOURCE, session=db, shop=shop, friend=friend, source_id=5)
        db.commit()
    assert [r.sequence_id for r in started] == [mine.id]
    assert other.id not in {r.sequence_id for r in runs(db)}


def test_an_entry_segment_keeps_others_out_and_a_switched_off_sequence_takes_no_one(
    db, app, shop, channel, linked_friends, sequence
):
    segment = Segment(shop_id=shop.id, name="連携済み", definition=LINKED)
    db.add(segment)
    db.commit()
    gated = sequence("source", params={"source_id": 1}, entry_segment_id=segment.id)
    sequence("source", params={"source_id": 1}, enabled=False)
    (linked,) = linked_friends(1)
    stranger = LineFriend(shop_id=shop.id, channel_id=channel.id, line_user_id=new_user_id(), followed_at=utcnow())
    db.add(stranger)
    db.commit()
    with app.app_context():
        for f in (linked, stranger):
            enroll.on_event(Trigger.SOURCE, session=db, shop=shop, friend=f, source_id=1)
        db.commit()
    assert [(r.sequence_id, r.friend_id) for r in runs(db)] == [(gated.id, linked.id)]


def test_one_active_run_per_friend_and_sequence_is_held_by_the_database(db, shop, linked_friends, sequence):
    made = sequence("source", params={"source_id": 1})
    (friend,) = linked_friends(1)
    now = utcnow()
    db.add(SequenceRun(shop_id=shop.id, sequence_id=made.id, friend_id=friend.id, entered_at=now))
    db.commit()
    db.add(SequenceRun(shop_id=shop.id, sequence_id=made.id, friend_id=friend.id, entered_at=now))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    db.add(SequenceRun(shop_id=shop.id, sequence_id=made.id, friend_id=friend.id, entered_at=now, status=Run.DONE))
    db.commit()  # finished runs do not count
