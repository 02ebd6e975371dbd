"""A run's steps: delays across quiet hours and time zones (with and without DST), step
conditions, exits, re-entry, the marketing cap, editing a running sequence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from app.models import Customer, LineFriend, LinkClick, Notification, Order, Sequence, TrackedLink, Trigger
from app.models import NotificationStatus as St
from app.models import RunStatus as Run
from app.sequences import editor, enroll
from app.sequences.timing import due_at, timeline
from app.timeutil import utcnow
from tests.fakes.line_events import unfollow_event
from tests.helpers import count, fresh
from tests.plugins.sequences import runs, steps_sent, text_step


def step(amount, unit="days", origin="previous", at=None):
    return SimpleNamespace(delay_amount=amount, delay_unit=unit, delay_from=origin, at_time=at)


def start(db, app, shop, friend, made, when):
    with app.app_context():
        db.commit()
        (run,) = enroll.on_event(
            Trigger.SOURCE, session=db, shop=shop, friend=friend, now=when, source_id=made.trigger_params["source_id"]
        )
        db.commit()
    return run


# -- timing ---------------------------------------------------------------------------------


def test_days_later_at_a_time_is_wall_clock_in_the_shop_zone_across_dst():
    entered = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)  # New York: 10:00 EST, the day before DST starts
    ny = due_at(step(1, at="10:00"), entered_at=entered, previous_due=None, timezone="America/New_York")
    assert ny == datetime(2026, 3, 8, 14, 0, tzinfo=UTC)  # 10:00 EDT: one hour less in UTC
    plain = due_at(step(24, unit="hours"), entered_at=entered, previous_due=None, timezone="America/New_York")
    assert plain == entered + timedelta(hours=24)  # a delay in hours is elapsed time
    back = datetime(2026, 10, 31, 14, 0, tzinfo=UTC)  # 10:00 EDT, the day before DST ends
    assert due_at(step(1, at="10:00"), entered_at=back, previous_due=None, timezone="America/New_York") == datetime(
        2026, 11, 1, 15, 0, tzinfo=UTC
    )
    tokyo = due_at(step(1, at="10:00"), entered_at=entered, previous_due=None, timezone="Asia/Tokyo")
    assert tokyo == datetime(2026, 3, 9, 1, 0, tzinfo=UTC)  # 00:00 JST on the 8th → 10:00 JST on the 9th


def test_delays_count_from_the_trigger_or_the_previous_step():
    entered = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    steps = [step(30, "minutes"), step(2, "hours"), step(1, "days", origin="trigger"), step(1, "days")]
    assert timeline(steps, entered_at=entered, timezone="Asia/Tokyo") == [
        entered + timedelta(minutes=30),
        entered + timedelta(minutes=150),
        entered + timedelta(days=1),
        entered + timedelta(days=2),
    ]


def test_a_step_due_in_quiet_hours_waits_for_the_morning(
    db, app, shop, linked_friends, sequence, advance, dispatch, fake_line
):
    made = sequence("source", [text_step("夜の配信", 0)], params={"source_id": 1})  # default quiet hours 21:00–09:00
    (friend,) = linked_friends(1)
    night = datetime(2026, 12, 1, 13, 30, tzinfo=UTC)  # 22:30 in Tokyo
    start(db, app, shop, friend, made, night)
    assert advance(night) == {"scheduled": 1}
    dispatch(night)
    (note,) = steps_sent(db)
    assert (note.status, note.reason) == (St.SCHEDULED, "quiet_hours")
    assert note.due_at == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # 09:00 Tokyo
    assert fake_line.pushes() == []


# -- conditions -----------------------------------------------------------------------------


def test_step_conditions(db, app, shop, linked_friends, sequence, advance, channel, quiet_free):
    steps = [
        text_step("1", 0),
        text_step("only if clicked", 1, "hours", condition={"fact": "clicked_previous", "mode": "only_if"}),
        text_step("skip if purchased", 1, "hours", condition={"fact": "purchased", "mode": "skip_if"}),
        text_step("only if unlinked", 1, "hours", condition={"fact": "unlinked", "mode": "only_if"}),
    ]
    made = sequence("source", steps, params={"source_id": 1})
    clicker, buyer = linked_friends(2)
    t0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    for f in (clicker, buyer):
        start(db, app, shop, f, made, t0)
    advance(t0)
    first = {n.friend_id: n for n in steps_sent(db)}
    for n in first.values():  # as if the dispatcher had sent them
        n.status, n.sent_at = St.SENT, t0
        db.add(n)
    link = TrackedLink(
        shop_id=shop.id, token="tok1", notification_id=first[clicker.id].id, flow="sequence", target="https://x"
    )
    db.add(link)
    db.flush()
    db.add(LinkClick(shop_id=shop.id, link_id=link.id, notification_id=first[clicker.id].id, flow="sequence"))
    db.add(
        Order(
            shop_id=shop.id,
            shopify_id=99,
            customer_shopify_id=_shopify_id(db, buyer),
            processed_at=t0 + timedelta(minutes=30),
        )
    )
    db.commit()
    for hour in (1, 2, 3):
        advance(t0 + timedelta(hours=hour))
    got = {(n.friend_id, n.step): (n.status, n.reason) for n in steps_sent(db)}
    assert got[(clicker.id, 2)] == (St.SCHEDULED, None)
    assert got[(buyer.id, 2)] == (St.SKIPPED, "condition")
    assert got[(clicker.id, 3)] == (St.SCHEDULED, None)
    assert got[(buyer.id, 3)] == (St.SKIPPED, "condition")
    assert got[(clicker.id, 4)] == (St.SKIPPED, "condition")  # linked: "only if unlinked" is not met
    assert {r.status for r in runs(db)} == {Run.DONE}


def _shopify_id(db, friend: LineFriend) -> int:
    return db.get(Customer, friend.customer_id).shopify_id


# -- exits ----------------------------------------------------------------------------------


def test_exits_end_the_run_and_cancel_its_waiting_step(db, app, shop, linked_friends, sequence, advance, quiet_free):
    made = sequence("source", [text_step("1", 1, "hours"), text_step("2", 1, "days")], params={"source_id": 1})
    keep_steps = [text_step("a", 1, "hours"), text_step("b", 1, "days")]
    keep = sequence("source", keep_steps, params={"source_id": 1}, exit_on_purchase=False)
    last = sequence("source", [text_step("only", 1, "hours")], params={"source_id": 1})
    buyer, unlinker, blocker, removed = friends = linked_friends(4)
    t0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    for f in friends:
        start_all(db, app, shop, f, t0)
    advance(t0 + timedelta(hours=1))  # every first step is in the outbox, waiting to be sent
    with app.app_context():
        db.commit()
        enroll.exit_runs(session=db, shop=shop, friend_id=buyer.id, reason="purchased", purchase=True)
        enroll.exit_runs(session=db, shop=shop, friend_id=unlinker.id, reason="unlinked")
        enroll.exit_runs(session=db, shop=shop, friend_id=blocker.id, reason="blocked")
        enroll.exit_runs(session=db, shop=shop, friend_id=removed.id, reason="removed", sequence_id=made.id)
        db.commit()
    ended = {(r.friend_id, r.sequence_id): (r.status, r.reason) for r in runs(db)}
    assert ended[(buyer.id, made.id)] == (Run.EXITED, "purchased")
    assert ended[(buyer.id, keep.id)] == (Run.ACTIVE, None)  # this one does not exit on purchase
    assert ended[(unlinker.id, made.id)] == (Run.EXITED, "unlinked")
    assert ended[(blocker.id, keep.id)] == (Run.EXITED, "blocked")
    assert ended[(removed.id, made.id)] == (Run.EXITED, "removed")
    assert ended[(removed.id, keep.id)] == (Run.ACTIVE, None)
    notes = {(n.friend_id, n.context["sequence_id"]): (n.status, n.reason) for n in steps_sent(db)}
    assert notes[(buyer.id, made.id)] == (St.CANCELLED, "sequence_purchased")
    assert notes[(buyer.id, keep.id)] == (St.SCHEDULED, None)
    assert notes[(blocker.id, made.id)] == (St.CANCELLED, "sequence_blocked")
    # A finished run's last step still waiting is cancelled too (the run stays done).
    assert ended[(buyer.id, last.id)] == (Run.DONE, None)
    assert notes[(buyer.id, last.id)] == (St.CANCELLED, "sequence_purchased")


def start_all(db, app, shop, friend, when):
    with app.app_context():
        db.commit()
        enroll.on_event(Trigger.SOURCE, session=db, shop=shop, friend=friend, now=when, source_id=1)
        db.commit()


def test_blocking_and_opting_out_in_the_chat_end_runs(db, chat, fake_line, user, sequence, quiet_free):
    sequence("friend_added", [text_step("1", 1, "days")])
    chat(fake_line.follow_event(user))
    chat(unfollow_event(user))
    assert [(r.status, r.reason) for r in runs(db)] == [(Run.EXITED, "blocked")]


def test_a_step_of_an_ended_run_is_not_sent_even_if_already_claimed(
    db, app, shop, linked_friends, sequence, advance, dispatch, fake_line, quiet_free
):
    made = sequence("source", [text_step("1", 0), text_step("2", 1, "days")], params={"source_id": 1})
    (friend,) = linked_friends(1)
    now = utcnow()
    run = start(db, app, shop, friend, made, now)
    advance(now)
    fresh(db)
    run = db.get(type(run), run.id)
    run.status, run.reason = Run.EXITED, "removed"  # ended without its step being cancelled
    db.add(run)
    db.commit()
    dispatch(now)
    (note,) = steps_sent(db)
    assert (note.status, note.reason) == (St.CANCELLED, "sequence_removed")
    assert fake_line.pushes() == []


# -- re-entry -------------------------------------------------------------------------------


def test_reentry(db, app, shop, linked_friends, sequence, advance, quiet_free):
    once = sequence("source", [text_step("1", 0)], params={"source_id": 1})
    again = sequence("source", [text_step("1", 0)], params={"source_id": 1}, reentry=True)
    (friend,) = linked_friends(1)
    t0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    start_all(db, app, shop, friend, t0)
    start_all(db, app, shop, friend, t0)  # while active: no second run, whatever the setting
    assert len(runs(db)) == 2
    advance(t0)  # both done
    start_all(db, app, shop, friend, t0 + timedelta(days=1))
    by_sequence = {}
    for r in runs(db):
        by_sequence.setdefault(r.sequence_id, []).append(r.status)
    assert by_sequence[once.id] == [Run.DONE]
    assert by_sequence[again.id] == [Run.DONE, Run.ACTIVE]


# -- the cap --------------------------------------------------------------------------------


def test_a_capped_step_waits_a_day_at_a_time_then_is_skipped(
    db, app, shop, linked_friends, sequence, advance, dispatch, put, quiet_free, fake_line
):
    made = sequence("source", [text_step("1", 0)], params={"source_id": 1}, cap_wait_days=1)
    (friend,) = linked_friends(1)
    now = utcnow()
    other = put(friend, "repurchase", now - timedelta(hours=1))
    other.status, other.sent_at = St.SENT, now - timedelta(hours=1)  # today's one marketing message
    db.add(other)
    db.commit()
    start(db, app, shop, friend, made, now)
    advance(now)
    dispatch(now)
    (note,) = steps_sent(db)
    assert (note.status, note.reason) == (St.SCHEDULED, "cap_per_day")
    assert note.due_at == now + timedelta(days=1)
    # A day later, still capped (another message went out meanwhile): the wait is over.
    later = now + timedelta(days=1)
    more = put(friend, "repurchase", later - timedelta(hours=1))
    more.status, more.sent_at = St.SENT, later - timedelta(hours=1)
    db.add(more)
    db.commit()
    dispatch(later + timedelta(minutes=1))
    (note,) = steps_sent(db)
    assert (note.status, note.reason) == (St.SKIPPED, "cap_per_day")
    assert fake_line.pushes() == []


def test_a_capped_step_goes_the_next_day_when_there_is_room(
    db, app, shop, linked_friends, sequence, advance, dispatch, put, quiet_free, fake_line
):
    made = sequence("source", [text_step("ステップ", 0)], params={"source_id": 1}, cap_wait_days=3)
    (friend,) = linked_friends(1)
    now = utcnow()
    other = put(friend, "repurchase", now - timedelta(hours=1))
    other.status, other.sent_at = St.SENT, now - timedelta(hours=1)
    db.add(other)
    db.commit()
    start(db, app, shop, friend, made, now)
    advance(now)
    dispatch(now)
    dispatch(now + timedelta(days=1))
    (note,) = steps_sent(db)
    assert note.status == St.SENT
    assert "ステップ" in fake_line.texts_to(friend.line_user_id)


# -- editing a running sequence -------------------------------------------------------------


def test_editing_a_running_sequence_changes_only_steps_not_yet_scheduled(
    db, app, shop, linked_friends, sequence, advance, quiet_free
):
    steps = [text_step("一通目", 0), text_step("二通目", 1, "days")]
    made = sequence("source", steps, params={"source_id": 1})
    (friend,) = linked_friends(1)
    t0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    start(db, app, shop, friend, made, t0)
    advance(t0)
    payload = editor.as_json(made, [])
    payload["steps"] = [text_step("一通目（改）", 0), text_step("二通目（改）", 3, "hours")]
    with app.app_context():
        db.commit()
        saved, errors = editor.save(session=db, shop=shop, payload=payload, current=db.get(Sequence, made.id))
        assert errors == {}
        db.commit()
    (run,) = runs(db)
    assert run.next_position == 2 and run.next_due_at == t0 + timedelta(hours=3)  # the edited delay
    advance(t0 + timedelta(hours=3))
    texts = {n.step: n.messages[0]["text"] for n in steps_sent(db)}
    assert texts == {1: "一通目", 2: "二通目（改）"}  # the step already in the outbox kept its text


def test_switching_a_sequence_off_ends_its_runs(db, app, shop, linked_friends, sequence, advance, quiet_free):
    made = sequence("source", [text_step("1", 0), text_step("2", 1, "days")], params={"source_id": 1})
    (friend,) = linked_friends(1)
    start(db, app, shop, friend, made, utcnow())
    payload = {**editor.as_json(made, []), "steps": [text_step("1", 0), text_step("2", 1, "days")], "enabled": False}
    with app.app_context():
        db.commit()
        editor.save(session=db, shop=shop, payload=payload, current=db.get(Sequence, made.id))
        db.commit()
    assert [(r.status, r.reason) for r in runs(db)] == [(Run.EXITED, "sequence_off")]
    assert advance(utcnow() + timedelta(days=2)) == {}
    assert count(db, Notification) == 0
