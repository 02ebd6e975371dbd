"""Importing the LINE account's existing followers through the fake LINE over HTTP: pages
read with LINE's `next` token, new friends added once (never greeted), friends we knew left
alone, profiles filled in; a run killed or failed after page 2 resumes at page 3; a 403
(account neither verified nor premium) ends the import as unavailable."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import select

from app import ext
from app.line import client as line_client
from app.line import followers
from app.line.followers import NotConnected, Step, advance_imports, start_import
from app.models import FollowerImport, ImportedFollower, LineFriend
from app.models import FollowerImportStatus as St
from app.timeutil import utcnow
from tests.fakes.line import new_user_id
from tests.helpers import rows
from tests.plugins.people import friend

PAGE = Step(budget_s=60.0, page_size=3)


class Killed(BaseException):
    """The worker process dies (nothing in the app catches a BaseException)."""


@pytest.fixture
def following(fake_line, channel):
    """Eight LINE users follow the shop's account (three pages of three at PAGE)."""
    users = [new_user_id() for _ in range(8)]
    for i, user in enumerate(users):
        fake_line.add_user(user, f"フォロワー{i}", language="en" if i == 0 else "ja")
    return users


def start(app, db, shop, now=None) -> FollowerImport:
    with app.app_context():
        row = start_import(session=db, shop=shop, now=now)
        db.commit()
    return row


def run(app, now=None, step=PAGE) -> dict:
    with app.app_context():
        return advance_imports(engine=ext.engine(app), now=now or utcnow(), step=step)


def the_import(db) -> FollowerImport:
    [row] = rows(db, FollowerImport)
    return row


def friends_by_user(db) -> Counter:
    return Counter(f.line_user_id for f in rows(db, LineFriend))


def test_every_page_is_read_and_each_follower_becomes_a_friend_once(app, db, shop, following, fake_line):
    start(app, db, shop)

    assert run(app) == {St.COMPLETED: 1}

    row = the_import(db)
    assert (row.status, row.pages, row.seen, row.new, row.profiles, row.failed) == (St.COMPLETED, 3, 8, 8, 8, 0)
    assert row.next_start is None and row.claimed_until is None and row.finished_at is not None
    assert friends_by_user(db) == Counter({u: 1 for u in following})
    assert len(fake_line.follower_starts) == 3 and fake_line.follower_starts[0] is None
    by_user = {f.line_user_id: f for f in rows(db, LineFriend)}
    assert by_user[following[0]].display_name == "フォロワー0" and by_user[following[0]].language == "en"
    assert by_user[following[0]].picture_url.endswith(following[0])
    assert not by_user[following[0]].is_blocked and by_user[following[0]].followed_at is None  # unknown
    imported = rows(db, ImportedFollower)
    assert len(imported) == 8 and {i.profile_status for i in imported} == {"fetched"}
    assert fake_line.deliveries == []  # nobody is greeted


def test_friends_we_knew_are_left_exactly_as_they_are(app, db, shop, following, fake_line):
    known = friend(db, shop, "昔からの友だち", is_blocked=True, language="ja")
    fake_line.add_user(known.line_user_id, "LINE での名前", language="en")  # a follower again
    before = known.model_dump()

    start(app, db, shop)
    run(app)

    row = the_import(db)
    assert (row.seen, row.new, row.profiles) == (9, 8, 8)
    [after] = rows(db, LineFriend, LineFriend.id == known.id)
    assert after.model_dump() == before
    assert rows(db, ImportedFollower, ImportedFollower.friend_id == known.id) == []


def test_a_run_killed_after_page_two_resumes_at_page_three(app, db, shop, following, fake_line, monkeypatch):
    real, calls = line_client.LineClient.follower_ids, []

    def dies_on_page_three(self, start=None, limit=1000):
        calls.append(start)
        page = real(self, start, limit)
        if len(calls) == 3:
            raise Killed  # page 3 arrived, the process died before storing it
        return page

    monkeypatch.setattr(line_client.LineClient, "follower_ids", dies_on_page_three)
    now = utcnow()
    start(app, db, shop, now)
    with pytest.raises(Killed):
        run(app, now)
    stored = the_import(db)
    assert (stored.status, stored.pages, stored.new) == (St.RUNNING, 2, 6) and stored.claimed_until > now
    monkeypatch.setattr(line_client.LineClient, "follower_ids", real)

    assert run(app, now + timedelta(seconds=30)) == {}  # the dead worker's lease still holds
    assert run(app, now + followers.LEASE + timedelta(seconds=1)) == {St.COMPLETED: 1}

    starts = fake_line.follower_starts
    assert starts[0] is None and None not in starts[1:]  # page 1 was never read again
    assert starts[3] == starts[2] and len(set(starts)) == 3  # only the unstored page 3, once more
    assert friends_by_user(db) == Counter({u: 1 for u in following})
    row = the_import(db)
    assert (row.status, row.pages, row.seen, row.new, row.profiles) == (St.COMPLETED, 3, 8, 8, 8)
    assert len(rows(db, ImportedFollower)) == 8


