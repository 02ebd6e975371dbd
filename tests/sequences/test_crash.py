"""A worker killed mid-step sends nothing twice: the step and the run's next time are one
transaction (a kill rolls both back), the outbox key per run and step turns a replayed step
into "exists", and the dispatcher's retry key makes a re-sent push LINE's 409."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text, update

from app.models import Notification, SequenceRun, Trigger
from app.models import NotificationStatus as St
from app.models import RunStatus as Run
from app.sequences import advance as advance_module
from app.sequences import enroll
from app.timeutil import utcnow
from tests.helpers import fresh
from tests.plugins.sequences import runs, steps_sent, text_step


class Killed(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs, nothing is committed."""


@pytest.fixture
def running(db, app, shop, linked_friends, sequence, quiet_free):
    made = sequence("source", [text_step("一通目", 0), text_step("二通目", 1, "days")], params={"source_id": 1})
    (friend,) = linked_friends(1)
    with app.app_context():
        db.commit()
        enroll.on_event(Trigger.SOURCE, session=db, shop=shop, friend=friend, source_id=1)
        db.commit()
    return made, friend


def test_killed_after_the_step_is_written_rolls_back_and_the_rerun_sends_once(
    db, running, advance, dispatch, fake_line, monkeypatch
):
    _, friend = running
    real = advance_module._schedule

    def schedule_then_die(*args):
        real(*args)
        raise Killed

    monkeypatch.setattr(advance_module, "_schedule", schedule_then_die)
    now = utcnow() + timedelta(seconds=1)
    with pytest.raises(Killed):
        advance(now)
    assert steps_sent(db) == []  # the step's row went with the transaction
    (run,) = runs(db)
    assert (run.status, run.next_position) == (Run.ACTIVE, 1)
    monkeypatch.setattr(advance_module, "_schedule", real)
    assert advance(now) == {"scheduled": 1}
    dispatch(now)
    assert fake_line.texts_to(friend.line_user_id) == ["一通目"]


def test_a_step_taken_twice_is_in_the_outbox_once(db, running, advance, dispatch, fake_line):
    _, friend = running
    (before,) = runs(db)
    now = utcnow() + timedelta(seconds=1)
    advance(now)
    # As if the run's own update had been lost: the same step is taken again.
    db.commit()  # end the read snapshot: SQLite refuses a write from a stale one
    db.execute(
        text("UPDATE sequence_runs SET next_position = 1, next_due_at = :due, status = 'active' WHERE id = :id"),
        {"due": before.next_due_at, "id": before.id},
    )
    db.commit()
    assert advance(now) == {"exists": 1}
    assert len(steps_sent(db)) == 1
    dispatch(now)
    assert fake_line.texts_to(friend.line_user_id) == ["一通目"]


def test_a_sender_killed_after_line_accepted_the_step_does_not_deliver_it_again(
    db, running, advance, dispatch, fake_line
):
    _, friend = running
    now = utcnow() + timedelta(seconds=1)
    advance(now)
    dispatch(now)
    (note,) = steps_sent(db)
    # The worker died after LINE took the push, before it recorded "sent": the row stays
    # `sending` until it is stale, then another run claims it again with the same retry key.
    db.commit()
    db.execute(
        update(Notification)
        .where(Notification.id == note.id)
        .values(status=St.SENDING, sent_at=None, updated_at=utcnow() - timedelta(minutes=10))
    )
    db.commit()
    dispatch(now)
    fresh(db)
    (note,) = steps_sent(db)
    assert note.status == St.SENT
    assert fake_line.texts_to(friend.line_user_id) == ["一通目"]  # LINE answered 409: delivered once
    assert fake_line.accepted_retry_keys().count(str(note.id)) == 1


def test_two_runs_of_the_job_at_once_take_each_run_once(db, app, shop, linked_friends, sequence, advance, quiet_free):
    made = sequence("source", [text_step("1", 0)], params={"source_id": 2})
    friends = linked_friends(5)
    with app.app_context():
        db.commit()
        for f in friends:
            enroll.on_event(Trigger.SOURCE, session=db, shop=shop, friend=f, source_id=2)
        db.commit()
    now = utcnow() + timedelta(seconds=1)
    first, second = advance(now), advance(now)
    assert first == {"scheduled": 5} and second == {}
    assert len(steps_sent(db)) == 5
    assert {r.status for r in runs(db, SequenceRun.sequence_id == made.id)} == {Run.DONE}