def test_a_failure_after_page_two_fails_the_import_and_starting_again_resumes(
    app, db, shop, following, fake_line, monkeypatch
):
    start(app, db, shop)
    run(app, step=Step(budget_s=60.0, page_size=3, max_pages=2))
    fake_line.fail_next(1, 400, path="/v2/bot/followers/ids")

    assert run(app) == {St.FAILED: 1}
    failed = the_import(db)
    assert (failed.status, failed.pages, failed.new) == (St.FAILED, 2, 6) and "400" in failed.error
    assert run(app) == {}  # a failed import waits for the merchant

    resumed = start(app, db, shop)
    assert (resumed.status, resumed.pages, resumed.new, resumed.error) == (St.RUNNING, 2, 6, None)
    assert run(app) == {St.COMPLETED: 1}

    starts = fake_line.follower_starts
    # The refused call never reached the page (the fake records pages it served): pages 1
    # and 2 were served once each, page 3 once, after the resume.
    assert starts.count(None) == 1 and len(starts) == len(set(starts)) == 3
    assert sum(r.path == "/v2/bot/followers/ids" for r in fake_line.requests) == 4  # with the refused one
    assert friends_by_user(db) == Counter({u: 1 for u in following})
    assert the_import(db).new == 8


def test_lines_5xx_backs_off_then_goes_on(app, db, shop, following, fake_line, monkeypatch):
    monkeypatch.setattr(line_client, "MAX_ATTEMPTS", 1)  # no in-call retries: the job's backoff
    now = utcnow()
    start(app, db, shop, now)
    fake_line.fail_next(1, 500, path="/v2/bot/followers/ids")

    assert run(app, now) == {St.RUNNING: 1}
    waiting = the_import(db)
    assert waiting.attempts == 1 and waiting.retry_at == now + timedelta(minutes=1) and "500" in waiting.error
    assert run(app, now + timedelta(seconds=30)) == {}
    assert run(app, now + timedelta(minutes=2)) == {St.COMPLETED: 1}
    done = the_import(db)
    assert (done.attempts, done.error, done.new) == (0, None, 8)


def test_an_account_that_is_not_verified_or_premium_is_unavailable(app, db, shop, following, fake_line):
    fake_line.followers_available = False
    start(app, db, shop)

    assert run(app) == {St.UNAVAILABLE: 1}

    row = the_import(db)
    assert row.status == St.UNAVAILABLE and "403" in row.error and row.finished_at is not None
    assert rows(db, LineFriend) == [] and run(app) == {}


def test_a_finished_import_started_again_adds_only_new_followers(app, db, shop, following, fake_line):
    start(app, db, shop)
    run(app)
    assert (the_import(db).status, the_import(db).new) == (St.COMPLETED, 8)

    newcomer = new_user_id()
    fake_line.add_user(newcomer, "新しいフォロワー")
    again = start(app, db, shop)
    assert (again.status, again.pages, again.new, again.finished_at) == (St.RUNNING, 0, 0, None)
    run(app)

    row = the_import(db)
    assert (row.status, row.seen, row.new) == (St.COMPLETED, 9, 1)
    assert friends_by_user(db) == Counter({u: 1 for u in [*following, newcomer]})


def test_a_missing_profile_is_noted_not_retried(app, db, shop, following, fake_line, monkeypatch):
    real = line_client.LineClient.profile
    silent = following[3]
    monkeypatch.setattr(
        line_client.LineClient, "profile", lambda self, user_id: None if user_id == silent else real(self, user_id)
    )
    start(app, db, shop)
    run(app)

    statuses = {
        f.line_user_id: i.profile_status
        for i in rows(db, ImportedFollower)
        for f in rows(db, LineFriend, LineFriend.id == i.friend_id)
    }
    assert statuses[silent] == "missing" and Counter(statuses.values()) == Counter(fetched=7, missing=1)
    assert db.exec(select(LineFriend.display_name).where(LineFriend.line_user_id == silent)).one() is None


def test_an_import_needs_a_connected_channel(app, db, shop):
    with app.app_context(), pytest.raises(NotConnected):
        start_import(session=db, shop=shop)
